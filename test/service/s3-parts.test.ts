// Parts of objects over the service's S3 REST API, with the unmodified @aws-sdk/client-s3: GetObject and
// HeadObject with partNumber (S3 API Reference, GetObject: "Effectively performs a 'ranged' GET request for
// the part specified"; x-amz-mp-parts-count "only returned if you specify partNumber in your request and the
// object was uploaded as a multipart upload"), and UploadPartCopy (x-amz-copy-source, x-amz-copy-source-range,
// the source's x-amz-copy-source-server-side-encryption-customer-* headers).

import * as S3 from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../helpers/seeded-random.js';
import { failure, ROOT, startTestService, type TestService } from './service-fixture.js';
import { sendSigned } from './signed-request.js';

const MiB = 1024 * 1024;
const rng = new SeededRandom(1516);

describe('S3 parts over the service', () => {
  let t: TestService;
  let s3: S3.S3Client;
  const parts = [rng.bytes(5 * MiB + 1), rng.bytes(5 * MiB), rng.bytes(77)];
  beforeAll(async () => {
    t = await startTestService();
    s3 = t.s3();
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'parts' }));
    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'parts', Key: 'uploaded', ServerSideEncryption: 'aws:kms:dsse' }));
    const etags: string[] = [];
    for (const [i, Body] of parts.entries()) etags.push((await s3.send(new S3.UploadPartCommand({ Bucket: 'parts', Key: 'uploaded', UploadId, PartNumber: i + 1, Body }))).ETag!);
    await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'parts', Key: 'uploaded', UploadId,
      MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) } }));
    await s3.send(new S3.PutObjectCommand({ Bucket: 'parts', Key: 'whole', Body: 'one piece' }));
  });

  it('GetObject with PartNumber: 206, that part\'s bytes, Content-Range, PartsCount; HeadObject says the same', async () => {
    let start = 0;
    const total = parts.reduce((sum, p) => sum + p.length, 0);
    for (const [i, part] of parts.entries()) {
      const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'parts', Key: 'uploaded', PartNumber: i + 1 }));
      expect(got.$metadata.httpStatusCode).toBe(206);
      expect(got).toMatchObject({ ContentLength: part.length, ContentRange: `bytes ${start}-${start + part.length - 1}/${total}`, PartsCount: 3,
        ServerSideEncryption: 'aws:kms:dsse' });
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(part)).toBe(true);
      const head = await s3.send(new S3.HeadObjectCommand({ Bucket: 'parts', Key: 'uploaded', PartNumber: i + 1 }));
      expect(head.$metadata.httpStatusCode).toBe(206);
      expect(head).toMatchObject({ ContentLength: part.length, ContentRange: got.ContentRange, PartsCount: 3 });
      start += part.length;
    }
    const whole = await s3.send(new S3.HeadObjectCommand({ Bucket: 'parts', Key: 'uploaded' }));
    expect(whole.$metadata.httpStatusCode).toBe(200);
    expect([whole.ContentLength, whole.PartsCount, whole.ContentRange]).toEqual([total, undefined, undefined]);
  });

  it('an object put whole: part 1 is all of it, without PartsCount', async () => {
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'parts', Key: 'whole', PartNumber: 1 }));
    expect([got.ContentLength, got.ContentRange, got.PartsCount]).toEqual([9, 'bytes 0-8/9', undefined]);
    expect(await got.Body!.transformToString()).toBe('one piece');
  });

  it('UploadPartCopy: ranges of a DSSE-KMS object and an SSE-C one (its key in the copy-source headers) and a whole object join into one', async () => {
    const customer = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: Buffer.alloc(32, 5).toString('base64') };
    const sealed = rng.bytes(5 * MiB + 9);
    await s3.send(new S3.PutObjectCommand({ Bucket: 'parts', Key: 'sealed', Body: sealed, ...customer }));
    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'parts', Key: 'copied', ServerSideEncryption: 'aws:kms' }));
    const first = await s3.send(new S3.UploadPartCopyCommand({ Bucket: 'parts', Key: 'copied', UploadId, PartNumber: 1, CopySource: 'parts/uploaded',
      CopySourceRange: `bytes=1-${5 * MiB}` }));
    expect(first).toMatchObject({ CopyPartResult: { ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/) }, ServerSideEncryption: 'aws:kms' });
    expect(first.CopyPartResult!.LastModified).toBeInstanceOf(Date);
    const second = await s3.send(new S3.UploadPartCopyCommand({ Bucket: 'parts', Key: 'copied', UploadId, PartNumber: 2, CopySource: 'parts/sealed',
      CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: customer.SSECustomerKey }));
    const third = await s3.send(new S3.UploadPartCopyCommand({ Bucket: 'parts', Key: 'copied', UploadId, PartNumber: 3, CopySource: '/parts/whole' }));
    expect(await failure(s3.send(new S3.UploadPartCopyCommand({ Bucket: 'parts', Key: 'copied', UploadId, PartNumber: 4, CopySource: 'parts/whole',
      CopySourceRange: 'bytes=0-9' })))).toMatchObject({ name: 'InvalidArgument', status: 400 });
    expect(await failure(s3.send(new S3.UploadPartCopyCommand({ Bucket: 'parts', Key: 'copied', UploadId, PartNumber: 4, CopySource: 'parts/sealed' }))))
      .toMatchObject({ name: 'InvalidRequest', status: 400 });
    await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'parts', Key: 'copied', UploadId, MultipartUpload: { Parts: [
      { PartNumber: 1, ETag: first.CopyPartResult!.ETag }, { PartNumber: 2, ETag: second.CopyPartResult!.ETag }, { PartNumber: 3, ETag: third.CopyPartResult!.ETag }] } }));
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'parts', Key: 'copied' }));
    const uploaded = Buffer.concat(parts);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([uploaded.subarray(1, 5 * MiB + 1), sealed, Buffer.from('one piece')]))).toBe(true);
    expect((await s3.send(new S3.HeadObjectCommand({ Bucket: 'parts', Key: 'copied', PartNumber: 2 }))).ContentLength).toBe(sealed.length);
    expect(t.log.some((line) => line.includes('s3:UploadPartCopy') && line.includes(' 200 '))).toBe(true);
  });

  it('every SSE mode: CreateMultipartUpload and UploadPart answer the SSE headers a PutObject of the same settings does (SSE-C: its key\'s MD5), CompleteMultipartUpload those but SSE-C\'s', async () => {
    const customer = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: Buffer.alloc(32, 9).toString('base64') };
    const modes: Array<[string, Partial<S3.PutObjectCommandInput>]> = [
      ['sse-s3', { ServerSideEncryption: 'AES256' }], ['sse-kms', { ServerSideEncryption: 'aws:kms' }],
      ['sse-kms-bucket-key', { ServerSideEncryption: 'aws:kms', BucketKeyEnabled: true }], ['dsse-kms', { ServerSideEncryption: 'aws:kms:dsse' }], ['sse-c', customer],
    ];
    const sse = ({ ServerSideEncryption, SSEKMSKeyId, BucketKeyEnabled, SSECustomerAlgorithm, SSECustomerKeyMD5 }: S3.PutObjectCommandOutput) =>
      ({ ServerSideEncryption, SSEKMSKeyId, BucketKeyEnabled, SSECustomerAlgorithm, SSECustomerKeyMD5 });
    for (const [mode, settings] of modes) {
      const put = sse(await s3.send(new S3.PutObjectCommand({ Bucket: 'parts', Key: `put-${mode}`, Body: 'whole', ...settings })));
      expect(put.ServerSideEncryption ?? put.SSECustomerKeyMD5, mode).toBeDefined();
      const keyFields = 'SSECustomerKey' in settings ? customer : {};
      const created = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'parts', Key: mode, ...settings }));
      const part = await s3.send(new S3.UploadPartCommand({ Bucket: 'parts', Key: mode, UploadId: created.UploadId, PartNumber: 1, Body: 'in parts', ...keyFields }));
      const done = await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'parts', Key: mode, UploadId: created.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
      expect([sse(created), sse(part)], mode).toEqual([put, put]);
      expect(sse(done as S3.PutObjectCommandOutput), mode).toEqual({ ...put, SSECustomerAlgorithm: undefined, SSECustomerKeyMD5: undefined });
    }
  });

  it('errors: a part beyond the last is InvalidPartNumber (416), partNumber with Range is InvalidRequest, partNumber 0 or text is InvalidArgument', async () => {
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket: 'parts', Key: 'uploaded', PartNumber: 4 })))).toMatchObject({ name: 'InvalidPartNumber', status: 416 });
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket: 'parts', Key: 'whole', PartNumber: 2 })))).toMatchObject({ name: 'InvalidPartNumber', status: 416 });
    expect((await failure(s3.send(new S3.HeadObjectCommand({ Bucket: 'parts', Key: 'uploaded', PartNumber: 4 })))).status).toBe(416);
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket: 'parts', Key: 'whole', PartNumber: 1, Range: 'bytes=0-1' }))))
      .toMatchObject({ name: 'InvalidRequest', status: 400 });
    for (const partNumber of ['0', '10001', 'one']) {
      const answer = await sendSigned(t.service.url, { service: 's3', method: 'GET', path: `/parts/whole?partNumber=${partNumber}`, credentials: ROOT });
      expect(answer.status, partNumber).toBe(400);
      expect(answer.body, partNumber).toContain('<Code>InvalidArgument</Code>');
    }
  });
});
