import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { KeyManagementService, ObjectStore } from '../../src/index.js';
import type { MemoryBodies } from '../../src/s3/object-bodies.js';
import { awsChecksummer } from '../../src/service/s3-checksums.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const MiB = 1024 * 1024;
const rng = new SeededRandom(130);
const rejectsWith = (promise: Promise<unknown>, name: string) => expect(promise).rejects.toMatchObject({ name });

async function setup() {
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const s3 = new ObjectStore({ kms });
  await s3.createBucket({ Bucket: 'uploads' });
  return { kms, s3, bodies: (s3 as unknown as { bodies: { bodies: Map<string, Uint8Array> } }).bodies.bodies };
}

describe('multipart upload', () => {
  it('joins parts into one object with the upload\'s encryption; parts are sealed at rest meanwhile', async () => {
    const { s3, bodies } = await setup();
    const parts = [rng.bytes(5 * MiB), rng.bytes(5 * MiB + 3), rng.bytes(1000)];
    const { UploadId } = await s3.createMultipartUpload({ Bucket: 'uploads', Key: 'big', ServerSideEncryption: 'aws:kms', Metadata: { kind: 'backup' } });
    const etags = [];
    for (let i = parts.length - 1; i >= 0; i--) etags[i] = (await s3.uploadPart({ Bucket: 'uploads', Key: 'big', UploadId, PartNumber: i + 1, Body: parts[i]! })).ETag;
    for (const stored of bodies.values()) expect(Buffer.from(stored).indexOf(Buffer.from(parts[0]!.subarray(0, 32)))).toBe(-1);
    const done = await s3.completeMultipartUpload({ Bucket: 'uploads', Key: 'big', UploadId,
      MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) } });
    expect(done.ServerSideEncryption).toBe('aws:kms');
    const got = await s3.getObject({ Bucket: 'uploads', Key: 'big' });
    expect(Buffer.from(await got.Body.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
    expect(got.Metadata).toEqual({ kind: 'backup' });
    expect(bodies.size).toBe(3); // the object is served from its parts' bodies as they were stored: no other body was written
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-3"$/); // S3's shape for a multipart object's ETag
  });

  it('refuses bad part lists, small middle parts, unknown uploads, and frees parts on abort', async () => {
    const { s3, bodies } = await setup();
    const { UploadId } = await s3.createMultipartUpload({ Bucket: 'uploads', Key: 'k', ServerSideEncryption: 'AES256' });
    const a = await s3.uploadPart({ Bucket: 'uploads', Key: 'k', UploadId, PartNumber: 1, Body: rng.bytes(100) });
    const b = await s3.uploadPart({ Bucket: 'uploads', Key: 'k', UploadId, PartNumber: 2, Body: rng.bytes(100) });
    await rejectsWith(s3.completeMultipartUpload({ Bucket: 'uploads', Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: a.ETag }, { PartNumber: 2, ETag: b.ETag }] } }), 'EntityTooSmall');
    await rejectsWith(s3.completeMultipartUpload({ Bucket: 'uploads', Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: b.ETag }, { PartNumber: 1, ETag: a.ETag }] } }), 'InvalidPartOrder');
    await rejectsWith(s3.completeMultipartUpload({ Bucket: 'uploads', Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"nope"' }] } }), 'InvalidPart');
    await rejectsWith(s3.uploadPart({ Bucket: 'uploads', Key: 'k', UploadId, PartNumber: 0, Body: 'x' }), 'InvalidArgument');
    await rejectsWith(s3.uploadPart({ Bucket: 'uploads', Key: 'k', UploadId: 'missing', PartNumber: 1, Body: 'x' }), 'NoSuchUpload');
    await rejectsWith(s3.uploadPart({ Bucket: 'uploads', Key: 'k', UploadId, PartNumber: 3, Body: 'x' }, { principal: 'arn:aws:iam::111122223333:user/other' }), 'AccessDenied');
    expect(bodies.size).toBe(2);
    await s3.abortMultipartUpload({ Bucket: 'uploads', Key: 'k', UploadId });
    expect(bodies.size).toBe(0);
    await rejectsWith(s3.completeMultipartUpload({ Bucket: 'uploads', Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: a.ETag }] } }), 'NoSuchUpload');
    const single = await s3.createMultipartUpload({ Bucket: 'uploads', Key: 'one', ServerSideEncryption: 'AES256' });
    const only = await s3.uploadPart({ Bucket: 'uploads', Key: 'one', UploadId: single.UploadId, PartNumber: 7, Body: 'small is fine when last' });
    await s3.completeMultipartUpload({ Bucket: 'uploads', Key: 'one', UploadId: single.UploadId, MultipartUpload: { Parts: [{ PartNumber: 7, ETag: only.ETag }] } });
    expect(new TextDecoder().decode((await (await s3.getObject({ Bucket: 'uploads', Key: 'one' })).Body.transformToByteArray()))).toBe('small is fine when last');
  });

  it('SSE-C uploads seal parts under the customer key and need it on every part; completion needs it only with a checksum algorithm (API Reference)', async () => {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html, x-amz-server-side-encryption-customer-algorithm:
    // "This parameter is required only when the object was created using a checksum algorithm or if your bucket policy requires the use of SSE-C."
    const { s3 } = await setup();
    const key = Buffer.alloc(32, 9);
    const sseC = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(key).digest('base64') };
    const other = Buffer.alloc(32, 8);
    const otherC = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: other.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(other).digest('base64') };
    const { UploadId } = await s3.createMultipartUpload({ Bucket: 'uploads', Key: 'c', ...sseC });
    await rejectsWith(s3.uploadPart({ Bucket: 'uploads', Key: 'c', UploadId, PartNumber: 1, Body: 'x' }), 'InvalidRequest');
    await rejectsWith(s3.uploadPart({ Bucket: 'uploads', Key: 'c', UploadId, PartNumber: 1, Body: 'x', ...otherC }), 'AccessDenied');
    const part = await s3.uploadPart({ Bucket: 'uploads', Key: 'c', UploadId, PartNumber: 1, Body: 'customer part', ...sseC });
    const parts = { MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } };
    await rejectsWith(s3.completeMultipartUpload({ Bucket: 'uploads', Key: 'c', UploadId, ...parts, ...otherC }), 'AccessDenied'); // a key given must be the upload's
    const done = await s3.completeMultipartUpload({ Bucket: 'uploads', Key: 'c', UploadId, ...parts }); // no key
    expect(done.ETag).toMatch(/-1"$/);
    await rejectsWith(s3.getObject({ Bucket: 'uploads', Key: 'c' }), 'InvalidRequest');
    await rejectsWith(s3.getObject({ Bucket: 'uploads', Key: 'c', ...otherC }), 'AccessDenied');
    expect(new TextDecoder().decode((await (await s3.getObject({ Bucket: 'uploads', Key: 'c', ...sseC })).Body.transformToByteArray()))).toBe('customer part');

    const summing = new ObjectStore({ kms: new KeyManagementService({ account: '111122223333', region: 'us-east-1' }), checksummer: awsChecksummer });
    await summing.createBucket({ Bucket: 'uploads' });
    for (const ChecksumType of ['COMPOSITE', 'FULL_OBJECT'] as const) {
      const summed = await summing.createMultipartUpload({ Bucket: 'uploads', Key: 'c', ChecksumAlgorithm: 'CRC32', ChecksumType, ...sseC });
      const only = await summing.uploadPart({ Bucket: 'uploads', Key: 'c', UploadId: summed.UploadId, PartNumber: 1, Body: 'customer part', ...sseC });
      const list = { MultipartUpload: { Parts: [{ PartNumber: 1, ETag: only.ETag }] } };
      await rejectsWith(summing.completeMultipartUpload({ Bucket: 'uploads', Key: 'c', UploadId: summed.UploadId, ...list }), 'InvalidRequest');
      const completed = await summing.completeMultipartUpload({ Bucket: 'uploads', Key: 'c', UploadId: summed.UploadId, ...list, ...sseC });
      if (ChecksumType === 'FULL_OBJECT') expect(completed.ChecksumCRC32).toBe(only.ChecksumCRC32); // one part: the whole object's CRC
      else expect(completed.ChecksumCRC32).toMatch(/-1$/);
    }
  });

  it('an upload an earlier release began (parts sealed under the SSE-S3 root key, to be re-encrypted) can be listed and aborted, not completed', async () => {
    const { s3, bodies } = await setup();
    const { UploadId } = await s3.createMultipartUpload({ Bucket: 'uploads', Key: 'old' });
    const part = await s3.uploadPart({ Bucket: 'uploads', Key: 'old', UploadId, PartNumber: 1, Body: 'x' });
    delete (s3 as unknown as { access: { state: { uploads: Map<string, { sealedAsObject?: true }> } } }).access.state.uploads.get(UploadId)!.sealedAsObject;
    // Refused, saying what to do: abort (the command named) and upload again.
    const what = { name: 'InvalidRequest', message: expect.stringContaining(`earlier kms-wasm release, whose parts this release does not complete: abort it `
      + `(AbortMultipartUpload; aws s3api abort-multipart-upload --bucket uploads --key old --upload-id ${UploadId}) and upload the object again`) };
    await expect(s3.completeMultipartUpload({ Bucket: 'uploads', Key: 'old', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } })).rejects.toMatchObject(what);
    await expect(s3.uploadPart({ Bucket: 'uploads', Key: 'old', UploadId, PartNumber: 2, Body: 'y' })).rejects.toMatchObject(what);
    expect((await s3.listParts({ Bucket: 'uploads', Key: 'old', UploadId })).Parts).toHaveLength(1);
    await s3.abortMultipartUpload({ Bucket: 'uploads', Key: 'old', UploadId });
    expect(bodies.size).toBe(0);
  });

  it('an upload with a ChecksumAlgorithm needs a store made with a checksummer; SHA with FULL_OBJECT, and a type without an algorithm, are refused', async () => {
    const { s3 } = await setup();
    await rejectsWith(s3.createMultipartUpload({ Bucket: 'uploads', Key: 'k', ChecksumAlgorithm: 'CRC32' }), 'InvalidRequest');
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const summing = new ObjectStore({ kms, checksummer: awsChecksummer });
    await summing.createBucket({ Bucket: 'uploads' });
    await rejectsWith(summing.createMultipartUpload({ Bucket: 'uploads', Key: 'k', ChecksumAlgorithm: 'SHA1', ChecksumType: 'FULL_OBJECT' }), 'InvalidRequest');
    await rejectsWith(summing.createMultipartUpload({ Bucket: 'uploads', Key: 'k', ChecksumType: 'COMPOSITE' }), 'InvalidRequest');
    await rejectsWith(summing.createMultipartUpload({ Bucket: 'uploads', Key: 'k', ChecksumAlgorithm: 'MD5' as 'SHA1' }), 'InvalidArgument');
    const { UploadId } = await summing.createMultipartUpload({ Bucket: 'uploads', Key: 'k', ChecksumAlgorithm: 'SHA256' });
    const part = await summing.uploadPart({ Bucket: 'uploads', Key: 'k', UploadId, PartNumber: 1, Body: 'abc' });
    expect(part.ChecksumSHA256).toBe(createHash('sha256').update('abc').digest('base64'));
    const done = await summing.completeMultipartUpload({ Bucket: 'uploads', Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } });
    const composite = createHash('sha256').update(createHash('sha256').update('abc').digest()).digest('base64');
    expect(done).toMatchObject({ ChecksumSHA256: `${composite}-1`, ChecksumType: 'COMPOSITE' });
    expect(await summing.headObject({ Bucket: 'uploads', Key: 'k', ChecksumMode: 'ENABLED' })).toMatchObject({ ChecksumSHA256: `${composite}-1`, ChecksumType: 'COMPOSITE' });
    // A part read answers that part's checksum (S3 User Guide, "Checking object integrity"), never the object's.
    expect((await summing.headObject({ Bucket: 'uploads', Key: 'k', ChecksumMode: 'ENABLED', PartNumber: 1 })).ChecksumSHA256)
      .toBe(createHash('sha256').update('abc').digest('base64'));
  });

  it.each(['CRC32', 'CRC32C', 'CRC64NVME'] as const)('a %s FULL_OBJECT checksum is combined from the parts\' checksums and sizes: completion opens no part', async (algorithm) => {
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const summing = new ObjectStore({ kms, checksummer: awsChecksummer });
    await summing.createBucket({ Bucket: 'uploads' });
    const parts = [rng.bytes(5 * MiB), rng.bytes(5 * MiB + 7), rng.bytes(100)];
    const { UploadId } = await summing.createMultipartUpload({ Bucket: 'uploads', Key: 'full', ChecksumAlgorithm: algorithm, ChecksumType: 'FULL_OBJECT', ServerSideEncryption: 'aws:kms' });
    const Parts = [];
    for (const [i, Body] of parts.entries()) Parts.push({ PartNumber: i + 1, ETag: (await summing.uploadPart({ Bucket: 'uploads', Key: 'full', UploadId, PartNumber: i + 1, Body })).ETag });
    const opened = vi.spyOn((summing as unknown as { bodies: MemoryBodies }).bodies, 'open');
    const done = await summing.completeMultipartUpload({ Bucket: 'uploads', Key: 'full', UploadId, MultipartUpload: { Parts } });
    expect(opened).not.toHaveBeenCalled();
    const whole = awsChecksummer(algorithm);
    whole.update(Buffer.concat(parts));
    const member = `Checksum${algorithm}` as const;
    expect(done).toMatchObject({ [member]: await whole.digest(), ChecksumType: 'FULL_OBJECT' });
    const got = await summing.getObject({ Bucket: 'uploads', Key: 'full', ChecksumMode: 'ENABLED' });
    expect(got[member]).toBe(done[member]);
    expect(Buffer.from(await got.Body.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
  });

  it('versions of a key completed from parts each read from their own parts; copies and part copies read them; deleting a version removes its parts\' bodies', async () => {
    const { s3, bodies } = await setup();
    await s3.putBucketVersioning({ Bucket: 'uploads', VersioningConfiguration: { Status: 'Enabled' } });
    const complete = async (parts: Uint8Array[], extra: object = {}) => {
      const { UploadId, SSEKMSKeyId } = await s3.createMultipartUpload({ Bucket: 'uploads', Key: 'v', ...extra });
      const Parts = [];
      for (const [i, Body] of parts.entries()) Parts.push({ PartNumber: i + 1, ETag: (await s3.uploadPart({ Bucket: 'uploads', Key: 'v', UploadId, PartNumber: i + 1, Body })).ETag });
      return { ...await s3.completeMultipartUpload({ Bucket: 'uploads', Key: 'v', UploadId, MultipartUpload: { Parts } }), created: SSEKMSKeyId };
    };
    const older = [rng.bytes(5 * MiB), rng.bytes(10)];
    const newer = [rng.bytes(5 * MiB + 1), rng.bytes(5 * MiB), rng.bytes(3)];
    const first = await complete(older, { ServerSideEncryption: 'aws:kms' });
    expect(first.created).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\//); // fixed at creation, as an ARN
    expect(first).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: first.created });
    const second = await complete(newer);
    expect(bodies.size).toBe(5);
    const read = async (extra: object) => Buffer.from(await (await s3.getObject({ Bucket: 'uploads', Key: 'v', ...extra })).Body.transformToByteArray());
    expect((await read({ VersionId: first.VersionId })).equals(Buffer.concat(older))).toBe(true);
    expect((await read({})).equals(Buffer.concat(newer))).toBe(true);
    expect((await read({ PartNumber: 2 })).equals(Buffer.from(newer[1]!))).toBe(true);
    expect(await s3.headObject({ Bucket: 'uploads', Key: 'v', VersionId: first.VersionId })).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: first.created, ContentLength: 5 * MiB + 10 });
    // A copy of the multipart object (re-encrypted to the destination, one body) and a part copied from a range of it.
    await s3.copyObject({ Bucket: 'uploads', Key: 'copy', CopySource: 'uploads/v', CopySourceVersionId: first.VersionId });
    expect(Buffer.from(await (await s3.getObject({ Bucket: 'uploads', Key: 'copy' })).Body.transformToByteArray()).equals(Buffer.concat(older))).toBe(true);
    const { UploadId } = await s3.createMultipartUpload({ Bucket: 'uploads', Key: 'from-range' });
    const range = `bytes=${5 * MiB - 2}-${5 * MiB + 3}`;
    const copied = await s3.uploadPartCopy({ Bucket: 'uploads', Key: 'from-range', UploadId, PartNumber: 1, CopySource: 'uploads/v', CopySourceRange: range });
    await s3.completeMultipartUpload({ Bucket: 'uploads', Key: 'from-range', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult.ETag }] } });
    expect(Buffer.from(await (await s3.getObject({ Bucket: 'uploads', Key: 'from-range' })).Body.transformToByteArray()))
      .toEqual(Buffer.concat(newer).subarray(5 * MiB - 2, 5 * MiB + 4));
    const before = bodies.size;
    await s3.deleteObject({ Bucket: 'uploads', Key: 'v', VersionId: second.VersionId });
    expect(bodies.size).toBe(before - 3);
    expect((await read({})).equals(Buffer.concat(older))).toBe(true);
  });

  it('an object an earlier release completed (one body, its part sizes kept) still reads whole and by part number', async () => {
    const { s3 } = await setup();
    const whole = rng.bytes(5 * MiB + 100);
    await s3.putObject({ Bucket: 'uploads', Key: 'old', Body: whole });
    const internals = s3 as unknown as { access: { state: { buckets: Map<string, { objects: Map<string, Array<{ parts?: number[] }>> }> } } };
    internals.access.state.buckets.get('uploads')!.objects.get('old')!.at(-1)!.parts = [5 * MiB, 100]; // the record such a release wrote
    expect(Buffer.from(await (await s3.getObject({ Bucket: 'uploads', Key: 'old' })).Body.transformToByteArray()).equals(Buffer.from(whole))).toBe(true);
    const second = await s3.getObject({ Bucket: 'uploads', Key: 'old', PartNumber: 2 });
    expect(second).toMatchObject({ PartsCount: 2, ContentRange: `bytes ${5 * MiB}-${5 * MiB + 99}/${5 * MiB + 100}` });
    expect(Buffer.from(await second.Body.transformToByteArray()).equals(Buffer.from(whole.subarray(5 * MiB)))).toBe(true);
  });

  it('the upload\'s encryption headers are checked, and its KMS key used, when it starts: a refusal there leaves no upload', async () => {
    const { kms, s3 } = await setup();
    await rejectsWith(s3.createMultipartUpload({ Bucket: 'uploads', Key: 'k', SSEKMSKeyId: 'alias/aws/s3' }), 'InvalidArgument');
    await rejectsWith(s3.createMultipartUpload({ Bucket: 'uploads', Key: 'k', ServerSideEncryption: 'rot13' as 'AES256' }), 'InvalidArgument');
    const { KeyMetadata } = await kms.createKey();
    await kms.disableKey({ KeyId: KeyMetadata.KeyId });
    await rejectsWith(s3.createMultipartUpload({ Bucket: 'uploads', Key: 'k', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KeyMetadata.KeyId }), 'KMS.DisabledException');
    await kms.enableKey({ KeyId: KeyMetadata.KeyId });
    const started = await s3.createMultipartUpload({ Bucket: 'uploads', Key: 'k', ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: KeyMetadata.KeyId });
    expect(started).toMatchObject({ ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: KeyMetadata.Arn });
    expect(started.BucketKeyEnabled).toBeUndefined(); // as a DSSE-KMS PutObject answers: S3 Bucket Keys do not apply
    expect((s3 as unknown as { access: { state: { uploads: Map<string, unknown> } } }).access.state.uploads.size).toBe(1);
  });

  it('every SSE mode: CreateMultipartUpload, UploadPart and CompleteMultipartUpload answer the SSE fields a PutObject of the same settings does (CompleteMultipartUpload none of SSE-C\'s)', async () => {
    const { kms, s3 } = await setup();
    const { KeyMetadata } = await kms.createKey();
    const customerKey = Buffer.alloc(32, 7).toString('base64');
    const customer = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey, SSECustomerKeyMD5: createHash('md5').update(Buffer.from(customerKey, 'base64')).digest('base64') };
    const modes: Array<[string, object]> = [
      ['SSE-S3', { ServerSideEncryption: 'AES256' }], ['SSE-KMS', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KeyMetadata.KeyId }],
      ['SSE-KMS with a bucket key', { ServerSideEncryption: 'aws:kms', BucketKeyEnabled: true }], ['DSSE-KMS', { ServerSideEncryption: 'aws:kms:dsse' }],
      ['SSE-C', customer],
    ];
    const sse = (out: object) => {
      const { ServerSideEncryption, SSEKMSKeyId, BucketKeyEnabled, SSECustomerAlgorithm } = out as Record<string, unknown>;
      return { ServerSideEncryption, SSEKMSKeyId, BucketKeyEnabled, SSECustomerAlgorithm };
    };
    for (const [mode, settings] of modes) {
      const put = sse(await s3.putObject({ Bucket: 'uploads', Key: `put-${mode}`, Body: 'whole', ...settings }));
      expect(put.ServerSideEncryption ?? put.SSECustomerAlgorithm, mode).toBeDefined();
      const keyFields = 'SSECustomerKey' in settings ? customer : {};
      const created = await s3.createMultipartUpload({ Bucket: 'uploads', Key: mode, ...settings });
      const part = await s3.uploadPart({ Bucket: 'uploads', Key: mode, UploadId: created.UploadId, PartNumber: 1, Body: 'in parts', ...keyFields });
      const done = await s3.completeMultipartUpload({ Bucket: 'uploads', Key: mode, UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } });
      expect([sse(created), sse(part)], mode).toEqual([put, put]);
      expect(sse(done), mode).toEqual({ ...put, SSECustomerAlgorithm: undefined });
      expect(sse(await s3.headObject({ Bucket: 'uploads', Key: mode, ...keyFields })), mode).toEqual(put);
    }
  });

  it('a deny-unencrypted bucket policy refuses the upload at its start', async () => {
    const { s3 } = await setup();
    await s3.putBucketPolicy({ Bucket: 'uploads', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::uploads/*',
      Condition: { Null: { 's3:x-amz-server-side-encryption': 'true' } } }] }) });
    await rejectsWith(s3.createMultipartUpload({ Bucket: 'uploads', Key: 'plain' }), 'AccessDenied');
    await s3.createMultipartUpload({ Bucket: 'uploads', Key: 'sealed', ServerSideEncryption: 'AES256' });
  });
});
