// ObjectStore's workerPool option on the read path: GetObject opens each read's batch of frames on the
// worker pool. Ranges anywhere in a body of several batches (their edges, frame edges, the end) read
// the bytes that were put, under one layer and DSSE-KMS's two; a stored byte changed or a body cut
// short fails the read with the thread path's typed errors, the frames past the damage never
// released; a reader that stops early leaves nothing behind.

import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore, terminateWorkers } from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const MiB = 1024 * 1024;
const FRAME = 65_536;
const rng = new SeededRandom(1515);

afterAll(() => terminateWorkers());

type Internals = { buckets: Map<string, { objects: Map<string, Array<{ bodyId: string }>> }>; bodies: { bodies: Map<string, Uint8Array> } };

async function setup() {
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const s3 = new ObjectStore({ kms, workerPool: true });
  await s3.createBucket({ Bucket: 'gets' });
  const { KeyMetadata } = await kms.createKey({});
  const stored = (key: string) => {
    const internals = s3 as unknown as Internals;
    const { bodies } = internals.bodies;
    const bodyId = internals.buckets.get('gets')!.objects.get(key)!.at(-1)!.bodyId;
    return { bytes: bodies.get(bodyId)!, replace: (bytes: Uint8Array) => bodies.set(bodyId, bytes) };
  };
  return { s3, keyId: KeyMetadata.KeyId, stored };
}

const read = (s3: ObjectStore, key: string, Range?: string) =>
  s3.getObject({ Bucket: 'gets', Key: key, Range }).then((got) => got.Body.transformToByteArray());

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('ObjectStore with workerPool: GetObject', () => {
  it('reads back any range of a body of several read batches, under SSE-S3 and DSSE-KMS', async () => {
    const { s3, keyId } = await setup();
    const size = 5 * MiB + 4321;
    const body = rng.bytes(size);
    const ranges: Array<[number, number]> = [
      [0, size - 1], [0, 0], [size - 1, size - 1], [FRAME - 1, FRAME], [16 * FRAME - 1, 16 * FRAME],
      [MiB - 10, 3 * MiB + 10], [5 * MiB, size - 1], [17 * FRAME + 5, 17 * FRAME + 5],
    ];
    for (let i = 0; i < 12; i++) {
      const start = rng.int(size);
      ranges.push([start, Math.min(size - 1, start + rng.int(3 * MiB))]);
    }
    for (const mode of [{ ServerSideEncryption: 'AES256' as const }, { ServerSideEncryption: 'aws:kms:dsse' as const, SSEKMSKeyId: keyId }]) {
      await s3.putObject({ Bucket: 'gets', Key: 'o', Body: body, ...mode });
      expect(sha(await read(s3, 'o')), mode.ServerSideEncryption).toBe(sha(body));
      for (const [start, end] of ranges) {
        const got = await read(s3, 'o', `bytes=${start}-${end}`);
        expect(Buffer.from(got).equals(body.subarray(start, end + 1)), `${mode.ServerSideEncryption} ${start}-${end}`).toBe(true);
      }
    }
  });

  it('a changed stored byte fails the read that reaches its frame with AuthenticationError; ranges before its batch still read', async () => {
    const { s3, stored } = await setup();
    const body = rng.bytes(3 * MiB);
    await s3.putObject({ Bucket: 'gets', Key: 't', Body: body, ServerSideEncryption: 'AES256' });
    const { bytes } = stored('t');
    const at = bytes.length - MiB - 1000; // in a frame of the last read batches
    bytes[at]! ^= 1;
    await expect(read(s3, 't')).rejects.toMatchObject({ name: 'AuthenticationError' });
    await expect(read(s3, 't', `bytes=${2 * MiB - 10}-${2 * MiB + 10}`)).rejects.toMatchObject({ name: 'AuthenticationError' });
    expect(Buffer.from(await read(s3, 't', 'bytes=0-99999')).equals(body.subarray(0, 100_000))).toBe(true);
    bytes[at]! ^= 1;
    expect(sha(await read(s3, 't'))).toBe(sha(body));
  });

  it('a body cut short fails whole and ranged reads with a typed error, never a short body', async () => {
    const { s3, stored } = await setup();
    await s3.putObject({ Bucket: 'gets', Key: 'c', Body: rng.bytes(2 * MiB + 100), ServerSideEncryption: 'AES256' });
    const { bytes, replace } = stored('c');
    for (const length of [bytes.length - 1, bytes.length - 70_000, MiB + 5]) {
      replace(bytes.slice(0, length));
      await expect(read(s3, 'c'), `${length}`).rejects.toMatchObject({ name: expect.stringMatching(/^(MessageFormatError|AuthenticationError)$/) });
      await expect(read(s3, 'c', 'bytes=2097000-2097100'), `${length}`).rejects.toMatchObject({ name: expect.stringMatching(/^(MessageFormatError|AuthenticationError)$/) });
    }
  });

  it('a reader that stops after the first piece, with a damaged batch ahead, leaves no failure behind', async () => {
    const { s3, stored } = await setup();
    const body = rng.bytes(4 * MiB);
    await s3.putObject({ Bucket: 'gets', Key: 's', Body: body, ServerSideEncryption: 'AES256' });
    stored('s').bytes[2 * MiB]! ^= 1;
    const unhandled: unknown[] = [];
    const note = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', note);
    try {
      const got = await s3.getObject({ Bucket: 'gets', Key: 's' });
      for await (const piece of got.Body) {
        expect(Buffer.from(piece).equals(body.subarray(0, piece.length))).toBe(true);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      process.off('unhandledRejection', note);
    }
    expect(unhandled).toEqual([]);
  });
});
