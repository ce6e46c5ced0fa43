// UploadPartCopy (S3 API Reference, UploadPartCopy): a part copied from an existing object or a byte range
// of it (x-amz-copy-source-range "bytes=first-last", zero-based), the source read with its own SSE-C key;
// "you must have READ access to the source object and WRITE access to the destination bucket"
// (s3:GetObject on the source, s3:PutObject on the destination).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Iam, KeyManagementService, ObjectStore } from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const ACCOUNT = '111122223333';
const ALICE = { principal: `arn:aws:iam::${ACCOUNT}:user/alice` };
const MiB = 1024 * 1024;
const rng = new SeededRandom(1517);
const rejectsWith = (promise: Promise<unknown>, name: string) => expect(promise).rejects.toMatchObject({ name });
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

function customerKey(fill: number) {
  const key = new Uint8Array(32).fill(fill);
  return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: Buffer.from(key).toString('base64'), SSECustomerKeyMD5: createHash('md5').update(key).digest('base64') };
}
const asCopySource = (k: ReturnType<typeof customerKey>) => ({ CopySourceSSECustomerAlgorithm: k.SSECustomerAlgorithm,
  CopySourceSSECustomerKey: k.SSECustomerKey, CopySourceSSECustomerKeyMD5: k.SSECustomerKeyMD5 });

async function setup(iam?: Iam) {
  const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', iam });
  const s3 = new ObjectStore({ kms, iam });
  await s3.createBucket({ Bucket: 'src' });
  await s3.createBucket({ Bucket: 'dst' });
  return s3;
}

describe('UploadPartCopy', () => {
  it('joins ranges of an SSE-KMS and an SSE-C source, a whole DSSE source and an uploaded part into an SSE-C object', async () => {
    const s3 = await setup();
    const kmsBody = rng.bytes(6 * MiB + 11);
    const sourceKey = customerKey(1);
    const uploadKey = customerKey(2);
    const customerBody = rng.bytes(5 * MiB + 3);
    const dsseBody = rng.bytes(5 * MiB);
    await s3.putObject({ Bucket: 'src', Key: 'kms', Body: kmsBody, ServerSideEncryption: 'aws:kms' });
    await s3.putObject({ Bucket: 'src', Key: 'customer', Body: customerBody, ...sourceKey });
    await s3.putObject({ Bucket: 'src', Key: 'a key/with spaces+dsse', Body: dsseBody, ServerSideEncryption: 'aws:kms:dsse' });
    const { UploadId } = await s3.createMultipartUpload({ Bucket: 'dst', Key: 'joined', ...uploadKey });
    const part = { Bucket: 'dst', Key: 'joined', UploadId, ...uploadKey };
    const first = await s3.uploadPartCopy({ ...part, PartNumber: 1, CopySource: 'src/kms', CopySourceRange: `bytes=7-${5 * MiB + 6}` });
    expect(first).toMatchObject({ CopyPartResult: { ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/) }, SSECustomerAlgorithm: 'AES256', CopySourceVersionId: undefined });
    expect(first.CopyPartResult.LastModified).toBeInstanceOf(Date);
    const second = await s3.uploadPartCopy({ ...part, PartNumber: 2, CopySource: 'src/customer', CopySourceRange: `bytes=0-${5 * MiB + 2}`, ...asCopySource(sourceKey) });
    const third = await s3.uploadPartCopy({ ...part, PartNumber: 3, CopySource: `/src/${encodeURIComponent('a key/with spaces+dsse')}` });
    const fourth = await s3.uploadPart({ ...part, PartNumber: 4, Body: 'tail' });
    const listed = await s3.listParts({ Bucket: 'dst', Key: 'joined', UploadId });
    expect(listed.Parts.map((p) => [p.PartNumber, p.Size])).toEqual([[1, 5 * MiB], [2, 5 * MiB + 3], [3, 5 * MiB], [4, 4]]);
    await s3.completeMultipartUpload({ Bucket: 'dst', Key: 'joined', UploadId, ...uploadKey, MultipartUpload: { Parts: [
      { PartNumber: 1, ETag: first.CopyPartResult.ETag }, { PartNumber: 2, ETag: second.CopyPartResult.ETag },
      { PartNumber: 3, ETag: third.CopyPartResult.ETag }, { PartNumber: 4, ETag: fourth.ETag }] } });
    const got = await s3.getObject({ Bucket: 'dst', Key: 'joined', ...uploadKey });
    const expected = Buffer.concat([kmsBody.subarray(7, 5 * MiB + 7), customerBody, dsseBody, Buffer.from('tail')]);
    expect(Buffer.from(await got.Body.transformToByteArray()).equals(expected)).toBe(true);
    expect(got.SSECustomerAlgorithm).toBe('AES256');
  });

  it('the ETag of a copied part is that of the same bytes uploaded; a versioned source names its version', async () => {
    const s3 = await setup();
    await s3.putBucketVersioning({ Bucket: 'src', VersioningConfiguration: { Status: 'Enabled' } });
    const old = await s3.putObject({ Bucket: 'src', Key: 'doc', Body: 'the first version' });
    await s3.putObject({ Bucket: 'src', Key: 'doc', Body: 'the second version' });
    const { UploadId } = await s3.createMultipartUpload({ Bucket: 'dst', Key: 'k' });
    const copied = await s3.uploadPartCopy({ Bucket: 'dst', Key: 'k', UploadId, PartNumber: 1, CopySource: 'src/doc', CopySourceVersionId: old.VersionId, CopySourceRange: 'bytes=4-8' });
    expect(copied).toMatchObject({ CopySourceVersionId: old.VersionId, ServerSideEncryption: 'AES256' });
    const uploaded = await s3.uploadPart({ Bucket: 'dst', Key: 'k', UploadId, PartNumber: 2, Body: 'first' });
    expect(copied.CopyPartResult.ETag).toBe(uploaded.ETag);
    const latest = await s3.uploadPartCopy({ Bucket: 'dst', Key: 'k', UploadId, PartNumber: 1, CopySource: 'src/doc' });
    await s3.completeMultipartUpload({ Bucket: 'dst', Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: latest.CopyPartResult.ETag }] } });
    expect(await (await s3.getObject({ Bucket: 'dst', Key: 'k' })).Body.transformToString()).toBe('the second version');
  });

  it('refuses bad ranges, a missing or wrong source key, unknown sources and uploads; a refused copy adds no part', async () => {
    const s3 = await setup();
    const sourceKey = customerKey(3);
    await s3.putObject({ Bucket: 'src', Key: 'ten', Body: '0123456789' });
    await s3.putObject({ Bucket: 'src', Key: 'sealed', Body: 'customer', ...sourceKey });
    const { UploadId } = await s3.createMultipartUpload({ Bucket: 'dst', Key: 'k' });
    const copy = (extra: object) => s3.uploadPartCopy({ Bucket: 'dst', Key: 'k', UploadId, PartNumber: 1, CopySource: 'src/ten', ...extra });
    for (const CopySourceRange of ['bytes=5-4', 'bytes=0-10', 'bytes=0-', 'bytes=-3', 'bytes=a-b', '0-3', 'bytes=0-3,5-6']) {
      await rejectsWith(copy({ CopySourceRange }), 'InvalidArgument');
    }
    await rejectsWith(copy({ CopySource: 'src/sealed' }), 'InvalidRequest');
    await rejectsWith(copy({ CopySource: 'src/sealed', ...asCopySource(customerKey(4)) }), 'AccessDenied');
    await rejectsWith(copy({ CopySource: 'src/ten', ...asCopySource(sourceKey) }), 'InvalidRequest');
    await rejectsWith(copy({ CopySource: 'src/missing' }), 'NoSuchKey');
    await rejectsWith(copy({ CopySource: 'nobucket/x' }), 'NoSuchBucket');
    await rejectsWith(copy({ CopySource: 'no-key' }), 'InvalidArgument');
    await rejectsWith(copy({ CopySource: 'src/%E0%A4%A' }), 'InvalidArgument');
    await rejectsWith(copy({ PartNumber: 10_001 }), 'InvalidArgument');
    await rejectsWith(s3.uploadPartCopy({ Bucket: 'dst', Key: 'k', UploadId: 'no-such-upload', PartNumber: 1, CopySource: 'src/ten' }), 'NoSuchUpload');
    expect((await s3.listParts({ Bucket: 'dst', Key: 'k', UploadId })).Parts).toEqual([]);
    const ok = await copy({ CopySourceRange: 'bytes=9-9', CopySource: 'src/ten' });
    await s3.completeMultipartUpload({ Bucket: 'dst', Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: ok.CopyPartResult.ETag }] } });
    expect(await (await s3.getObject({ Bucket: 'dst', Key: 'k' })).Body.transformToString()).toBe('9');
  });

  it('needs s3:GetObject on the source and s3:PutObject on the destination', async () => {
    const iam = new Iam();
    const s3 = await setup(iam);
    await s3.putObject({ Bucket: 'src', Key: 'open/doc', Body: 'readable' });
    await s3.putObject({ Bucket: 'src', Key: 'closed/doc', Body: 'not for alice' });
    iam.putPrincipalPolicy({ PrincipalArn: ALICE.principal, PolicyName: 'copy', PolicyDocument: policy([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::src/open/*' },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::dst/*' }]) });
    const { UploadId } = await s3.createMultipartUpload({ Bucket: 'dst', Key: 'mine' }, ALICE);
    const copy = (CopySource: string) => s3.uploadPartCopy({ Bucket: 'dst', Key: 'mine', UploadId, PartNumber: 1, CopySource }, ALICE);
    await rejectsWith(copy('src/closed/doc'), 'AccessDenied');
    const ok = await copy('src/open/doc');
    await s3.putBucketPolicy({ Bucket: 'dst', Policy: policy([{ Effect: 'Deny', Principal: { AWS: ALICE.principal }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::dst/*' }]) });
    await rejectsWith(copy('src/open/doc'), 'AccessDenied');
    expect((await s3.listParts({ Bucket: 'dst', Key: 'mine', UploadId })).Parts.map((p) => p.ETag)).toEqual([ok.CopyPartResult.ETag]);
  });
});
