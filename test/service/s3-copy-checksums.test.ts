// Checksums of copies over the service, with the unmodified @aws-sdk/client-s3 and the AWS CLI
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html, x-amz-checksum-algorithm: "If the
// CopyObject request does not include this x-amz-checksum-algorithm header, the checksum algorithm will be
// copied from the source object to the destination object (if it's present on the source object)").
// The copy's checksum is computed over its bytes, whatever the source's and the copy's encryption; the
// digests expected here are computed independently, and the SDK validates a GET's against the body.

import { createHash } from 'node:crypto';
import { Crc32 } from '@aws-crypto/crc32';
import { Crc32c } from '@aws-crypto/crc32c';
import * as S3 from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../helpers/seeded-random.js';
import { AWS_CLI, awsCliAt } from './cli-process.js';
import { failure, ROOT, startTestService, type TestService } from './service-fixture.js';
import { sendSigned } from './signed-request.js';

const MiB = 1024 * 1024;
const rng = new SeededRandom(1519);
const body = Buffer.from(rng.bytes(70_000));
const crc = (make: () => Crc32 | Crc32c, bytes: Uint8Array) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(make().update(bytes).digest() >>> 0);
  return out.toString('base64');
};
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');
/** The checksum members an answer has (toMatchObject cannot say that a member is absent). */
const checksumsIn = (answer: object | undefined) => Object.fromEntries(Object.entries(answer ?? {}).filter(([name, value]) => /^Checksum/.test(name) && value !== undefined));

describe('checksums of copies over the service', () => {
  let t: TestService;
  let s3: S3.S3Client;
  const head = (Key: string) => s3.send(new S3.HeadObjectCommand({ Bucket: 'sums', Key, ChecksumMode: 'ENABLED' }));
  const copy = (Key: string, CopySource: string, extra: Partial<S3.CopyObjectCommandInput> = {}) =>
    s3.send(new S3.CopyObjectCommand({ Bucket: 'sums', Key, CopySource, ...extra }));
  beforeAll(async () => {
    t = await startTestService();
    s3 = t.s3();
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'sums' }));
    await s3.send(new S3.PutObjectCommand({ Bucket: 'sums', Key: 'crc32', Body: body, ChecksumAlgorithm: 'CRC32' }));
    // The SDK sends a CRC32 with every PUT unless told to send checksums only when required.
    await t.s3(ROOT, { requestChecksumCalculation: 'WHEN_REQUIRED' }).send(new S3.PutObjectCommand({ Bucket: 'sums', Key: 'plain', Body: body }));
    expect(checksumsIn(await head('plain'))).toEqual({});
  });

  it('without x-amz-checksum-algorithm the copy keeps the source\'s algorithm, computed over its bytes (here re-encrypted as SSE-KMS)', async () => {
    const copied = await copy('kept', 'sums/crc32', { ServerSideEncryption: 'aws:kms' });
    expect(copied.CopyObjectResult).toMatchObject({ ChecksumCRC32: crc(() => new Crc32(), body), ChecksumType: 'FULL_OBJECT' });
    expect(await head('kept')).toMatchObject({ ChecksumCRC32: crc(() => new Crc32(), body), ServerSideEncryption: 'aws:kms' });
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'sums', Key: 'kept', ChecksumMode: 'ENABLED' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('with x-amz-checksum-algorithm the copy gets that checksum instead, also from an SSE-C source to an SSE-C copy', async () => {
    const copied = await copy('replaced', 'sums/crc32', { ChecksumAlgorithm: 'SHA256' });
    expect(checksumsIn(copied.CopyObjectResult)).toEqual({ ChecksumSHA256: sha256(body), ChecksumType: 'FULL_OBJECT' });
    expect(checksumsIn(await head('replaced'))).toEqual({ ChecksumSHA256: sha256(body), ChecksumType: 'FULL_OBJECT' });
    const key = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: Buffer.alloc(32, 9).toString('base64') };
    await s3.send(new S3.PutObjectCommand({ Bucket: 'sums', Key: 'sealed', Body: body, ...key }));
    const sealed = await copy('sealed-copy', 'sums/sealed', { ChecksumAlgorithm: 'CRC32C', ...key,
      CopySourceSSECustomerAlgorithm: key.SSECustomerAlgorithm, CopySourceSSECustomerKey: key.SSECustomerKey });
    expect(sealed.CopyObjectResult!.ChecksumCRC32C).toBe(crc(() => new Crc32c(), body));
    expect(await s3.send(new S3.HeadObjectCommand({ Bucket: 'sums', Key: 'sealed-copy', ChecksumMode: 'ENABLED', ...key })))
      .toMatchObject({ ChecksumCRC32C: crc(() => new Crc32c(), body) });
  });

  it('a source without a checksum gives a copy without one; a COMPOSITE source gives the copy the whole object\'s, FULL_OBJECT', async () => {
    expect(checksumsIn((await copy('unsummed', 'sums/plain')).CopyObjectResult)).toEqual({});
    expect(checksumsIn(await head('unsummed'))).toEqual({});
    const parts = [Buffer.from(rng.bytes(5 * MiB)), Buffer.from(rng.bytes(100))];
    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'sums', Key: 'composite', ChecksumAlgorithm: 'SHA256' }));
    const done = [];
    for (const [i, Body] of parts.entries()) {
      const part = await s3.send(new S3.UploadPartCommand({ Bucket: 'sums', Key: 'composite', UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm: 'SHA256' }));
      done.push({ PartNumber: i + 1, ETag: part.ETag, ChecksumSHA256: part.ChecksumSHA256 });
    }
    await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'sums', Key: 'composite', UploadId, MultipartUpload: { Parts: done } }));
    expect((await head('composite')).ChecksumSHA256).toMatch(/-2$/);
    const copied = await copy('from-composite', 'sums/composite');
    expect(copied.CopyObjectResult).toMatchObject({ ChecksumSHA256: sha256(Buffer.concat(parts)), ChecksumType: 'FULL_OBJECT' });
    expect(await head('from-composite')).toMatchObject({ ChecksumSHA256: sha256(Buffer.concat(parts)), ChecksumType: 'FULL_OBJECT' });
  });

  it('UploadPartCopy: in an upload with a ChecksumAlgorithm, CopyPartResult carries the part\'s checksum, which Complete accepts', async () => {
    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'sums', Key: 'part-copies', ChecksumAlgorithm: 'CRC32C' }));
    const copied = await s3.send(new S3.UploadPartCopyCommand({ Bucket: 'sums', Key: 'part-copies', UploadId, PartNumber: 1, CopySource: 'sums/plain',
      CopySourceRange: 'bytes=10-1009' }));
    expect(copied.CopyPartResult!.ChecksumCRC32C).toBe(crc(() => new Crc32c(), body.subarray(10, 1010)));
    const done = await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'sums', Key: 'part-copies', UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult!.ETag, ChecksumCRC32C: copied.CopyPartResult!.ChecksumCRC32C }] } }));
    expect(done.ChecksumCRC32C).toMatch(/-1$/);
  });

  it('errors: an algorithm S3 does not have is refused (400) and nothing is copied', async () => {
    const refused = await sendSigned(t.service.url, { service: 's3', method: 'PUT', path: '/sums/bad-algorithm', credentials: ROOT,
      headers: { 'x-amz-copy-source': 'sums/plain', 'x-amz-checksum-algorithm': 'MD5' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatch(/<Code>InvalidArgument<\/Code>.*ChecksumAlgorithm/s);
    expect(await failure(head('bad-algorithm'))).toMatchObject({ status: 404 });
  });

  it.skipIf(AWS_CLI === undefined)('the AWS CLI: s3api copy-object --checksum-algorithm SHA1', async () => {
    const copied = JSON.parse(await awsCliAt(t.service.url, ROOT, t.dir)('s3api', 'copy-object', '--bucket', 'sums', '--key', 'cli-sha1',
      '--copy-source', 'sums/plain', '--checksum-algorithm', 'SHA1', '--output', 'json'));
    expect(copied.CopyObjectResult.ChecksumSHA1).toBe(createHash('sha1').update(body).digest('base64'));
  });
});
