// ObjectStore's workerPool option: PutObject bodies sealed on the worker pool read back as the
// same bytes (whole and by range) through the ordinary read path, under each SSE mode, for sizes
// around the 4 MiB the pooled path gathers; a body whose Body reuses one buffer for every piece is
// stored as it was given; a body shorter than its ContentLength stores nothing.

import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore, terminateWorkers } from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const MiB = 1024 * 1024;
const rng = new SeededRandom(415);

afterAll(() => terminateWorkers());

async function setup() {
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const s3 = new ObjectStore({ kms, workerPool: true });
  await s3.createBucket({ Bucket: 'pool' });
  const { KeyMetadata } = await kms.createKey({});
  return { kms, s3, keyId: KeyMetadata.KeyId };
}

/** The body in pieces of 64 KiB, as a socket delivers it. */
async function* socketPieces(body: Uint8Array) {
  for (let at = 0; at < body.length; at += 65536) yield body.subarray(at, at + 65536);
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('ObjectStore with workerPool', () => {
  it('stores what reads back whole and by range, under SSE-S3, SSE-KMS, DSSE-KMS and SSE-C', async () => {
    const { s3, keyId } = await setup();
    const raw = Buffer.from(rng.bytes(32));
    const ssec = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: raw.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(raw).digest('base64') };
    const modes = [
      { put: { ServerSideEncryption: 'AES256' as const }, get: {} },
      { put: { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: keyId }, get: {} },
      { put: { ServerSideEncryption: 'aws:kms:dsse' as const, SSEKMSKeyId: keyId }, get: {} },
      { put: ssec, get: ssec },
    ];
    for (const { put, get } of modes) {
      for (const size of [0, 1, 4 * MiB - 1, 4 * MiB, 4 * MiB + 1, 9 * MiB + 12345]) {
        const body = rng.bytes(size);
        await s3.putObject({ Bucket: 'pool', Key: 'o', Body: socketPieces(body), ContentLength: size, ...put });
        const whole = await (await s3.getObject({ Bucket: 'pool', Key: 'o', ...get })).Body.transformToByteArray();
        expect(sha(whole), `${JSON.stringify(put)} ${size}`).toBe(sha(body));
        if (size > 10) {
          const from = Math.floor(size / 3);
          const range = await (await s3.getObject({ Bucket: 'pool', Key: 'o', Range: `bytes=${from}-${from + 9}`, ...get })).Body.transformToByteArray();
          expect(Buffer.from(range)).toEqual(Buffer.from(body.subarray(from, from + 10)));
        }
      }
    }
  });

  it('a Body that reuses one buffer for every piece is stored as given', async () => {
    const { s3 } = await setup();
    const expected = createHash('sha256');
    async function* reused() {
      const buffer = new Uint8Array(MiB);
      for (let i = 0; i < 9; i++) {
        buffer.fill(i + 1);
        expected.update(buffer);
        yield buffer;
      }
    }
    await s3.putObject({ Bucket: 'pool', Key: 'reused', Body: reused() });
    const got = await (await s3.getObject({ Bucket: 'pool', Key: 'reused' })).Body.transformToByteArray();
    expect(sha(got)).toBe(expected.digest('hex'));
  });

  it('a body shorter than its ContentLength stores nothing, and an earlier version stays', async () => {
    const { s3 } = await setup();
    const before = rng.bytes(5 * MiB);
    await s3.putObject({ Bucket: 'pool', Key: 'short', Body: before });
    await expect(s3.putObject({ Bucket: 'pool', Key: 'short', Body: socketPieces(rng.bytes(5 * MiB)), ContentLength: 6 * MiB }))
      .rejects.toMatchObject({ name: 'IncompleteBody' });
    const got = await (await s3.getObject({ Bucket: 'pool', Key: 'short' })).Body.transformToByteArray();
    expect(sha(got)).toBe(sha(before));
  });
});
