// PutObjectRequest.ContentSHA256 and UploadPartRequest.ContentSHA256: the SHA-256 a body must have (a
// front end's signed x-amz-content-sha256), checked by the ObjectStore against the same hash its ETag
// comes from, before anything is stored. The ETag is the first 16 bytes of the plaintext's SHA-256,
// checked here against node:crypto over bodies that arrive in uneven pieces, with and without the field.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore } from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(1503);
const MiB = 1024 * 1024;

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const etagOf = (bytes: Uint8Array) => `"${sha256Hex(bytes).slice(0, 32)}"`;
/** `bytes` as a stream of uneven pieces. */
async function* uneven(bytes: Uint8Array) {
  for (let at = 0, step = 1; at < bytes.length; at += step, step = step * 7 % 300_001 + 1) yield bytes.subarray(at, at + step);
}

async function setup() {
  const s3 = new ObjectStore({ kms: new KeyManagementService({ account: '111122223333', region: 'us-east-1' }) });
  await s3.createBucket({ Bucket: 'hashed' });
  return { s3, bodies: (s3 as unknown as { bodies: { bodies: Map<string, Uint8Array> } }).bodies.bodies };
}

describe('ContentSHA256: the body hashed once, for its check and its ETag', () => {
  it('putObject: the ETag is node:crypto\'s SHA-256, with or without the field; a body of another hash is XAmzContentSHA256Mismatch and stores nothing', async () => {
    const { s3, bodies } = await setup();
    const body = rng.bytes(3 * MiB + 5);
    for (const [Key, ContentSHA256] of [['plain', undefined], ['checked', sha256Hex(body)]] as const) {
      const put = await s3.putObject({ Bucket: 'hashed', Key, Body: uneven(body), ContentSHA256, ServerSideEncryption: 'aws:kms' });
      expect(put.ETag).toBe(etagOf(body));
      expect(Buffer.from(await (await s3.getObject({ Bucket: 'hashed', Key })).Body.transformToByteArray()).equals(body)).toBe(true);
    }
    const stored = bodies.size;
    const other = body.slice();
    other[body.length - 1]! ^= 1;
    await expect(s3.putObject({ Bucket: 'hashed', Key: 'checked', Body: uneven(other), ContentSHA256: sha256Hex(body) })).rejects.toMatchObject({ name: 'XAmzContentSHA256Mismatch' });
    await expect(s3.putObject({ Bucket: 'hashed', Key: 'new', Body: other, ContentSHA256: sha256Hex(body) })).rejects.toMatchObject({ name: 'XAmzContentSHA256Mismatch' });
    expect(bodies.size).toBe(stored);
    await expect(s3.getObject({ Bucket: 'hashed', Key: 'new' })).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect((await s3.headObject({ Bucket: 'hashed', Key: 'checked' })).ETag).toBe(etagOf(body)); // the version before stays
    // Not a lowercase hex SHA-256: refused before the body is read.
    for (const bad of [sha256Hex(body).toUpperCase(), sha256Hex(body).slice(1), 'UNSIGNED-PAYLOAD']) {
      await expect(s3.putObject({ Bucket: 'hashed', Key: 'bad', Body: body, ContentSHA256: bad })).rejects.toMatchObject({ name: 'InvalidArgument' });
    }
  });

  it('uploadPart: the part\'s ETag likewise; a part of another hash is refused and not listed', async () => {
    const { s3, bodies } = await setup();
    const part = rng.bytes(5 * MiB + 1);
    const { UploadId } = await s3.createMultipartUpload({ Bucket: 'hashed', Key: 'parted' });
    const request = { Bucket: 'hashed', Key: 'parted', UploadId, PartNumber: 1 };
    await expect(s3.uploadPart({ ...request, Body: uneven(part.subarray(1)), ContentSHA256: sha256Hex(part) })).rejects.toMatchObject({ name: 'XAmzContentSHA256Mismatch' });
    expect((await s3.listParts({ Bucket: 'hashed', Key: 'parted', UploadId })).Parts).toEqual([]);
    expect(bodies.size).toBe(0);
    const uploaded = await s3.uploadPart({ ...request, Body: uneven(part), ContentSHA256: sha256Hex(part) });
    expect(uploaded.ETag).toBe(etagOf(part));
    expect((await s3.uploadPart({ ...request, PartNumber: 2, Body: part })).ETag).toBe(etagOf(part));
  });
});
