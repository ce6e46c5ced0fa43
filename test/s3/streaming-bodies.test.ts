// putObject's Body in every form the AWS SDK takes, and getObject's Body as the SDK shapes it
// (https://docs.aws.amazon.com/AWSJavaScriptSDK/v3/latest/Package/-aws-sdk-client-s3/Interface/GetObjectCommandOutput/:
// Body is a StreamingBlobPayloadOutputTypes with transformToByteArray / transformToString / transformToWebStream).
import { readdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore } from '../../src/node.js';
import type { ObjectBodies } from '../../src/s3/object-bodies.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const rng = new SeededRandom(0x5713a);
const tempDir = temporaryDirectories('kms-wasm-streams-');

function setup(dir?: string) {
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  return new ObjectStore({ kms, dir });
}

/** `bytes` cut into uneven chunks, none on a frame boundary. */
function chunksOf(bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0, n = 1; at < bytes.length; at += n, n = n * 3 + 7) chunks.push(bytes.slice(at, at + n));
  return chunks;
}

const bodyForms: Array<[string, (bytes: Uint8Array) => unknown]> = [
  ['Uint8Array', (b) => b],
  ['async generator', (b) => (async function* () { yield* chunksOf(b); })()],
  ['Web ReadableStream', (b) => new ReadableStream({ start(c) { chunksOf(b).forEach((x) => c.enqueue(x)); c.close(); } })],
  ['Node Readable', (b) => Readable.from(chunksOf(b))],
  ['Blob', (b) => new Blob([new Uint8Array(b)])],
];

describe('putObject Body forms', () => {
  for (const [form, make] of bodyForms) {
    it(`${form}: stored and read back in every mode, ETag as for the same bytes given whole`, async () => {
      const s3 = setup();
      await s3.createBucket({ Bucket: 'forms' });
      const bytes = rng.bytes(150_001);
      for (const mode of [undefined, 'AES256', 'aws:kms', 'aws:kms:dsse'] as const) {
        const put = await s3.putObject({ Bucket: 'forms', Key: 'k', Body: make(bytes) as never, ServerSideEncryption: mode });
        const whole = await s3.putObject({ Bucket: 'forms', Key: 'whole', Body: bytes });
        expect(put.ETag).toBe(whole.ETag);
        const got = await s3.getObject({ Bucket: 'forms', Key: 'k' });
        expect(got.ContentLength).toBe(bytes.length);
        expect(Buffer.from(await got.Body.transformToByteArray()).equals(bytes), String(mode)).toBe(true);
      }
    });
  }

  it('a string Body is stored as its UTF-8; a Node Readable with an encoding set gives strings, taken as UTF-8 too', async () => {
    const s3 = setup();
    await s3.createBucket({ Bucket: 'text' });
    await s3.putObject({ Bucket: 'text', Key: 's', Body: 'grüße 😀' });
    expect(await (await s3.getObject({ Bucket: 'text', Key: 's' })).Body.transformToString()).toBe('grüße 😀');
    await s3.putObject({ Bucket: 'text', Key: 'r', Body: Readable.from(Buffer.from('grüße 😀')).setEncoding('utf8') });
    expect(await (await s3.getObject({ Bucket: 'text', Key: 'r' })).Body.transformToString()).toBe('grüße 😀');
  });

  it('ContentLength must match the body: shorter is IncompleteBody, longer InvalidArgument; nothing is stored, no file is left', async () => {
    const dir = tempDir();
    const s3 = setup(dir);
    await s3.createBucket({ Bucket: 'lengths' });
    const bytes = rng.bytes(100_000);
    await expect(s3.putObject({ Bucket: 'lengths', Key: 'k', Body: Readable.from(chunksOf(bytes)), ContentLength: 100_001, ServerSideEncryption: 'AES256' }))
      .rejects.toMatchObject({ name: 'IncompleteBody' });
    await expect(s3.putObject({ Bucket: 'lengths', Key: 'k', Body: bytes, ContentLength: 99_999 })).rejects.toMatchObject({ name: 'InvalidArgument', message: expect.stringMatching(/ContentLength/) });
    for (const bad of [-1, 1.5, 'ten', 6 * 1024 ** 3]) {
      await expect(s3.putObject({ Bucket: 'lengths', Key: 'k', Body: bytes, ContentLength: bad as never })).rejects.toMatchObject({ name: 'InvalidArgument', message: expect.stringMatching(/ContentLength/) });
    }
    await expect(s3.getObject({ Bucket: 'lengths', Key: 'k' })).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect(readdirSync(join(dir, 'objects'))).toEqual([]);
    await s3.putObject({ Bucket: 'lengths', Key: 'k', Body: bytes, ContentLength: 100_000 });
    expect(readdirSync(join(dir, 'objects'))).toHaveLength(1);
    await s3.close();
  });

  it('a Body of another type, a stream yielding something else, or a stream that fails: refused, nothing stored, no file left', async () => {
    const dir = tempDir();
    const s3 = setup(dir);
    await s3.createBucket({ Bucket: 'bad' });
    for (const body of [5, null, {}, [1, 2, 3]]) {
      await expect(s3.putObject({ Bucket: 'bad', Key: 'k', Body: body as never })).rejects.toMatchObject({ name: 'InvalidArgument', message: expect.stringMatching(/^Body: Member must (be a Uint8Array, a string, a Blob, or a stream or async iterable of bytes|not be null)$/) });
    }
    await expect(s3.putObject({ Bucket: 'bad', Key: 'k', Body: (async function* () { yield new Uint8Array(70_000); yield 5; })() as never, ServerSideEncryption: 'AES256' }))
      .rejects.toMatchObject({ name: 'InvalidArgument', message: expect.stringMatching(/the stream gave a number/) });
    const failing = new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(100_000)); c.error(new Error('connection reset')); } });
    await expect(s3.putObject({ Bucket: 'bad', Key: 'k', Body: failing, ServerSideEncryption: 'aws:kms' })).rejects.toThrow('connection reset');
    await expect(s3.getObject({ Bucket: 'bad', Key: 'k' })).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect(readdirSync(join(dir, 'objects'))).toEqual([]);
    await s3.close();
  });
});

describe('getObject Body, shaped as the AWS SDK\'s', () => {
  async function stored() {
    const s3 = setup();
    await s3.createBucket({ Bucket: 'shapes' });
    const bytes = rng.bytes(200_000);
    await s3.putObject({ Bucket: 'shapes', Key: 'k', Body: bytes, ServerSideEncryption: 'AES256' });
    return { s3, bytes, get: async () => (await s3.getObject({ Bucket: 'shapes', Key: 'k' })).Body };
  }

  it('transformToByteArray, transformToString (utf-8, base64, hex), transformToWebStream and for await give the same bytes', async () => {
    const { bytes, get } = await stored();
    expect(Buffer.from(await (await get()).transformToByteArray()).equals(bytes)).toBe(true);
    expect(await (await get()).transformToString('base64')).toBe(Buffer.from(bytes).toString('base64'));
    expect(await (await get()).transformToString('hex')).toBe(Buffer.from(bytes).toString('hex'));
    expect(await (await get()).transformToString()).toBe(new TextDecoder().decode(bytes));
    const chunks: Uint8Array[] = [];
    for await (const chunk of await get()) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1); // a frame at a time
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    const fromWeb: Uint8Array[] = [];
    const reader = (await get()).transformToWebStream().getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) fromWeb.push(next.value);
    expect(Buffer.concat(fromWeb).equals(bytes)).toBe(true);
  });

  it('a Body is read once, as in the SDK; a cancelled web stream or a loop left early lets the store go on', async () => {
    const { s3, get } = await stored();
    const body = await get();
    await body.transformToByteArray();
    await expect(body.transformToByteArray()).rejects.toThrow('The stream has already been transformed.');
    expect(() => body.transformToWebStream()).toThrow('The stream has already been transformed.');
    await (await get()).transformToWebStream().cancel();
    for await (const _ of await get()) break;
    await s3.deleteObject({ Bucket: 'shapes', Key: 'k' });
  });

  it('a Range streams only its frames; ContentLength and ContentRange describe it', async () => {
    const { s3, bytes } = await stored();
    const got = await s3.getObject({ Bucket: 'shapes', Key: 'k', Range: 'bytes=65530-131080' });
    expect(got.ContentLength).toBe(131081 - 65530);
    expect(got.ContentRange).toBe('bytes 65530-131080/200000');
    expect(Buffer.from(await got.Body.transformToByteArray()).equals(bytes.subarray(65530, 131081))).toBe(true);
  });
});

describe('what a read reads', () => {
  it('a 10-byte Range of a 2 MiB object reads the headers and the frames holding it, at each layer; a whole read each stored byte once', async () => {
    const s3 = setup();
    await s3.createBucket({ Bucket: 'reads' });
    const bytes = rng.bytes(2 * 1024 * 1024);
    const bodies = (s3 as unknown as { bodies: ObjectBodies }).bodies;
    const open = bodies.open.bind(bodies);
    let read = 0;
    bodies.open = async (id) => {
      const reader = await open(id);
      return { ...reader, read: async (offset, length) => { read += length; return reader.read(offset, length); } };
    };
    for (const mode of ['AES256', 'aws:kms:dsse'] as const) {
      await s3.putObject({ Bucket: 'reads', Key: mode, Body: bytes, ServerSideEncryption: mode });
      const stored = (await s3.storedBytes('reads', mode))!.length;
      read = 0;
      const range = await s3.getObject({ Bucket: 'reads', Key: mode, Range: 'bytes=1000000-1000009' });
      expect(Buffer.from(await range.Body.transformToByteArray()).equals(bytes.subarray(1_000_000, 1_000_010))).toBe(true);
      expect(read, mode).toBeLessThan(mode === 'AES256' ? 4096 + 65_600 : 3 * 4096 + 4 * 65_600);
      read = 0;
      expect(Buffer.from(await (await s3.getObject({ Bucket: 'reads', Key: mode })).Body.transformToByteArray()).equals(bytes)).toBe(true);
      expect(read, mode).toBeLessThan(stored + 3 * 4096 + 65_600);
    }
  });
});

describe('a stored body cut short on disk', () => {
  for (const mode of [undefined, 'AES256', 'aws:kms:dsse'] as const) {
    it(`${mode ?? 'plaintext'}: whole and ranged GETs fail with a typed error, never a short body`, async () => {
      const dir = tempDir();
      const s3 = setup(dir);
      await s3.createBucket({ Bucket: 'cut' });
      await s3.putObject({ Bucket: 'cut', Key: 'k', Body: rng.bytes(200_000), ServerSideEncryption: mode });
      const [file] = readdirSync(join(dir, 'objects'));
      const path = join(dir, 'objects', file!);
      const size = (await s3.storedBytes('cut', 'k'))!.length;
      for (const length of [size - 1, size - 65_572, 100]) {
        truncateSync(path, length);
        const read = (request: { Range?: string }) => s3.getObject({ Bucket: 'cut', Key: 'k', ...request }).then((got) => got.Body.transformToByteArray());
        await expect(read({}), `${length}`).rejects.toMatchObject({ name: expect.stringMatching(/MessageFormatError|AuthenticationError/) });
        await expect(read({ Range: 'bytes=150000-150099' }), `${length}`).rejects.toMatchObject({ name: expect.stringMatching(/MessageFormatError|AuthenticationError/) });
      }
      await s3.close();
    });
  }
});
