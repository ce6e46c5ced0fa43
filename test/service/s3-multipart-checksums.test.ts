// Checksums of multipart uploads (S3 User Guide, "Checking object integrity in Amazon S3": "Using part-level
// checksums for multipart uploads"): with CreateMultipartUpload's ChecksumAlgorithm each part's checksum is
// computed as it arrives; the object's is COMPOSITE — the checksum of the parts' checksums joined, "-<parts>"
// — or FULL_OBJECT — that of the whole object (CRC32, CRC32C, CRC64NVME). @aws-sdk/client-s3 sends the part
// checksums and validates a FULL_OBJECT checksum against the body it reads (ChecksumMode ENABLED), so a
// wrong answer fails the GET; composite values are computed here independently. A read of one part
// (partNumber) with ChecksumMode answers that part's checksum, which the SDK validates too.

import { createHash } from 'node:crypto';
import { Crc32 } from '@aws-crypto/crc32';
import { Crc32c } from '@aws-crypto/crc32c';
import * as S3 from '@aws-sdk/client-s3';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../helpers/seeded-random.js';
import { failure, startTestService } from './service-fixture.js';

const MiB = 1024 * 1024;
const rng = new SeededRandom(1518);
const parts = [Buffer.from(rng.bytes(5 * MiB)), Buffer.from(rng.bytes(3 * MiB + 5))];
const whole = Buffer.concat(parts);

const crc = (make: () => Crc32 | Crc32c, bytes: Uint8Array) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(make().update(bytes).digest() >>> 0);
  return out;
};
const DIGESTS = {
  CRC32: async (b: Uint8Array) => crc(() => new Crc32(), b),
  CRC32C: async (b: Uint8Array) => crc(() => new Crc32c(), b),
  CRC64NVME: async (b: Uint8Array) => {
    const c = new Crc64Nvme();
    c.update(b);
    return Buffer.from(await c.digest());
  },
  SHA1: async (b: Uint8Array) => createHash('sha1').update(b).digest(),
  SHA256: async (b: Uint8Array) => createHash('sha256').update(b).digest(),
};
type Algorithm = keyof typeof DIGESTS;
const composite = async (algorithm: Algorithm) =>
  `${(await DIGESTS[algorithm](Buffer.concat(await Promise.all(parts.map((p) => DIGESTS[algorithm](p)))))).toString('base64')}-${parts.length}`;

describe('multipart upload checksums with @aws-sdk/client-s3', () => {
  let s3: S3.S3Client;
  beforeAll(async () => {
    s3 = (await startTestService()).s3();
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'sums' }));
  });

  async function upload(Key: string, ChecksumAlgorithm: Algorithm, ChecksumType?: 'COMPOSITE' | 'FULL_OBJECT') {
    const created = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'sums', Key, ChecksumAlgorithm, ChecksumType }));
    const member = `Checksum${ChecksumAlgorithm}` as const;
    const done = [];
    for (const [i, Body] of parts.entries()) {
      const part = await s3.send(new S3.UploadPartCommand({ Bucket: 'sums', Key, UploadId: created.UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm }));
      expect(part[member], `part ${i + 1}'s ${member}`).toBe((await DIGESTS[ChecksumAlgorithm](Body)).toString('base64'));
      done.push({ PartNumber: i + 1, ETag: part.ETag, [member]: part[member] });
    }
    const completed = await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'sums', Key, UploadId: created.UploadId, MultipartUpload: { Parts: done } }));
    return { created, completed, member };
  }

  it.each(['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const)('%s COMPOSITE (the default): the checksum of the parts\' checksums, "-2", on Complete, GET and HEAD', async (algorithm) => {
    const { created, completed, member } = await upload(`composite-${algorithm}`, algorithm);
    expect(created).toMatchObject({ ChecksumAlgorithm: algorithm, ChecksumType: 'COMPOSITE' });
    const expected = await composite(algorithm);
    expect(completed).toMatchObject({ [member]: expected, ChecksumType: 'COMPOSITE' });
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'sums', Key: `composite-${algorithm}`, ChecksumMode: 'ENABLED' }));
    expect(got).toMatchObject({ [member]: expected, ChecksumType: 'COMPOSITE' });
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(whole)).toBe(true);
    expect(await s3.send(new S3.HeadObjectCommand({ Bucket: 'sums', Key: `composite-${algorithm}`, ChecksumMode: 'ENABLED' })))
      .toMatchObject({ [member]: expected, ChecksumType: 'COMPOSITE' });
  });

  it.each([['CRC32', 'FULL_OBJECT'], ['CRC32C', 'FULL_OBJECT'], ['CRC64NVME', undefined]] as const)(
    '%s FULL_OBJECT: the checksum of the whole object, which the SDK validates on GET', async (algorithm, type) => {
      const { created, completed, member } = await upload(`full-${algorithm}`, algorithm, type);
      expect(created).toMatchObject({ ChecksumAlgorithm: algorithm, ChecksumType: 'FULL_OBJECT' });
      const expected = (await DIGESTS[algorithm](whole)).toString('base64');
      expect(completed).toMatchObject({ [member]: expected, ChecksumType: 'FULL_OBJECT' });
      const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'sums', Key: `full-${algorithm}`, ChecksumMode: 'ENABLED' }));
      expect(got).toMatchObject({ [member]: expected, ChecksumType: 'FULL_OBJECT' });
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(whole)).toBe(true);
    });

  it.each([['SHA256', undefined], ['CRC64NVME', undefined]] as const)(
    '%s: GET and HEAD with partNumber answer that part\'s checksum (which the SDK validates against the part it reads), a Range none', async (algorithm, type) => {
      const Key = `by-part-${algorithm}`;
      const { member } = await upload(Key, algorithm, type);
      for (const [i, part] of parts.entries()) {
        const expected = (await DIGESTS[algorithm](part)).toString('base64');
        const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'sums', Key, PartNumber: i + 1, ChecksumMode: 'ENABLED' }));
        expect(got[member], `part ${i + 1}`).toBe(expected);
        expect(Buffer.from(await got.Body!.transformToByteArray()).equals(part)).toBe(true);
        const head = await s3.send(new S3.HeadObjectCommand({ Bucket: 'sums', Key, PartNumber: i + 1, ChecksumMode: 'ENABLED' }));
        expect(head[member], `part ${i + 1}`).toBe(expected);
        // Without ChecksumMode, no checksum.
        expect((await s3.send(new S3.HeadObjectCommand({ Bucket: 'sums', Key, PartNumber: i + 1 })))[member]).toBeUndefined();
      }
      const ranged = await s3.send(new S3.GetObjectCommand({ Bucket: 'sums', Key, Range: `bytes=0-${parts[0]!.length - 1}`, ChecksumMode: 'ENABLED' }));
      expect([ranged[member], ranged.ChecksumType]).toEqual([undefined, undefined]);
      await ranged.Body!.transformToByteArray();
      expect(await failure(s3.send(new S3.HeadObjectCommand({ Bucket: 'sums', Key, PartNumber: 3, ChecksumMode: 'ENABLED' })))).toMatchObject({ status: 416 });
    });

  it('no checksum for part 1 of an object put whole (a ranged read), nor per part of an upload without a checksum algorithm', async () => {
    const body = Buffer.from('put in one piece');
    await s3.send(new S3.PutObjectCommand({ Bucket: 'sums', Key: 'one-piece', Body: body, ChecksumAlgorithm: 'CRC32C' }));
    expect((await s3.send(new S3.HeadObjectCommand({ Bucket: 'sums', Key: 'one-piece', ChecksumMode: 'ENABLED' }))).ChecksumCRC32C).toBeDefined();
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'sums', Key: 'one-piece', PartNumber: 1, ChecksumMode: 'ENABLED' }));
    expect(got.ChecksumCRC32C).toBeUndefined();
    expect(await got.Body!.transformToString()).toBe('put in one piece');
    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'sums', Key: 'plain' }));
    const part = await s3.send(new S3.UploadPartCommand({ Bucket: 'sums', Key: 'plain', UploadId, PartNumber: 1, Body: 'x' }));
    await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'sums', Key: 'plain', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    const head = await s3.send(new S3.HeadObjectCommand({ Bucket: 'sums', Key: 'plain', PartNumber: 1, ChecksumMode: 'ENABLED' }));
    expect([head.ChecksumCRC32, head.ChecksumCRC32C, head.ChecksumCRC64NVME, head.ChecksumSHA1, head.ChecksumSHA256]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('refuses SHA with FULL_OBJECT and CRC64NVME with COMPOSITE (InvalidRequest), and a part checksum on Complete that is not the part\'s (InvalidPart)', async () => {
    expect(await failure(s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'sums', Key: 'x', ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' }))))
      .toMatchObject({ name: 'InvalidRequest', status: 400 });
    expect(await failure(s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'sums', Key: 'x', ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'COMPOSITE' }))))
      .toMatchObject({ name: 'InvalidRequest', status: 400 });
    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'sums', Key: 'wrong', ChecksumAlgorithm: 'CRC32' }));
    const part = await s3.send(new S3.UploadPartCommand({ Bucket: 'sums', Key: 'wrong', UploadId, PartNumber: 1, Body: 'only part', ChecksumAlgorithm: 'CRC32' }));
    const flipped = Buffer.from(part.ChecksumCRC32!, 'base64');
    flipped[0]! ^= 1;
    expect(await failure(s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'sums', Key: 'wrong', UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: flipped.toString('base64') }] } })))).toMatchObject({ name: 'InvalidPart', status: 400 });
    expect(await failure(s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'sums', Key: 'wrong', UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumSHA256: createHash('sha256').update('only part').digest('base64') }] } }))))
      .toMatchObject({ name: 'InvalidPart', status: 400 });
    const done = await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'sums', Key: 'wrong', UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] } }));
    expect(done.ChecksumCRC32).toBe(`${crc(() => new Crc32(), Buffer.from(part.ChecksumCRC32!, 'base64')).toString('base64')}-1`);
  });
});
