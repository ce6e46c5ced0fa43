// CopyObject and UploadPartCopy with the copy source's conditions over the service, with the unmodified
// @aws-sdk/client-s3 and the AWS CLI: x-amz-copy-source-if-match, -if-none-match, -if-modified-since and
// -if-unmodified-since, a condition that does not hold answered 412 PreconditionFailed with nothing
// copied, and S3's precedence (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html:
// if-match true with if-unmodified-since false copies; if-none-match false with if-modified-since true is 412).

import * as S3 from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, awsCliAt } from './cli-process.js';
import { failure, ROOT, startTestService, userAllowed, type TestService } from './service-fixture.js';
import { sendSigned } from './signed-request.js';

const MiB = 1024 * 1024;

describe('copy-source conditions over the service', () => {
  let t: TestService;
  let s3: S3.S3Client;
  let etag: string;
  let modified: Date;
  const OTHER = '"ffffffffffffffffffffffffffffffff"';
  const source = Buffer.alloc(5 * MiB + 3, 7);
  const exists = async (Key: string) => s3.send(new S3.HeadObjectCommand({ Bucket: 'conditions', Key })).then(() => true, () => false);
  beforeAll(async () => {
    t = await startTestService();
    s3 = t.s3();
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'conditions' }));
    etag = (await s3.send(new S3.PutObjectCommand({ Bucket: 'conditions', Key: 'source', Body: source }))).ETag!;
    modified = (await s3.send(new S3.HeadObjectCommand({ Bucket: 'conditions', Key: 'source' }))).LastModified!;
  });
  const before = () => new Date(modified.getTime() - 60_000);
  const after = () => new Date(modified.getTime() + 60_000);

  it('CopyObject copies when each condition holds, and when If-Match holds though If-Unmodified-Since does not', async () => {
    const holding: Array<Partial<S3.CopyObjectCommandInput>> = [
      { CopySourceIfMatch: etag }, { CopySourceIfMatch: '*' }, { CopySourceIfNoneMatch: OTHER }, { CopySourceIfModifiedSince: before() },
      { CopySourceIfUnmodifiedSince: after() }, { CopySourceIfMatch: etag, CopySourceIfUnmodifiedSince: before() },
      { CopySourceIfNoneMatch: OTHER, CopySourceIfModifiedSince: after() },
    ];
    for (const [i, conditions] of holding.entries()) {
      const copied = await s3.send(new S3.CopyObjectCommand({ Bucket: 'conditions', Key: `copy-${i}`, CopySource: 'conditions/source', ...conditions }));
      expect(copied.CopyObjectResult!.ETag, JSON.stringify(conditions)).toBe(etag);
    }
  });

  it('CopyObject: 412 PreconditionFailed when one does not hold, and If-None-Match false decides over If-Modified-Since true; nothing is copied', async () => {
    const failing: Array<Partial<S3.CopyObjectCommandInput>> = [
      { CopySourceIfMatch: OTHER }, { CopySourceIfNoneMatch: etag }, { CopySourceIfNoneMatch: '*' }, { CopySourceIfModifiedSince: after() },
      { CopySourceIfUnmodifiedSince: before() }, { CopySourceIfNoneMatch: etag, CopySourceIfModifiedSince: before() },
      { CopySourceIfMatch: OTHER, CopySourceIfUnmodifiedSince: after() },
    ];
    for (const conditions of failing) {
      expect(await failure(s3.send(new S3.CopyObjectCommand({ Bucket: 'conditions', Key: 'refused', CopySource: 'conditions/source', ...conditions }))),
        JSON.stringify(conditions)).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    }
    expect(await exists('refused')).toBe(false);
  });

  it('UploadPartCopy honours the same conditions: 412 with no part added, then the part copies when they hold', async () => {
    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'conditions', Key: 'joined' }));
    const part = { Bucket: 'conditions', Key: 'joined', UploadId, PartNumber: 1, CopySource: 'conditions/source' };
    for (const conditions of [{ CopySourceIfMatch: OTHER }, { CopySourceIfNoneMatch: etag }, { CopySourceIfModifiedSince: after() },
      { CopySourceIfUnmodifiedSince: before() }] as Array<Partial<S3.UploadPartCopyCommandInput>>) {
      expect(await failure(s3.send(new S3.UploadPartCopyCommand({ ...part, ...conditions }))), JSON.stringify(conditions))
        .toMatchObject({ name: 'PreconditionFailed', status: 412 });
    }
    expect((await s3.send(new S3.ListPartsCommand({ Bucket: 'conditions', Key: 'joined', UploadId }))).Parts ?? []).toEqual([]);
    const copied = await s3.send(new S3.UploadPartCopyCommand({ ...part, CopySourceIfMatch: etag, CopySourceIfUnmodifiedSince: before(),
      CopySourceRange: 'bytes=0-99' }));
    await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'conditions', Key: 'joined', UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult!.ETag }] } }));
    expect(Buffer.from(await (await s3.send(new S3.GetObjectCommand({ Bucket: 'conditions', Key: 'joined' }))).Body!.transformToByteArray())
      .equals(source.subarray(0, 100))).toBe(true);
  });

  it('a condition is checked after authorization and on the version named: a user without s3:GetObject is AccessDenied, an unknown version NoSuchKey, not 412', async () => {
    const writer = t.s3(await userAllowed(t, 'writer', ['s3:PutObject'], 'arn:aws:s3:::conditions/*'));
    for (const CopySourceIfMatch of [etag, OTHER]) {
      expect(await failure(writer.send(new S3.CopyObjectCommand({ Bucket: 'conditions', Key: 'refused', CopySource: 'conditions/source', CopySourceIfMatch }))))
        .toMatchObject({ name: 'AccessDenied', status: 403 });
    }
    expect(await failure(s3.send(new S3.CopyObjectCommand({ Bucket: 'conditions', Key: 'refused', CopySource: 'conditions/source?versionId=nope',
      CopySourceIfMatch: OTHER })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await failure(s3.send(new S3.CopyObjectCommand({ Bucket: 'conditions', Key: 'refused', CopySource: 'conditions/absent',
      CopySourceIfMatch: OTHER })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
  });

  it('an If-Modified-Since that is not a date is ignored (RFC 7232, section 3.3), on a GET as on a copy', async () => {
    const got = await sendSigned(t.service.url, { service: 's3', method: 'GET', path: '/conditions/copy-0', credentials: ROOT,
      headers: { 'if-modified-since': 'not a date' } });
    expect(got.status).toBe(200);
    const copied = await sendSigned(t.service.url, { service: 's3', method: 'PUT', path: '/conditions/dated', credentials: ROOT,
      headers: { 'x-amz-copy-source': 'conditions/copy-0', 'x-amz-copy-source-if-modified-since': 'not a date' } });
    expect(copied.status).toBe(200);
  });

  it.skipIf(AWS_CLI === undefined)('the AWS CLI: s3api copy-object --copy-source-if-match copies, a wrong ETag is refused with 412', async () => {
    const aws = (...args: string[]) => awsCliAt(t.service.url, ROOT, t.dir)(...args, '--output', 'json');
    const copied = JSON.parse(await aws('s3api', 'copy-object', '--bucket', 'conditions', '--key', 'cli-copy', '--copy-source', 'conditions/source',
      '--copy-source-if-match', etag));
    expect(copied.CopyObjectResult.ETag).toBe(etag);
    const refused = await aws('s3api', 'copy-object', '--bucket', 'conditions', '--key', 'cli-refused', '--copy-source', 'conditions/source',
      '--copy-source-if-none-match', etag).catch((error: { stderr: string }) => error.stderr);
    expect(refused).toMatch(/PreconditionFailed/);
    expect(await exists('cli-refused')).toBe(false);
  });
});
