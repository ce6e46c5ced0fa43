// A completed multipart object is served from its parts' bodies as they were stored, each bound to
// the object, its upload and its part number (src/s3/body-binding.ts). An attacker who can write the
// bodies reorders them, swaps in a part of another upload or object or an earlier upload of the same
// part number, cuts one short, flips a byte or removes one: every read that reaches the part fails
// with a typed error (AuthenticationError for a body that is not the part's, AuthenticationError or
// MessageFormatError for one changed or cut short), and once the bodies are put back the object reads.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, KeyManagementService, MessageFormatError, ObjectStore } from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { sseModes } from '../helpers/sse-modes.js';

const MiB = 1024 * 1024;
const rng = new SeededRandom(1515);
const customerKey = Buffer.from(rng.bytes(32));
const customerHeaders = {
  SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64'),
};

const MODES = sseModes(customerHeaders);

interface Internals {
  bodies: { bodies: Map<string, Uint8Array> };
  buckets: Map<string, { objects: Map<string, Array<{ partBodies?: { bodyIds: string[] } }>> }>;
  access: { state: { uploads: Map<string, { parts: Map<number, { bodyId: string }> }> } };
}
const internals = (s3: ObjectStore) => s3 as unknown as Internals;

/** Uploads `parts` as `key` through one upload and completes it; returns the upload id and the part bodies' ids in order. */
async function uploaded(s3: ObjectStore, key: string, parts: Uint8Array[], put: object, get: object) {
  const { UploadId } = await s3.createMultipartUpload({ Bucket: 'parts', Key: key, ...put });
  const etags: string[] = [];
  for (const [i, body] of parts.entries()) etags.push((await s3.uploadPart({ Bucket: 'parts', Key: key, UploadId, PartNumber: i + 1, Body: body, ...get })).ETag);
  const bodyIds = [...internals(s3).access.state.uploads.get(UploadId)!.parts.values()].map((p) => p.bodyId);
  await s3.completeMultipartUpload({ Bucket: 'parts', Key: key, UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) } });
  return { UploadId, bodyIds };
}

describe.each(MODES)('a multipart object served from its parts, $mode', ({ put, get }) => {
  it('reads whole, by range across parts and by part number; every tampering with a part fails loudly; put back, it reads again', async () => {
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const s3 = new ObjectStore({ kms });
    await s3.createBucket({ Bucket: 'parts' });
    const parts = [rng.bytes(5 * MiB), rng.bytes(5 * MiB + 7), rng.bytes(140_000)];
    const whole = Buffer.concat(parts);
    // Part 2 is uploaded twice: its first body, kept aside, is what an attacker might put back.
    const { UploadId } = await s3.createMultipartUpload({ Bucket: 'parts', Key: 'big', ...put });
    const bodies = internals(s3).bodies.bodies;
    const etags: string[] = [];
    for (const [i, body] of parts.entries()) etags.push((await s3.uploadPart({ Bucket: 'parts', Key: 'big', UploadId, PartNumber: i + 1, Body: body, ...get })).ETag);
    const earlier = bodies.get(internals(s3).access.state.uploads.get(UploadId)!.parts.get(2)!.bodyId)!;
    await s3.uploadPart({ Bucket: 'parts', Key: 'big', UploadId, PartNumber: 2, Body: parts[1]!, ...get });
    const ids = [...internals(s3).access.state.uploads.get(UploadId)!.parts.entries()].sort(([a], [b]) => a - b).map(([, p]) => p.bodyId);
    await s3.completeMultipartUpload({ Bucket: 'parts', Key: 'big', UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) } });
    expect(internals(s3).buckets.get('parts')!.objects.get('big')!.at(-1)!.partBodies!.bodyIds).toEqual(ids);
    expect(bodies.size).toBe(3); // the parts as stored are the object; nothing was re-encrypted

    const request = { Bucket: 'parts', Key: 'big', ...get };
    const read = async (extra: object = {}) => Buffer.from(await (await s3.getObject({ ...request, ...extra })).Body.transformToByteArray());
    const readsIntact = async () => {
      expect((await read()).equals(whole)).toBe(true);
      const from = 5 * MiB - 10;
      expect((await read({ Range: `bytes=${from}-${from + 5 * MiB + 20}` })).equals(whole.subarray(from, from + 5 * MiB + 21))).toBe(true);
      expect((await read({ Range: 'bytes=-100' })).equals(whole.subarray(-100))).toBe(true);
      for (const [i, part] of parts.entries()) expect((await read({ PartNumber: i + 1 })).equals(Buffer.from(part))).toBe(true);
    };
    await readsIntact();
    const original = ids.map((id) => bodies.get(id)!);
    const restore = () => ids.forEach((id, i) => bodies.set(id, original[i]!));
    /** The whole read and a read of part `n` fail with one of `errors`. */
    const refused = async (n: number, errors: Array<new (...args: never[]) => Error>) => {
      for (const attempt of [read(), read({ PartNumber: n })]) {
        const error = await attempt.then(() => undefined, (e: unknown) => e);
        expect(errors.some((type) => error instanceof type), `part ${n}: ${String(error)}`).toBe(true);
      }
    };

    // Two parts' bodies swapped.
    bodies.set(ids[0]!, original[1]!);
    bodies.set(ids[1]!, original[0]!);
    await refused(1, [AuthenticationError]);
    await refused(2, [AuthenticationError]);
    restore();
    // An earlier upload of part 2 (same bytes, same ETag) put back under the part's body id.
    bodies.set(ids[1]!, earlier);
    await refused(2, [AuthenticationError]);
    restore();
    // A part of another upload of the same key (in progress), and of another object, put in place of part 1.
    const pending = await s3.createMultipartUpload({ Bucket: 'parts', Key: 'big', ...put });
    await s3.uploadPart({ Bucket: 'parts', Key: 'big', UploadId: pending.UploadId, PartNumber: 1, Body: parts[0]!, ...get });
    const elsewhere = await uploaded(s3, 'other', [parts[0]!], put, get);
    const foreign = [bodies.get(internals(s3).access.state.uploads.get(pending.UploadId)!.parts.get(1)!.bodyId)!, bodies.get(elsewhere.bodyIds[0]!)!];
    for (const body of foreign) {
      bodies.set(ids[0]!, body);
      await refused(1, [AuthenticationError]);
    }
    restore();
    // Each part cut short (its final frame dropped, or just its last byte), or with one byte flipped (in its header, a frame, its last tag).
    for (const [i, body] of original.entries()) {
      for (const cut of [body.subarray(0, body.length - 1), body.subarray(0, body.length - 70_000), new Uint8Array(0)]) {
        bodies.set(ids[i]!, cut);
        await refused(i + 1, [AuthenticationError, MessageFormatError]);
      }
      for (const at of [40, Math.floor(body.length / 2), body.length - 1]) {
        const flipped = body.slice();
        flipped[at]! ^= 0x01;
        bodies.set(ids[i]!, flipped);
        await refused(i + 1, [AuthenticationError, MessageFormatError]);
      }
      restore();
    }
    // A part's body removed: S3's InternalError naming the object and the part, for the reads that reach it; part 1 still reads.
    bodies.delete(ids[1]!);
    for (const attempt of [read(), read({ PartNumber: 2 }), read({ Range: `bytes=${5 * MiB}-${5 * MiB}` })]) {
      await expect(attempt).rejects.toMatchObject({ name: 'InternalError',
        message: expect.stringMatching(new RegExp(`^arn:aws:s3:::parts/big \\(uploadId=${UploadId}&partNumber=2\\): object body ${ids[1]} is missing from the store$`)) });
    }
    expect((await read({ PartNumber: 1 })).equals(Buffer.from(parts[0]!))).toBe(true);
    // HeadObject reads the first part's header only where KMS must allow the read (SSE-KMS, DSSE-KMS): there, that part gone is InternalError too.
    bodies.delete(ids[0]!);
    const head = s3.headObject(request);
    if ('ServerSideEncryption' in put && put.ServerSideEncryption.startsWith('aws:kms')) await expect(head).rejects.toMatchObject({ name: 'InternalError' });
    else expect((await head).ContentLength).toBe(whole.length);
    restore();
    await readsIntact();
    // Deleting the object removes every part's body.
    await s3.abortMultipartUpload({ Bucket: 'parts', Key: 'big', UploadId: pending.UploadId });
    await s3.deleteObject({ Bucket: 'parts', Key: 'big' });
    await s3.deleteObject({ Bucket: 'parts', Key: 'other' });
    expect(bodies.size).toBe(0);
  });
});
