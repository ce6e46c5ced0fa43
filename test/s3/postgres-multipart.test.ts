// Multipart uploads on PostgreSQL (s3_uploads): several ObjectStores on one database, as several
// processes or servers behind a load balancer would be. An upload created through one takes parts
// through both and completes through the other; ListParts agrees everywhere; Abort through one
// removes parts another stored; a part whose body streams in while another store aborts the upload is
// refused and leaves no body; a store opened
// later (or after a restart) finds the upload; its orphan cleanup keeps live parts' bodies; an edited
// upload row is refused. Bodies in a shared directory and in the database.
import { readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { heldBody } from '../helpers/held-body.js';
import { POSTGRES_URL } from '../helpers/postgres.js';
import { postgresObjectStores } from '../helpers/postgres-object-stores.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const MiB = 1024 * 1024;
const rng = new SeededRandom(1314);
const tempDir = temporaryDirectories('kms-wasm-pg-mpu-');
const customerKey = Buffer.from(rng.bytes(32));
const customer = {
  SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64'),
};

describe.skipIf(!POSTGRES_URL)('multipart uploads on PostgreSQL', () => {
  const db = postgresObjectStores();
  const { rootKey, open } = db;
  let schemas = 0;
  const bodyCount = async (schema: string, bodies: string | undefined) => (bodies ? readdirSync(bodies).length
    : Number((await db.sql.query(`SELECT count(DISTINCT body_id) AS n FROM ${schema}.s3_bodies`)).rows[0].n));

  for (const where of ['directory', 'database'] as const) {
    for (const [mode, headers] of [['SSE-S3', {}], ['SSE-C', customer]] as const) {
      it(`bodies in the ${where}, ${mode}: created on A, parts on A and B, completed on B, read on A`, async () => {
        const schema = `mpu_${schemas++}`;
        const bodies = where === 'directory' ? tempDir() : undefined;
        const [a, b] = [open(schema, bodies), open(schema, bodies)];
        await a.createBucket({ Bucket: 'shared' });
        const parts = [rng.bytes(5 * MiB), rng.bytes(5 * MiB + 5), rng.bytes(321)];
        const { UploadId } = await a.createMultipartUpload({ Bucket: 'shared', Key: 'big', ContentType: 'application/x-test', ...headers });
        const first = await a.uploadPart({ Bucket: 'shared', Key: 'big', UploadId, PartNumber: 1, Body: parts[0]!, ...headers });
        const second = await b.uploadPart({ Bucket: 'shared', Key: 'big', UploadId, PartNumber: 2, Body: parts[1]!, ...headers });
        const third = await a.uploadPart({ Bucket: 'shared', Key: 'big', UploadId, PartNumber: 3, Body: parts[2]!, ...headers });
        const listed = await b.listParts({ Bucket: 'shared', Key: 'big', UploadId });
        expect(listed.Parts.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([[1, first.ETag, 5 * MiB], [2, second.ETag, 5 * MiB + 5], [3, third.ETag, 321]]);
        expect(await a.listParts({ Bucket: 'shared', Key: 'big', UploadId })).toEqual(listed);
        if (mode === 'SSE-C') {
          await expect(b.uploadPart({ Bucket: 'shared', Key: 'big', UploadId, PartNumber: 4, Body: 'x' })).rejects.toMatchObject({ name: 'InvalidRequest' });
          const { rows } = await db.sql.query(`SELECT record FROM ${schema}.s3_uploads`);
          for (const secret of [customer.SSECustomerKey, customer.SSECustomerKeyMD5, customerKey.toString('hex')]) expect(JSON.stringify(rows)).not.toContain(secret);
        }
        await b.completeMultipartUpload({ Bucket: 'shared', Key: 'big', UploadId, ...headers,
          MultipartUpload: { Parts: [first, second, third].map(({ ETag }, i) => ({ PartNumber: i + 1, ETag })) } });
        const got = await a.getObject({ Bucket: 'shared', Key: 'big', ...headers });
        expect(Buffer.from(await got.Body.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
        expect(got.ContentType).toBe('application/x-test');
        expect(await bodyCount(schema, bodies)).toBe(3); // the object is served from the parts' bodies, stored by both, as they are
        await expect(a.listParts({ Bucket: 'shared', Key: 'big', UploadId })).rejects.toMatchObject({ name: 'NoSuchUpload' });
        await expect(a.uploadPart({ Bucket: 'shared', Key: 'big', UploadId, PartNumber: 1, Body: 'late', ...headers })).rejects.toMatchObject({ name: 'NoSuchUpload' });
        expect(await bodyCount(schema, bodies)).toBe(3); // the refused part's body is removed
        const later = open(schema, bodies, 0); // a restarted server: its orphan cleanup keeps the object's parts
        expect(Buffer.from(await (await later.getObject({ Bucket: 'shared', Key: 'big', Range: `bytes=${5 * MiB - 3}-${5 * MiB + 2}`, ...headers })).Body.transformToByteArray()))
          .toEqual(Buffer.concat(parts).subarray(5 * MiB - 3, 5 * MiB + 3));
        expect(await bodyCount(schema, bodies)).toBe(3);
        await b.deleteObject({ Bucket: 'shared', Key: 'big' });
        expect(await bodyCount(schema, bodies)).toBe(0);
      });
    }

    it(`bodies in the ${where}: Abort on one removes the parts another stored; a store opened later finds a live upload and its cleanup keeps its parts`, async () => {
      const schema = `mpu_${schemas++}`;
      const bodies = where === 'directory' ? tempDir() : undefined;
      const [a, b] = [open(schema, bodies), open(schema, bodies)];
      await a.createBucket({ Bucket: 'shared' });
      const gone = await a.createMultipartUpload({ Bucket: 'shared', Key: 'gone' });
      await b.uploadPart({ Bucket: 'shared', Key: 'gone', UploadId: gone.UploadId, PartNumber: 1, Body: 'b stored this' });
      await a.uploadPart({ Bucket: 'shared', Key: 'gone', UploadId: gone.UploadId, PartNumber: 2, Body: 'a stored this' });
      const live = await b.createMultipartUpload({ Bucket: 'shared', Key: 'live' });
      const part = await a.uploadPart({ Bucket: 'shared', Key: 'live', UploadId: live.UploadId, PartNumber: 1, Body: 'still here' });
      await b.uploadPart({ Bucket: 'shared', Key: 'live', UploadId: live.UploadId, PartNumber: 1, Body: 'first try' });
      const replaced = await a.uploadPart({ Bucket: 'shared', Key: 'live', UploadId: live.UploadId, PartNumber: 1, Body: 'still here' });
      expect(replaced.ETag).toBe(part.ETag);
      expect(await bodyCount(schema, bodies)).toBe(3); // two of the aborted upload's parts, one of the live one's (each replaced body removed)
      await a.abortMultipartUpload({ Bucket: 'shared', Key: 'gone', UploadId: gone.UploadId });
      expect(await bodyCount(schema, bodies)).toBe(1);
      await expect(b.listParts({ Bucket: 'shared', Key: 'gone', UploadId: gone.UploadId })).rejects.toMatchObject({ name: 'NoSuchUpload' });

      // A part whose body was streaming in when another store aborted its upload: refused, its body removed.
      const racing = await a.createMultipartUpload({ Bucket: 'shared', Key: 'racing' });
      const { body, reading, release } = heldBody();
      const late = b.uploadPart({ Bucket: 'shared', Key: 'racing', UploadId: racing.UploadId, PartNumber: 1, Body: body });
      await reading;
      await a.abortMultipartUpload({ Bucket: 'shared', Key: 'racing', UploadId: racing.UploadId });
      release();
      await expect(late).rejects.toMatchObject({ name: 'NoSuchUpload' });
      expect(await bodyCount(schema, bodies)).toBe(1);

      const later = open(schema, bodies, 0); // a restarted server: no grace, so only the records protect the part
      expect(await later.listParts({ Bucket: 'shared', Key: 'live', UploadId: live.UploadId })).toEqual(await b.listParts({ Bucket: 'shared', Key: 'live', UploadId: live.UploadId }));
      expect(await bodyCount(schema, bodies)).toBe(1);
      await later.completeMultipartUpload({ Bucket: 'shared', Key: 'live', UploadId: live.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } });
      expect(await (await b.getObject({ Bucket: 'shared', Key: 'live' })).Body.transformToString()).toBe('still here');
    });
  }

  it('a completion on one store racing an abort on another: exactly one wins, and its answer is what is stored', async () => {
    const schema = `mpu_${schemas++}`;
    const [a, b] = [open(schema, undefined), open(schema, undefined)];
    await a.createBucket({ Bucket: 'shared' });
    const winners = { complete: 0, abort: 0 };
    for (let round = 0; round < 12; round++) {
      const Key = `race-${round}`;
      const { UploadId } = await a.createMultipartUpload({ Bucket: 'shared', Key });
      const { ETag } = await b.uploadPart({ Bucket: 'shared', Key, UploadId, PartNumber: 1, Body: `round ${round}` });
      // Half the rounds start the abort first: either may take the store's lock first.
      const complete = () => a.completeMultipartUpload({ Bucket: 'shared', Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } });
      const abort = () => b.abortMultipartUpload({ Bucket: 'shared', Key, UploadId });
      const [completed, aborted] = round % 2 === 0 ? await Promise.allSettled([complete(), abort()]) : (await Promise.allSettled([abort(), complete()])).reverse();
      expect([completed!.status, aborted!.status].filter((status) => status === 'fulfilled')).toHaveLength(1);
      const loser = completed!.status === 'fulfilled' ? aborted : completed;
      expect((loser as PromiseRejectedResult).reason).toMatchObject({ name: 'NoSuchUpload' });
      for (const store of [a, b]) {
        await expect(store.listParts({ Bucket: 'shared', Key, UploadId })).rejects.toMatchObject({ name: 'NoSuchUpload' });
        if (completed!.status === 'fulfilled') expect(await (await store.getObject({ Bucket: 'shared', Key })).Body.transformToString()).toBe(`round ${round}`);
        else await expect(store.getObject({ Bucket: 'shared', Key })).rejects.toMatchObject({ name: 'NoSuchKey' });
      }
      winners[completed!.status === 'fulfilled' ? 'complete' : 'abort']++;
    }
    expect(await bodyCount(schema, undefined)).toBe(winners.complete); // each completed object's part; every aborted upload's removed
  });

  it('an edited upload row is refused with a StoreIntegrityError, by a new opener and by a running store catching up', async () => {
    const schema = `mpu_${schemas++}`;
    const a = open(schema, undefined);
    await a.createBucket({ Bucket: 'shared' });
    const { UploadId } = await a.createMultipartUpload({ Bucket: 'shared', Key: 'k' });
    await a.uploadPart({ Bucket: 'shared', Key: 'k', UploadId, PartNumber: 1, Body: 'x' });
    const running = open(schema, undefined);
    await running.listBuckets();
    await db.sql.query(`UPDATE ${schema}.s3_uploads SET record = replace(record, '"size":1', '"size":2'), seq = seq + 100 WHERE part_number = 1`);
    await db.sql.query(`UPDATE ${schema}.s3_store SET change_seq = change_seq + 100`);
    await expect(open(schema, undefined).listBuckets()).rejects.toMatchObject({ name: 'StoreIntegrityError', message: expect.stringContaining('s3_uploads') });
    await expect(running.listBuckets()).rejects.toMatchObject({ name: 'StoreIntegrityError', message: expect.stringContaining('s3_uploads') });
  });
});
