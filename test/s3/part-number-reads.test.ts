// GetObject / HeadObject with PartNumber (S3 API Reference, GetObject: partNumber "Effectively performs a
// 'ranged' GET request for the part specified"; PartsCount "is only returned if you specify partNumber in
// your request and the object was uploaded as a multipart upload").
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore } from '../../src/node.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const MiB = 1024 * 1024;
const rng = new SeededRandom(1515);
const tempDir = temporaryDirectories('kms-wasm-parts-');
const rejectsWith = (promise: Promise<unknown>, name: string) => expect(promise).rejects.toMatchObject({ name });

const customerKey = new Uint8Array(32).fill(9);
const sseC = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: Buffer.from(customerKey).toString('base64'),
  SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64') };
const MODES = {
  'SSE-S3 (default)': {}, 'SSE-KMS': { ServerSideEncryption: 'aws:kms' as const },
  'SSE-KMS, bucket key': { ServerSideEncryption: 'aws:kms' as const, BucketKeyEnabled: true }, 'DSSE-KMS': { ServerSideEncryption: 'aws:kms:dsse' as const },
  'SSE-C': sseC,
};

/** Uploads `parts` as part numbers `numbers` (ascending, not necessarily consecutive) and completes the upload. */
async function uploadInParts(s3: ObjectStore, Key: string, parts: Uint8Array[], settings: object, numbers = parts.map((_, i) => i + 1)) {
  const { UploadId } = await s3.createMultipartUpload({ Bucket: 'parts', Key, ...settings });
  const read = 'SSECustomerKey' in settings ? sseC : {};
  const etags = await Promise.all(parts.map(async (Body, i) => (await s3.uploadPart({ Bucket: 'parts', Key, UploadId, PartNumber: numbers[i]!, Body, ...read })).ETag));
  await s3.completeMultipartUpload({ Bucket: 'parts', Key, UploadId, ...read, MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: numbers[i]!, ETag })) } });
}

describe('GetObject and HeadObject with PartNumber', () => {
  it.each(Object.entries(MODES))('%s: each part of a completed upload, with Content-Range and PartsCount; beyond the last is InvalidPartNumber', async (_, settings) => {
    const s3 = new ObjectStore({ kms: new KeyManagementService({ account: '111122223333', region: 'us-east-1' }) });
    await s3.createBucket({ Bucket: 'parts' });
    const parts = [rng.bytes(5 * MiB + 3), rng.bytes(5 * MiB), rng.bytes(1000)];
    await uploadInParts(s3, 'object', parts, settings);
    const read = 'SSECustomerKey' in settings ? sseC : {};
    const total = parts.reduce((sum, p) => sum + p.length, 0);
    let start = 0;
    for (const [i, part] of parts.entries()) {
      const got = await s3.getObject({ Bucket: 'parts', Key: 'object', PartNumber: i + 1, ...read });
      expect({ ContentLength: got.ContentLength, ContentRange: got.ContentRange, PartsCount: got.PartsCount })
        .toEqual({ ContentLength: part.length, ContentRange: `bytes ${start}-${start + part.length - 1}/${total}`, PartsCount: 3 });
      expect(Buffer.from(await got.Body.transformToByteArray()).equals(part), `part ${i + 1}`).toBe(true);
      const head = await s3.headObject({ Bucket: 'parts', Key: 'object', PartNumber: i + 1, ...read });
      expect(head).toMatchObject({ ContentLength: part.length, ContentRange: got.ContentRange, PartsCount: 3, ETag: got.ETag });
      start += part.length;
    }
    await rejectsWith(s3.getObject({ Bucket: 'parts', Key: 'object', PartNumber: 4, ...read }), 'InvalidPartNumber');
    await rejectsWith(s3.headObject({ Bucket: 'parts', Key: 'object', PartNumber: 4, ...read }), 'InvalidPartNumber');
    // Without PartNumber: the whole object, no part fields.
    const whole = await s3.getObject({ Bucket: 'parts', Key: 'object', ...read });
    expect(whole).toMatchObject({ ContentLength: total, ContentRange: undefined, PartsCount: undefined });
    expect(Buffer.from(await whole.Body.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
  });

  it('parts are counted in the order completed, whatever their numbers were; a single-part upload has PartsCount 1', async () => {
    const s3 = new ObjectStore({ kms: new KeyManagementService({ account: '111122223333', region: 'us-east-1' }) });
    await s3.createBucket({ Bucket: 'parts' });
    const parts = [rng.bytes(5 * MiB), rng.bytes(7)];
    await uploadInParts(s3, 'gaps', parts, {}, [3, 9000]);
    const second = await s3.getObject({ Bucket: 'parts', Key: 'gaps', PartNumber: 2 });
    expect(second).toMatchObject({ PartsCount: 2, ContentLength: 7, ContentRange: `bytes ${5 * MiB}-${5 * MiB + 6}/${5 * MiB + 7}` });
    expect(Buffer.from(await second.Body.transformToByteArray()).equals(parts[1]!)).toBe(true);
    await rejectsWith(s3.getObject({ Bucket: 'parts', Key: 'gaps', PartNumber: 3 }), 'InvalidPartNumber');
    await uploadInParts(s3, 'one', [rng.bytes(10)], {});
    expect(await s3.headObject({ Bucket: 'parts', Key: 'one', PartNumber: 1 })).toMatchObject({ PartsCount: 1, ContentLength: 10, ContentRange: 'bytes 0-9/10' });
  });

  it('an object put whole: part 1 is all of it (no PartsCount), part 2 is InvalidPartNumber; a copy of an uploaded object is put whole', async () => {
    const s3 = new ObjectStore({ kms: new KeyManagementService({ account: '111122223333', region: 'us-east-1' }) });
    await s3.createBucket({ Bucket: 'parts' });
    await s3.putObject({ Bucket: 'parts', Key: 'whole', Body: 'put in one piece' });
    const first = await s3.getObject({ Bucket: 'parts', Key: 'whole', PartNumber: 1 });
    expect(first).toMatchObject({ ContentLength: 16, ContentRange: 'bytes 0-15/16', PartsCount: undefined });
    expect(await first.Body.transformToString()).toBe('put in one piece');
    await rejectsWith(s3.getObject({ Bucket: 'parts', Key: 'whole', PartNumber: 2 }), 'InvalidPartNumber');
    await uploadInParts(s3, 'uploaded', [rng.bytes(5 * MiB), rng.bytes(5)], {});
    await s3.copyObject({ Bucket: 'parts', Key: 'copied', CopySource: 'parts/uploaded' });
    expect(await s3.headObject({ Bucket: 'parts', Key: 'copied', PartNumber: 1 })).toMatchObject({ ContentLength: 5 * MiB + 5, PartsCount: undefined });
  });

  it('refuses PartNumber with Range (InvalidRequest) and outside 1–10000 (InvalidArgument), and returns no whole-object checksum for a part', async () => {
    const s3 = new ObjectStore({ kms: new KeyManagementService({ account: '111122223333', region: 'us-east-1' }) });
    await s3.createBucket({ Bucket: 'parts' });
    await s3.putObject({ Bucket: 'parts', Key: 'k', Body: 'abc', VerifiedChecksums: new Map([['ChecksumCRC32', 'NSRBwg==']]) });
    await rejectsWith(s3.getObject({ Bucket: 'parts', Key: 'k', PartNumber: 1, Range: 'bytes=0-1' }), 'InvalidRequest');
    for (const PartNumber of [0, 10_001, 1.5, Number.NaN]) {
      await rejectsWith(s3.getObject({ Bucket: 'parts', Key: 'k', PartNumber }), 'InvalidArgument');
      await rejectsWith(s3.headObject({ Bucket: 'parts', Key: 'k', PartNumber }), 'InvalidArgument');
    }
    expect((await s3.headObject({ Bucket: 'parts', Key: 'k', ChecksumMode: 'ENABLED' })).ChecksumCRC32).toBe('NSRBwg==');
    expect((await s3.headObject({ Bucket: 'parts', Key: 'k', ChecksumMode: 'ENABLED', PartNumber: 1 })).ChecksumCRC32).toBeUndefined();
  });

  it('the part sizes are kept with the version: a directory store reopened reads the same parts', async () => {
    const dir = tempDir();
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const writer = new ObjectStore({ kms, dir });
    await writer.createBucket({ Bucket: 'parts' });
    const parts = [rng.bytes(5 * MiB), rng.bytes(33)];
    await uploadInParts(writer, 'kept', parts, { ServerSideEncryption: 'aws:kms' });
    await writer.close();
    const reader = new ObjectStore({ kms, dir });
    const last = await reader.getObject({ Bucket: 'parts', Key: 'kept', PartNumber: 2 });
    expect(last).toMatchObject({ PartsCount: 2, ContentLength: 33 });
    expect(Buffer.from(await last.Body.transformToByteArray()).equals(parts[1]!)).toBe(true);
    await reader.close();
  });
});
