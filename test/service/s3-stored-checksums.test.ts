// Stored checksums (S3 User Guide, "Checking object integrity"; API Reference, GetObject ChecksumMode):
// the x-amz-checksum-* a PUT carries (a header for a buffered body, a trailer for a streamed one) is
// verified, kept with the object version, and returned by GET and HEAD only with
// `x-amz-checksum-mode: ENABLED`, never on a ranged GET; it survives a restart. The SDK itself
// validates the body it reads against the checksum returned, so a wrong stored value would fail the GET.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Crc32 } from '@aws-crypto/crc32';
import { Crc32c } from '@aws-crypto/crc32c';
import * as S3 from '@aws-sdk/client-s3';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { beforeAll, describe, expect, it } from 'vitest';
import { failure, startTestService, type TestService } from './service-fixture.js';

const body = Buffer.from('the quick brown fox jumps over the lazy dog, '.repeat(100));
const crcBase64 = (crc: Crc32 | Crc32c) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc.update(body).digest() >>> 0);
  return bytes.toString('base64');
};
const SHA256 = createHash('sha256').update(body).digest('base64');
const CRC32 = crcBase64(new Crc32());
const CRC32C = crcBase64(new Crc32c());

describe('stored checksums with @aws-sdk/client-s3 ChecksumMode', () => {
  let t: TestService;
  let s3: S3.S3Client;
  beforeAll(async () => {
    t = await startTestService();
    s3 = t.s3();
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'checksums' }));
  });

  it('a SHA-256 sent as a header comes back on GET and HEAD with ChecksumMode ENABLED, and only then', async () => {
    await s3.send(new S3.PutObjectCommand({ Bucket: 'checksums', Key: 'sha', Body: body, ChecksumAlgorithm: 'SHA256', ServerSideEncryption: 'aws:kms' }));
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'checksums', Key: 'sha', ChecksumMode: 'ENABLED' }));
    expect(got).toMatchObject({ ChecksumSHA256: SHA256, ChecksumType: 'FULL_OBJECT' });
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(await s3.send(new S3.HeadObjectCommand({ Bucket: 'checksums', Key: 'sha', ChecksumMode: 'ENABLED' }))).toMatchObject({ ChecksumSHA256: SHA256 });
    // The SDK asks for checksums on every GetObject unless told to validate only when required.
    const plain = await t.s3(undefined, { responseChecksumValidation: 'WHEN_REQUIRED' }).send(new S3.GetObjectCommand({ Bucket: 'checksums', Key: 'sha' }));
    await plain.Body!.transformToByteArray();
    expect(plain.ChecksumSHA256).toBeUndefined();
    expect((await s3.send(new S3.HeadObjectCommand({ Bucket: 'checksums', Key: 'sha' }))).ChecksumSHA256).toBeUndefined();
  });

  it('a ranged GET returns no whole-object checksum', async () => {
    await s3.send(new S3.PutObjectCommand({ Bucket: 'checksums', Key: 'ranged', Body: body, ChecksumAlgorithm: 'CRC32' }));
    const ranged = await s3.send(new S3.GetObjectCommand({ Bucket: 'checksums', Key: 'ranged', Range: 'bytes=0-9', ChecksumMode: 'ENABLED' }));
    expect(await ranged.Body!.transformToString()).toBe(body.subarray(0, 10).toString());
    expect(ranged.ChecksumCRC32).toBeUndefined();
    expect((await s3.send(new S3.HeadObjectCommand({ Bucket: 'checksums', Key: 'ranged', ChecksumMode: 'ENABLED' }))).ChecksumCRC32).toBe(CRC32);
  });

  it('a CRC32C sent as an aws-chunked trailer (a stream body) is stored; a PUT without a checksum stores none', async () => {
    await s3.send(new S3.PutObjectCommand({ Bucket: 'checksums', Key: 'streamed', Body: Readable.from([body.subarray(0, 1000), body.subarray(1000)]),
      ContentLength: body.length, ChecksumAlgorithm: 'CRC32C' }));
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'checksums', Key: 'streamed', ChecksumMode: 'ENABLED' }));
    expect(got.ChecksumCRC32C).toBe(CRC32C);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    const noChecksums = t.s3(undefined, { requestChecksumCalculation: 'WHEN_REQUIRED' });
    await noChecksums.send(new S3.PutObjectCommand({ Bucket: 'checksums', Key: 'bare', Body: body }));
    const bare = await s3.send(new S3.HeadObjectCommand({ Bucket: 'checksums', Key: 'bare', ChecksumMode: 'ENABLED' }));
    expect([bare.ChecksumCRC32, bare.ChecksumCRC32C, bare.ChecksumSHA1, bare.ChecksumSHA256, bare.ChecksumType]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  // CRC-64/NVME's check value (the CRC of "123456789", RevEng catalogue: 0xae8b14860a799888) as S3 writes it: base64 of 8 big-endian bytes.
  it('CRC64NVME: the known answer is accepted and kept, a flipped one is BadDigest and stores nothing; the SDK\'s own CRC64NVME of a stream is verified on GET', async () => {
    const nine = await s3.send(new S3.PutObjectCommand({ Bucket: 'checksums', Key: 'nine', Body: '123456789', ChecksumCRC64NVME: 'rosUhgp5mIg=' }));
    expect(nine.ChecksumCRC64NVME).toBe('rosUhgp5mIg=');
    expect(await s3.send(new S3.HeadObjectCommand({ Bucket: 'checksums', Key: 'nine', ChecksumMode: 'ENABLED' })))
      .toMatchObject({ ChecksumCRC64NVME: 'rosUhgp5mIg=', ChecksumType: 'FULL_OBJECT' });
    expect(await failure(s3.send(new S3.PutObjectCommand({ Bucket: 'checksums', Key: 'flipped', Body: '123456789', ChecksumCRC64NVME: 'rosUhgp5mIk=' }))))
      .toMatchObject({ name: 'BadDigest', status: 400 });
    expect(await failure(s3.send(new S3.HeadObjectCommand({ Bucket: 'checksums', Key: 'flipped' })))).toMatchObject({ status: 404 });
    await s3.send(new S3.PutObjectCommand({ Bucket: 'checksums', Key: 'crc64', Body: Readable.from([body.subarray(0, 77), body.subarray(77)]),
      ContentLength: body.length, ChecksumAlgorithm: 'CRC64NVME' }));
    const expected = new Crc64Nvme();
    expected.update(body);
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'checksums', Key: 'crc64', ChecksumMode: 'ENABLED' }));
    expect(got.ChecksumCRC64NVME).toBe(Buffer.from(await expected.digest()).toString('base64'));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('a replaced object answers with the new body\'s checksum; the checksums survive a restart', async () => {
    await s3.send(new S3.PutObjectCommand({ Bucket: 'checksums', Key: 'replaced', Body: 'first', ChecksumAlgorithm: 'SHA256' }));
    await s3.send(new S3.PutObjectCommand({ Bucket: 'checksums', Key: 'replaced', Body: body, ChecksumAlgorithm: 'SHA256' }));
    await t.service.close();
    const again = (await startTestService(t.dir)).s3();
    expect(await again.send(new S3.HeadObjectCommand({ Bucket: 'checksums', Key: 'replaced', ChecksumMode: 'ENABLED' }))).toMatchObject({ ChecksumSHA256: SHA256 });
    expect(await again.send(new S3.HeadObjectCommand({ Bucket: 'checksums', Key: 'streamed', ChecksumMode: 'ENABLED' }))).toMatchObject({ ChecksumCRC32C: CRC32C });
  });
});
