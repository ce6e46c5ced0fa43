// S3EncryptionClient.openObject: a client-side encrypted object's plaintext by range, every byte
// authenticated. An AES/GCM/NoPadding body (AWS's S3 Encryption Client v2 layout) is verified whole
// in one streaming pass before any range is released; each range is then proven to be bytes of that
// verified body (chunk digests), so a body changed after the pass fails the read instead of
// releasing plaintext no tag covered. A framed body authenticates frame by frame.
import { describe, expect, it } from 'vitest';
import { AuthenticationError, KeyManagementService, ObjectStore, S3EncryptionClient } from '../../src/index.js';
import { CHUNK_BYTES, openGcmBody, type StoredBody } from '../../src/s3/cse-gcm-ranges.js';
import { cseMetadata, FRAMED_CEK_ALG, KMS_WRAP_ALG } from '../../src/s3/cse-metadata.js';
import { encryptMessage } from '../../src/envelope/envelope-streams.js';
import { nodeGcmEncrypt } from '../helpers/node-reference.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(2021);
const SIZE = 3 * CHUNK_BYTES + 12_345; // several chunks, the last one partial

async function setup() {
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const s3 = new ObjectStore({ kms });
  await s3.createBucket({ Bucket: 'data' });
  const { KeyMetadata } = await kms.createKey();
  const cse = new S3EncryptionClient({ s3, kms, kmsKeyId: KeyMetadata.Arn });
  return { kms, s3, cse, keyArn: KeyMetadata.Arn };
}

/** Ranges across chunk boundaries, at both ends, past the end, and empty. */
function ranges(size: number): Array<[number, number]> {
  const picked: Array<[number, number]> = [[0, size], [0, 1], [size - 1, 1], [CHUNK_BYTES - 3, 7], [CHUNK_BYTES, CHUNK_BYTES], [size - 10, 100], [size, 5], [5, 0]];
  for (let i = 0; i < 12; i++) {
    const offset = rng.int(size);
    picked.push([offset, rng.int(2 * CHUNK_BYTES)]);
  }
  return picked;
}

/** The stored body with one byte flipped, written back with the same metadata (a new ETag: another body under the same envelope). */
async function flipStoredByte(s3: ObjectStore, key: string, at: number) {
  const stored = await s3.getObject({ Bucket: 'data', Key: key });
  const bytes = await stored.Body.transformToByteArray();
  bytes[at]! ^= 0x01;
  await s3.putObject({ Bucket: 'data', Key: key, Body: bytes, Metadata: stored.Metadata });
}

describe('S3EncryptionClient.openObject', () => {
  it('reads any range of an AES/GCM body, equal to the plaintext, as a ranged GET of the version it opened', async () => {
    const { s3, cse } = await setup();
    const plaintext = rng.bytes(SIZE);
    await cse.putObject({ Bucket: 'data', Key: 'big', Body: plaintext });
    const object = await cse.openObject({ Bucket: 'data', Key: 'big' });
    expect(object.size).toBe(SIZE);
    for (const [offset, length] of ranges(SIZE)) {
      const got = await object.read(offset, length);
      expect(Buffer.from(got).equals(Buffer.from(plaintext.subarray(offset, offset + length))), `${offset}+${length}`).toBe(true);
    }
    object.dispose();
    await expect(object.read(0, 1)).rejects.toThrow(AuthenticationError);
    const empty = await cse.putObject({ Bucket: 'data', Key: 'empty', Body: new Uint8Array(0) });
    expect(empty.ETag).toBeDefined();
    const none = await cse.openObject({ Bucket: 'data', Key: 'empty' });
    expect([none.size, (await none.read(0, 10)).length]).toEqual([0, 0]);
  });

  it('refuses a body with a byte changed anywhere (first, a middle chunk, the last text byte, the tag) before releasing any plaintext', async () => {
    const { s3, cse } = await setup();
    await cse.putObject({ Bucket: 'data', Key: 'big', Body: rng.bytes(SIZE) });
    const original = await (await s3.getObject({ Bucket: 'data', Key: 'big' })).Body.transformToByteArray();
    const metadata = (await s3.headObject({ Bucket: 'data', Key: 'big' })).Metadata;
    for (const at of [0, CHUNK_BYTES + 17, SIZE - 1, SIZE + 15]) {
      await s3.putObject({ Bucket: 'data', Key: 'big', Body: original, Metadata: metadata });
      await flipStoredByte(s3, 'big', at);
      await expect(cse.openObject({ Bucket: 'data', Key: 'big' }), `byte ${at}`).rejects.toThrow(/big: the object or its IV was altered/);
    }
    // A body cut short by a whole chunk, and one lengthened.
    for (const body of [original.subarray(0, CHUNK_BYTES), new Uint8Array([...original, 0])]) {
      await s3.putObject({ Bucket: 'data', Key: 'big', Body: body, Metadata: metadata });
      await expect(cse.openObject({ Bucket: 'data', Key: 'big' })).rejects.toThrow(AuthenticationError);
    }
    // Cut shorter than its tag: refused before any pass, named.
    await s3.putObject({ Bucket: 'data', Key: 'big', Body: original.subarray(0, 15), Metadata: metadata });
    await expect(cse.openObject({ Bucket: 'data', Key: 'big' })).rejects.toThrow(/^big: the object is shorter than its GCM tag$/);
  });

  it('fails a read of an object replaced after it was opened (a new ETag); in a versioned bucket it reads the version it opened', async () => {
    const { s3, cse } = await setup();
    const plaintext = rng.bytes(SIZE);
    await cse.putObject({ Bucket: 'data', Key: 'big', Body: plaintext });
    const object = await cse.openObject({ Bucket: 'data', Key: 'big' });
    await flipStoredByte(s3, 'big', CHUNK_BYTES * 2 + 5);
    await expect(object.read(2 * CHUNK_BYTES, 100)).rejects.toThrow(/big: the object was replaced while it was read/);
    // With versioning, the version opened is the one read: a newer version does not change what is read.
    await s3.putBucketVersioning({ Bucket: 'data', VersioningConfiguration: { Status: 'Enabled' } });
    await cse.putObject({ Bucket: 'data', Key: 'versioned', Body: plaintext });
    const pinned = await cse.openObject({ Bucket: 'data', Key: 'versioned' });
    await cse.putObject({ Bucket: 'data', Key: 'versioned', Body: rng.bytes(SIZE) });
    expect(Buffer.from(await pinned.read(CHUNK_BYTES, 1000)).equals(Buffer.from(plaintext.subarray(CHUNK_BYTES, CHUNK_BYTES + 1000)))).toBe(true);
  });

  it('releases nothing from a chunk whose bytes differ from those the pass verified, even under the same ETag', async () => {
    const key = rng.bytes(32);
    const iv = rng.bytes(12);
    const plaintext = rng.bytes(SIZE);
    const stored = nodeGcmEncrypt(key, iv, new Uint8Array(0), plaintext);
    let served = stored;
    const body: StoredBody = {
      size: stored.length,
      whole: async () => (async function* () {
        yield stored.subarray(0, 1000);
        yield stored.subarray(1000);
      })(),
      range: async (start, end) => served.slice(start, end),
    };
    const object = await openGcmBody('fake', body, key.slice(), iv);
    expect(Buffer.from(await object.read(CHUNK_BYTES + 1, 50)).equals(Buffer.from(plaintext.subarray(CHUNK_BYTES + 1, CHUNK_BYTES + 51)))).toBe(true);
    served = stored.slice();
    served[CHUNK_BYTES + 999]! ^= 0x80; // changed in place, after the pass: no ETag would show it
    await expect(object.read(CHUNK_BYTES + 1, 50)).rejects.toThrow(/fake: the object changed after its GCM tag was verified/);
    await expect(object.read(0, 2 * CHUNK_BYTES)).rejects.toThrow(AuthenticationError);
    expect(Buffer.from(await object.read(0, 100)).equals(Buffer.from(plaintext.subarray(0, 100)))).toBe(true); // other chunks still prove out
    // A wrong key fails the pass; the key handed over is zeroed either way.
    const wrongKey = rng.bytes(32);
    await expect(openGcmBody('fake', body, wrongKey, iv)).rejects.toThrow(/fake: the object or its IV was altered/);
    expect(wrongKey.every((b) => b === 0)).toBe(true);
  });

  it('reads a framed body (the console\'s uploads) by range, frame by frame', async () => {
    const { s3, kms, cse, keyArn } = await setup();
    const context = { 'aws:x-amz-cek-alg': FRAMED_CEK_ALG };
    const { Plaintext, CiphertextBlob } = await kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: context });
    const plaintext = rng.bytes(300_000);
    const message = encryptMessage({ dataKey: Plaintext, encryptionContext: {}, wrappedKeys: [{ providerId: 'aws-kms', keyId: keyArn, blob: CiphertextBlob }] }, plaintext, { frameBytes: 4096 });
    await s3.putObject({ Bucket: 'data', Key: 'framed', Body: message,
      Metadata: cseMetadata({ wrapped: CiphertextBlob, wrapAlg: KMS_WRAP_ALG, matdesc: context, cekAlg: FRAMED_CEK_ALG, plaintextBytes: plaintext.length }) });
    const object = await cse.openObject({ Bucket: 'data', Key: 'framed' });
    expect(object.size).toBe(plaintext.length);
    for (const [offset, length] of [[0, 10], [4090, 20], [299_990, 100], [123_456, 50_000]] as const) {
      expect(Buffer.from(await object.read(offset, length)).equals(Buffer.from(plaintext.subarray(offset, offset + length)))).toBe(true);
    }
    object.dispose();
  });

  it('asks the store for exactly the stored bytes a read needs: the chunks holding the range (after one whole pass), or the frames', async () => {
    const { s3, kms, keyArn } = await setup();
    const ranges: Array<string | undefined> = [];
    const recorded = new Proxy(s3, {
      get: (target, name) => {
        const value = Reflect.get(target, name, target);
        if (name !== 'getObject') return typeof value === 'function' ? value.bind(target) : value;
        return (request: { Range?: string }, ...rest: unknown[]) => {
          ranges.push(request.Range);
          return value.call(target, request, ...rest);
        };
      },
    });
    const cse = new S3EncryptionClient({ s3: recorded, kms, kmsKeyId: keyArn });
    await cse.putObject({ Bucket: 'data', Key: 'big', Body: rng.bytes(SIZE) });
    const object = await cse.openObject({ Bucket: 'data', Key: 'big' });
    await object.read(CHUNK_BYTES + 1, 50);
    await object.read(SIZE - 5, 5);
    expect(ranges).toEqual([undefined, `bytes=${CHUNK_BYTES}-${2 * CHUNK_BYTES - 1}`, `bytes=${3 * CHUNK_BYTES}-${SIZE + 15}`]);
    object.dispose();

    // A framed body: its header first, then the frames a read needs, never past the object's end.
    const context = { 'aws:x-amz-cek-alg': FRAMED_CEK_ALG };
    const { Plaintext, CiphertextBlob } = await kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: context });
    const message = encryptMessage({ dataKey: Plaintext, encryptionContext: {}, wrappedKeys: [{ providerId: 'aws-kms', keyId: keyArn, blob: CiphertextBlob }] }, rng.bytes(10_000), { frameBytes: 4096 });
    await s3.putObject({ Bucket: 'data', Key: 'framed', Body: message,
      Metadata: cseMetadata({ wrapped: CiphertextBlob, wrapAlg: KMS_WRAP_ALG, matdesc: context, cekAlg: FRAMED_CEK_ALG, plaintextBytes: 10_000 }) });
    ranges.length = 0;
    const framed = await cse.openObject({ Bucket: 'data', Key: 'framed' });
    await framed.read(9990, 100);
    const spans = ranges.map((range) => range!.match(/^bytes=(\d+)-(\d+)$/)!.slice(1).map(Number) as [number, number]);
    expect(spans[0]).toEqual([0, 4095]); // the header, in the first 4 KiB
    expect(spans.at(-1)![1]).toBe(message.length - 1); // the final frame, up to the last byte and no further
    for (const [, last] of spans) expect(last).toBeLessThan(message.length);
    framed.dispose(); // zeroes the message key: nothing more reads
    await expect(framed.read(0, 10)).rejects.toThrow(AuthenticationError);
  });

  it('refuses a request of the wrong shape, and an object that does not exist', async () => {
    const { cse } = await setup();
    await expect(cse.openObject({ Bucket: 'data', Key: 'x', Range: 'bytes=0-1' } as never)).rejects.toMatchObject({ name: 'InvalidArgument' });
    await expect(cse.openObject({ Bucket: 'data', Key: 'missing' })).rejects.toMatchObject({ name: 'NoSuchKey' });
  });
});
