// `kms-wasm serve --worker-pool`: objects put through @aws-sdk/client-s3 are sealed on the worker pool
// and read back (whole, and by Range across the server's read batches) opened on it, under SSE-S3,
// DSSE-KMS and SSE-C; the bytes are the ones put.

import { createHash } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../helpers/seeded-random.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { serve } from './cli-process.js';

const credentials = { accessKeyId: 'AKIAPOOLTESTKEY00001', secretAccessKey: 'pool-secret-for-tests-0123456789abcdefg' };
const rng = new SeededRandom(1516);
const newDirectory = temporaryDirectories('kms-wasm-pool-service-');

describe('serve --worker-pool', () => {
  it('objects put and read back whole and by range under SSE-S3, DSSE-KMS and SSE-C are the bytes put', async () => {
    const started = await serve(newDirectory(), { KMS_WASM_ROOT_ACCESS_KEY_ID: credentials.accessKeyId, KMS_WASM_ROOT_SECRET_ACCESS_KEY: credentials.secretAccessKey },
      ['--quiet', '--worker-pool']);
    expect(started.url, started.stderr()).not.toBe('');
    try {
      await roundTrips(started.url);
    } finally {
      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
    }
  });
});

/** Each SSE mode's object put, then read whole and by three ranges, through the server at `url`. */
async function roundTrips(url: string) {
  const common = { endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 };
  const s3 = new S3Client({ ...common, forcePathStyle: true });
  const kms = new KMSClient(common);
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
  await s3.send(new CreateBucketCommand({ Bucket: 'pool' }));
  const customerKey = rng.bytes(32);
  const ssec = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: Buffer.from(customerKey).toString('base64'),
    SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64') };
  const modes = [
    { put: { ServerSideEncryption: 'AES256' as const }, get: {} },
    { put: { ServerSideEncryption: 'aws:kms:dsse' as const, SSEKMSKeyId: KeyMetadata!.Arn }, get: {} },
    { put: ssec, get: ssec },
  ];
  const body = rng.bytes(3 * 1024 * 1024 + 777);
  for (const [i, { put, get }] of modes.entries()) {
    const Key = `o${i}`;
    await s3.send(new PutObjectCommand({ Bucket: 'pool', Key, Body: body, ...put }));
    const whole = await (await s3.send(new GetObjectCommand({ Bucket: 'pool', Key, ...get }))).Body!.transformToByteArray();
    expect(Buffer.from(whole).equals(Buffer.from(body)), Key).toBe(true);
    for (const [start, end] of [[1_000_000, 2_500_000], [body.length - 10, body.length - 1], [0, 0]] as const) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'pool', Key, Range: `bytes=${start}-${end}`, ...get }));
      expect(got.ContentRange).toBe(`bytes ${start}-${end}/${body.length}`);
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.from(body.subarray(start, end + 1))), `${Key} ${start}-${end}`).toBe(true);
    }
  }
  s3.destroy();
  kms.destroy();
}
