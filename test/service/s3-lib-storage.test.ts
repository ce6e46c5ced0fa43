// @aws-sdk/lib-storage's Upload against the service (issue 15 names it among the clients): a Node stream
// of unknown length sent in 5 MiB parts (CreateMultipartUpload, UploadPart, CompleteMultipartUpload), with
// SSE-KMS, with SSE-C (lib-storage repeats the key on Complete), and with a part checksum algorithm;
// a body under one part goes as a single PutObject. Each read back whole.

import { Readable } from 'node:stream';
import * as S3 from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../helpers/seeded-random.js';
import { startTestService, type TestService } from './service-fixture.js';

const MiB = 1024 * 1024;
const rng = new SeededRandom(1520);
const bytes = Buffer.from(rng.bytes(11 * MiB + 17));
/** `bytes` as a stream of 1 MiB chunks, so lib-storage cannot know its length. */
const stream = (data: Buffer) => Readable.from((function* () {
  for (let at = 0; at < data.length; at += MiB) yield data.subarray(at, at + MiB);
})());

describe('@aws-sdk/lib-storage Upload against the service', () => {
  let t: TestService;
  let s3: S3.S3Client;
  beforeAll(async () => {
    t = await startTestService();
    s3 = t.s3();
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'uploads' }));
  });
  const readBack = async (Key: string, extra: Partial<S3.GetObjectCommandInput> = {}) => {
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'uploads', Key, ...extra }));
    return { same: Buffer.from(await got.Body!.transformToByteArray()).equals(bytes), sse: got.ServerSideEncryption };
  };

  it('a stream in parts, SSE-KMS', async () => {
    await new Upload({ client: s3, partSize: 5 * MiB, params: { Bucket: 'uploads', Key: 'kms', Body: stream(bytes), ServerSideEncryption: 'aws:kms' } }).done();
    expect(await readBack('kms')).toEqual({ same: true, sse: 'aws:kms' });
    expect(t.log.filter((line) => line.includes('s3:UploadPart ') && line.includes(' 200 '))).toHaveLength(3);
  });

  it('a stream in parts, SSE-C, and with ChecksumAlgorithm CRC32C (a COMPOSITE checksum of 3 parts)', async () => {
    const customer = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: Buffer.alloc(32, 4).toString('base64') };
    await new Upload({ client: s3, partSize: 5 * MiB, params: { Bucket: 'uploads', Key: 'sse-c', Body: stream(bytes), ...customer } }).done();
    expect((await readBack('sse-c', customer)).same).toBe(true);
    await new Upload({ client: s3, partSize: 5 * MiB, params: { Bucket: 'uploads', Key: 'summed', Body: stream(bytes), ChecksumAlgorithm: 'CRC32C' } }).done();
    expect((await s3.send(new S3.HeadObjectCommand({ Bucket: 'uploads', Key: 'summed', ChecksumMode: 'ENABLED' }))).ChecksumCRC32C).toMatch(/-3$/);
  });

  it('a body smaller than a part is one PutObject', async () => {
    const small = bytes.subarray(0, 1000);
    await new Upload({ client: s3, params: { Bucket: 'uploads', Key: 'small', Body: small } }).done();
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'uploads', Key: 'small' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(small)).toBe(true);
  });
});
