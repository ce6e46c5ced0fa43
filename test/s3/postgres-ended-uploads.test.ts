// Ended multipart uploads' tombstones in s3_uploads are pruned once older than the store's
// retention (endedUploadRetentionMs), by the transaction that ends another upload; younger ones stay,
// so processes that catch up within the retention learn of the end from them. A process idle for
// longer — whose rows are older than the head's uploads_pruned_seq — still sees every pruned upload
// as ended (it reads the live uploads whole), and keeps the uploads that are still live. The table
// does not grow with the uploads that ended.
import { describe, expect, it } from 'vitest';
import { PostgresObjectMetadata, type ObjectStore } from '../../src/node.js';
import { POSTGRES_URL } from '../helpers/postgres.js';
import { postgresObjectStores } from '../helpers/postgres-object-stores.js';

/** Every part but the last is at least 5 MiB (S3's limit). */
const FIRST_LIVE_PART = 'l'.repeat(5 * 1024 * 1024);

describe.skipIf(!POSTGRES_URL)('PostgresObjectMetadata: ended uploads pruned', () => {
  const db = postgresObjectStores();
  const { rootKey, open } = db;
  let schemas = 0;
  const rowsOf = async (schema: string) => (await db.sql.query(
    `SELECT upload_id, part_number, record IS NULL AS ended FROM ${schema}.s3_uploads ORDER BY upload_id, part_number`)).rows as Array<{ upload_id: string; part_number: number; ended: boolean }>;
  const prunedSeq = async (schema: string) => Number((await db.sql.query(`SELECT uploads_pruned_seq AS n FROM ${schema}.s3_store`)).rows[0].n);
  /** Whether `s3` knows the upload (ListParts answers), or answers NoSuchUpload. */
  const knows = (s3: ObjectStore, Key: string, UploadId: string) => s3.listParts({ Bucket: 'ends', Key, UploadId })
    .then(() => true, (error: Error) => (error.name === 'NoSuchUpload' ? false : Promise.reject(error)));
  /** Makes the tombstones of `uploadId` look ended two hours ago. */
  const age = (schema: string, uploadId: string) => db.sql.query(`UPDATE ${schema}.s3_uploads SET ended_at = now() - interval '2 hours' WHERE upload_id = $1`, [uploadId]);

  it('checks endedUploadRetentionMs, naming it', () => {
    for (const endedUploadRetentionMs of [-1, 1.5, '1']) {
      expect(() => new PostgresObjectMetadata({ connectionString: 'postgres://x/y', rootKey, endedUploadRetentionMs } as never))
        .toThrow(expect.objectContaining({ name: 'InvalidArgument', message: expect.stringContaining('endedUploadRetentionMs') }));
    }
  });

  it('tombstones older than the retention are pruned when another upload ends; younger ones and live uploads stay', async () => {
    const schema = `ended_${schemas++}`;
    const a = open(schema, undefined);
    await a.createBucket({ Bucket: 'ends' });
    const start = async (Key: string) => {
      const { UploadId } = await a.createMultipartUpload({ Bucket: 'ends', Key });
      const part = await a.uploadPart({ Bucket: 'ends', Key, UploadId, PartNumber: 1, Body: `part of ${Key}` });
      return { UploadId: UploadId!, part };
    };
    const old = await start('old');
    const live = await start('live');
    await a.abortMultipartUpload({ Bucket: 'ends', Key: 'old', UploadId: old.UploadId });
    expect((await rowsOf(schema)).filter((r) => r.upload_id === old.UploadId)).toEqual([
      { upload_id: old.UploadId, part_number: 0, ended: true }, { upload_id: old.UploadId, part_number: 1, ended: true }]);
    await age(schema, old.UploadId);
    const young = await start('young');
    await a.completeMultipartUpload({ Bucket: 'ends', Key: 'young', UploadId: young.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: young.part.ETag }] } });
    const ids = new Set((await rowsOf(schema)).map((r) => r.upload_id));
    expect(ids.has(old.UploadId)).toBe(false); // pruned
    expect(ids.has(young.UploadId)).toBe(true); // ended within the retention: kept
    expect(ids.has(live.UploadId)).toBe(true);
    expect(await prunedSeq(schema)).toBeGreaterThan(0);
    // A store opened now sees the live upload only.
    const c = open(schema, undefined);
    expect(await knows(c, 'old', old.UploadId)).toBe(false);
    expect((await c.listParts({ Bucket: 'ends', Key: 'live', UploadId: live.UploadId })).Parts.map((p) => p.ETag)).toEqual([live.part.ETag]);
  });

  it('a store idle past the retention learns that pruned uploads ended, and keeps the live ones', async () => {
    const schema = `ended_${schemas++}`;
    const [a, idle] = [open(schema, undefined), open(schema, undefined)];
    await a.createBucket({ Bucket: 'ends' });
    const uploads: Record<string, { UploadId: string; ETag: string }> = {};
    for (const Key of ['aborted', 'completed', 'live']) {
      const { UploadId } = await a.createMultipartUpload({ Bucket: 'ends', Key });
      const { ETag } = await a.uploadPart({ Bucket: 'ends', Key, UploadId, PartNumber: 1, Body: Key === 'live' ? FIRST_LIVE_PART : `part of ${Key}` });
      uploads[Key] = { UploadId: UploadId!, ETag: ETag! };
    }
    // The idle store saw all three live, then nothing more.
    for (const [Key, { UploadId }] of Object.entries(uploads)) expect(await knows(idle, Key, UploadId)).toBe(true);
    await a.abortMultipartUpload({ Bucket: 'ends', Key: 'aborted', UploadId: uploads.aborted!.UploadId });
    await a.completeMultipartUpload({ Bucket: 'ends', Key: 'completed', UploadId: uploads.completed!.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: uploads.completed!.ETag }] } });
    await age(schema, uploads.aborted!.UploadId);
    await age(schema, uploads.completed!.UploadId);
    const { UploadId: trigger } = await a.createMultipartUpload({ Bucket: 'ends', Key: 'trigger' });
    await a.abortMultipartUpload({ Bucket: 'ends', Key: 'trigger', UploadId: trigger });
    expect(new Set((await rowsOf(schema)).map((r) => r.upload_id))).toEqual(new Set([uploads.live!.UploadId, trigger]));
    // No tombstone tells the idle store of the two ends: it sees them anyway.
    expect(await knows(idle, 'aborted', uploads.aborted!.UploadId)).toBe(false);
    await expect(idle.uploadPart({ Bucket: 'ends', Key: 'completed', UploadId: uploads.completed!.UploadId, PartNumber: 2, Body: 'late' }))
      .rejects.toMatchObject({ name: 'NoSuchUpload' });
    expect(await (await idle.getObject({ Bucket: 'ends', Key: 'completed' })).Body.transformToString()).toBe('part of completed');
    // The live upload goes on through the idle store, its part from before kept.
    const second = await idle.uploadPart({ Bucket: 'ends', Key: 'live', UploadId: uploads.live!.UploadId, PartNumber: 2, Body: ' and more' });
    await idle.completeMultipartUpload({ Bucket: 'ends', Key: 'live', UploadId: uploads.live!.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: uploads.live!.ETag }, { PartNumber: 2, ETag: second.ETag }] } });
    expect(await (await a.getObject({ Bucket: 'ends', Key: 'live' })).Body.transformToString()).toBe(`${FIRST_LIVE_PART} and more`);
  });

  it('with a retention of 0 the table holds only the last ended upload\'s tombstones, however many ended', async () => {
    const schema = `ended_${schemas++}`;
    const [a, b] = [open(schema, undefined, undefined, 0), open(schema, undefined, undefined, 0)];
    await a.createBucket({ Bucket: 'ends' });
    const ended: string[] = [];
    for (let i = 0; i < 6; i++) {
      const s3 = i % 2 === 0 ? a : b;
      const { UploadId } = await s3.createMultipartUpload({ Bucket: 'ends', Key: `k${i}` });
      await s3.uploadPart({ Bucket: 'ends', Key: `k${i}`, UploadId, PartNumber: 1, Body: 'x' });
      expect(await knows(i % 2 === 0 ? b : a, `k${i}`, UploadId!)).toBe(true);
      await s3.abortMultipartUpload({ Bucket: 'ends', Key: `k${i}`, UploadId });
      ended.push(UploadId!);
    }
    expect(new Set((await rowsOf(schema)).map((r) => r.upload_id))).toEqual(new Set([ended.at(-1)]));
    for (const s3 of [a, b]) for (const [i, UploadId] of ended.entries()) expect(await knows(s3, `k${i}`, UploadId)).toBe(false);
  });
});
