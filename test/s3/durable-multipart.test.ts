// Multipart uploads are records of the metadata store (upload-records.ts), so a directory store keeps
// them across a restart: ListParts answers the same, parts go on and the upload completes; an SSE-C
// upload still needs its key (which is never written: only its salted check); Abort removes the parts'
// bodies; the orphaned-body cleanup on open keeps the bodies of live uploads' parts; compaction of the
// journal keeps uploads. Several stores sharing PostgreSQL: postgres-multipart.test.ts.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore } from '../../src/node.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const MiB = 1024 * 1024;
const rng = new SeededRandom(1313);
const tempDir = temporaryDirectories('kms-wasm-durable-mpu-');
const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
const customerKey = Buffer.from(rng.bytes(32));
const customer = {
  SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64'),
};
const bodyFiles = (dir: string) => readdirSync(join(dir, 'objects')).sort();

async function newStore() {
  const dir = tempDir();
  const store = new ObjectStore({ kms, dir });
  await store.createBucket({ Bucket: 'ups' });
  return { dir, store };
}

describe('multipart uploads in a directory store survive a restart', () => {
  for (const [mode, headers] of [['SSE-S3', {}], ['SSE-C', customer]] as const) {
    it(`${mode}: ListParts answers the same after a restart; parts go on and the upload completes`, async () => {
      const { dir, store } = await newStore();
      const parts = [rng.bytes(5 * MiB), rng.bytes(5 * MiB + 1), rng.bytes(777)];
      const { UploadId } = await store.createMultipartUpload({ Bucket: 'ups', Key: 'big', Metadata: { kind: 'backup' }, ...headers });
      const first = await store.uploadPart({ Bucket: 'ups', Key: 'big', UploadId, PartNumber: 1, Body: parts[0]!, ...headers });
      const third = await store.uploadPart({ Bucket: 'ups', Key: 'big', UploadId, PartNumber: 3, Body: parts[2]!, ...headers });
      const before = await store.listParts({ Bucket: 'ups', Key: 'big', UploadId });
      await store.close();

      const reopened = new ObjectStore({ kms, dir });
      expect(await reopened.listParts({ Bucket: 'ups', Key: 'big', UploadId })).toEqual(before);
      expect(before.Parts.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([[1, first.ETag, 5 * MiB], [3, third.ETag, 777]]);
      if (mode === 'SSE-C') {
        await expect(reopened.uploadPart({ Bucket: 'ups', Key: 'big', UploadId, PartNumber: 2, Body: parts[1]! })).rejects.toMatchObject({ name: 'InvalidRequest' });
        const journal = readFileSync(join(dir, 's3-journal.log'), 'utf8');
        for (const secret of [customer.SSECustomerKey, customer.SSECustomerKeyMD5, customerKey.toString('hex')]) expect(journal).not.toContain(secret);
      }
      const second = await reopened.uploadPart({ Bucket: 'ups', Key: 'big', UploadId, PartNumber: 2, Body: parts[1]!, ...headers });
      const done = await reopened.completeMultipartUpload({ Bucket: 'ups', Key: 'big', UploadId, ...headers,
        MultipartUpload: { Parts: [first, second, third].map(({ ETag }, i) => ({ PartNumber: i + 1, ETag })) } });
      expect(done.Key).toBe('big');
      const got = await reopened.getObject({ Bucket: 'ups', Key: 'big', ...headers });
      expect(Buffer.from(await got.Body.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
      expect(got.Metadata).toEqual({ kind: 'backup' });
      expect(bodyFiles(dir)).toHaveLength(3); // the object is served from its three parts' bodies, as they were stored
      await reopened.close();

      const again = new ObjectStore({ kms, dir }); // the completion is durable too: the upload is gone, the object reads
      await expect(again.listParts({ Bucket: 'ups', Key: 'big', UploadId })).rejects.toMatchObject({ name: 'NoSuchUpload' });
      const read = await again.getObject({ Bucket: 'ups', Key: 'big', ...headers }); // after the orphaned-body cleanup on open
      expect(Buffer.from(await read.Body.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
      expect(bodyFiles(dir)).toHaveLength(3);
      await again.deleteObject({ Bucket: 'ups', Key: 'big' });
      expect(bodyFiles(dir)).toEqual([]); // deleting the object removes every part's body
      await again.close();
    });
  }

  it('Abort removes the parts\' bodies, and the upload stays gone after a restart', async () => {
    const { dir, store } = await newStore();
    const { UploadId } = await store.createMultipartUpload({ Bucket: 'ups', Key: 'k' });
    for (const PartNumber of [1, 2, 2]) await store.uploadPart({ Bucket: 'ups', Key: 'k', UploadId, PartNumber, Body: rng.bytes(100) });
    expect(bodyFiles(dir)).toHaveLength(2); // part 2's first body replaced
    await store.close();
    const reopened = new ObjectStore({ kms, dir });
    await reopened.abortMultipartUpload({ Bucket: 'ups', Key: 'k', UploadId });
    expect(bodyFiles(dir)).toEqual([]);
    await reopened.close();
    const again = new ObjectStore({ kms, dir });
    await expect(again.uploadPart({ Bucket: 'ups', Key: 'k', UploadId, PartNumber: 1, Body: 'x' })).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await again.close();
  });

  it('the cleanup on open keeps live uploads\' parts and removes bodies nothing names', async () => {
    const { dir, store } = await newStore();
    const { UploadId } = await store.createMultipartUpload({ Bucket: 'ups', Key: 'k' });
    const part = await store.uploadPart({ Bucket: 'ups', Key: 'k', UploadId, PartNumber: 1, Body: 'kept' });
    await store.close();
    const live = bodyFiles(dir);
    writeFileSync(join(dir, 'objects', `${crypto.randomUUID()}.bin`), 'a part whose record was never written');
    const reopened = new ObjectStore({ kms, dir });
    await reopened.listBuckets();
    expect(bodyFiles(dir)).toEqual(live);
    await reopened.completeMultipartUpload({ Bucket: 'ups', Key: 'k', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } });
    expect(await (await reopened.getObject({ Bucket: 'ups', Key: 'k' })).Body.transformToString()).toBe('kept');
    await reopened.close();
  });

  it('a compacted journal keeps the uploads and their parts', async () => {
    const { dir, store } = await newStore();
    const { UploadId } = await store.createMultipartUpload({ Bucket: 'ups', Key: 'k' });
    const part = await store.uploadPart({ Bucket: 'ups', Key: 'k', UploadId, PartNumber: 1, Body: 'kept' });
    // 1,200 lines superseded by uploads started and aborted: enough to make the journal compact.
    const started = await Promise.all(Array.from({ length: 600 }, () => store.createMultipartUpload({ Bucket: 'ups', Key: 'gone' })));
    await Promise.all(started.map(({ UploadId: id }) => store.abortMultipartUpload({ Bucket: 'ups', Key: 'gone', UploadId: id })));
    const before = await store.listParts({ Bucket: 'ups', Key: 'k', UploadId });
    await store.close();
    const lines = () => readFileSync(join(dir, 's3-journal.log'), 'utf8').trim().split('\n').length;
    expect(lines()).toBe(3); // compacted: the bucket, the upload and its part
    const reopened = new ObjectStore({ kms, dir });
    expect(await reopened.listParts({ Bucket: 'ups', Key: 'k', UploadId })).toEqual(before);
    expect(before.Parts.map((p) => p.ETag)).toEqual([part.ETag]);
    await reopened.close();
  });
});
