// Four processes share one S3 on PostgreSQL (metadata in the database, bodies in one directory or in
// the database too, the KMS on the same database for SSE-KMS) and hammer it for a few seconds (30 s with KMS_WASM_SOAK=1):
// versioned PUTs and version deletes and delete markers on shared keys, PUTs racing on the keys of an
// unversioned bucket, and buckets created, filled, emptied and deleted by several processes at once
// (DeleteBucket racing PUTs). Afterwards a fresh process's view must be consistent: every
// acknowledged PUT not deleted reads back with its bytes, nothing else is there, no bucket was
// deleted with objects in it, and the store holds exactly the live versions' bodies.
// Children run the built package (dist/): `npm run build` first.
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore, PostgresKeyStore, PostgresObjectMetadata } from '../../src/node.js';
import { runChild } from '../helpers/child-processes.js';
import { countedCalls, databaseForFile, lastLine } from '../helpers/child-workload.js';
import { POSTGRES_URL } from '../helpers/postgres.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const PROCESSES = 4;
const SECONDS = process.env.KMS_WASM_SOAK === '1' ? 30 : 3;
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const tempDir = temporaryDirectories('kms-wasm-pg-s3-processes-');

interface Put { bucket: string; key: string; versionId?: string; body: string }
interface WorkerReport {
  calls: Record<string, number>;
  /** Acknowledged PUTs, and the ones this worker deleted afterwards (by version id in `shared`, by key elsewhere). */
  puts: Put[];
  deleted: Put[];
  unexpected: string[];
}

const workerBody = (n: number, options: { connectionString: string; schema: string; bodies?: string }, rootKeyHex: string, keyId: string) => `
const rootKey = Uint8Array.from(Buffer.from(${JSON.stringify(rootKeyHex)}, 'hex'));
const options = ${JSON.stringify(options)};
const kms = new k.KeyManagementService({ account: '${ACCOUNT}', region: '${REGION}', store: new k.PostgresKeyStore({ ...options, rootKey, poolSize: 2 }) });
const s3 = new k.ObjectStore({ kms, store: new k.PostgresObjectMetadata({ ...options, rootKey, poolSize: 3 }) });
const report = { calls: {}, puts: [], deleted: [], unexpected: [] };
${countedCalls('k.S3Error', ['NoSuchBucket', 'BucketNotEmpty', 'BucketAlreadyOwnedByYou'])}
const encryption = () => [{}, { ServerSideEncryption: 'AES256' }, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ${JSON.stringify(keyId)} }][random(3)];
/** Own acknowledged PUTs that may still be read or deleted (one taken out while it is read or deleted, so no read races its deletion). */
const mine = [];
let unique = 0;
await call('ListBuckets', () => s3.listBuckets()); // opens the store: the time counted is the workload's
const deadline = Date.now() + ${SECONDS * 1000};
const lanes = Array.from({ length: 4 }, async () => {
  while (Date.now() < deadline && report.unexpected.length === 0) {
    const dice = random(100);
    if (dice < 30) {
      const put = { bucket: 'shared', key: 'k' + random(5), body: '${n}-' + crypto.randomUUID() };
      const out = await call('PutObject', () => s3.putObject({ Bucket: put.bucket, Key: put.key, Body: put.body, ...encryption() }));
      if (out) {
        put.versionId = out.VersionId;
        report.puts.push(put);
        mine.push(put);
      }
    } else if (dice < 40) {
      const put = mine.splice(random(mine.length), 1)[0];
      if (!put) continue;
      const request = put.bucket === 'shared' ? { Bucket: put.bucket, Key: put.key, VersionId: put.versionId } : { Bucket: put.bucket, Key: put.key };
      if (await call('DeleteObject', () => s3.deleteObject(request))) report.deleted.push(put);
      else mine.push(put);
    } else if (dice < 45) {
      await call('DeleteObject', () => s3.deleteObject({ Bucket: 'shared', Key: 'k' + random(5) })); // a delete marker
    } else if (dice < 60) {
      // Taken out while it is read, as while it is deleted: a read another lane's DeleteObject of the same version overtakes may fail (its body goes).
      const put = mine.splice(random(mine.length), 1)[0];
      if (!put) continue;
      if (put.bucket !== 'plain') {
        const out = await call('GetObject', () => s3.getObject({ Bucket: put.bucket, Key: put.key, VersionId: put.versionId }));
        if (out && (await out.Body.transformToString()) !== put.body) report.unexpected.push('GetObject returned other bytes for ' + JSON.stringify(put));
      }
      mine.push(put);
    } else if (dice < 72) {
      const put = { bucket: 'plain', key: 'p' + random(3), body: '${n}-' + crypto.randomUUID() };
      if (await call('PutObject', () => s3.putObject({ Bucket: put.bucket, Key: put.key, Body: put.body, ...encryption() }))) report.puts.push(put);
    } else {
      const bucket = 'race-' + random(3);
      const what = random(10);
      if (what < 3) await call('CreateBucket', () => s3.createBucket({ Bucket: bucket }));
      else if (what < 6) await call('DeleteBucket', () => s3.deleteBucket({ Bucket: bucket }));
      else {
        const put = { bucket, key: '${n}-' + unique++, body: crypto.randomUUID() };
        if (await call('PutObject', () => s3.putObject({ Bucket: bucket, Key: put.key, Body: put.body, ...encryption() }))) {
          report.puts.push(put);
          mine.push(put);
        }
      }
    }
  }
});
await Promise.all(lanes);
// Emptying race-0 while others may still be filling it: each worker removes its own objects (which
// must all be there: no bucket is ever deleted with objects in it), then tries to delete the bucket.
// The last attempt comes after every worker has emptied its part, so some attempt succeeds.
await call('CreateBucket', () => s3.createBucket({ Bucket: 'race-0' }));
for (const put of mine.filter((p) => p.bucket === 'race-0')) {
  await s3.deleteObject({ Bucket: put.bucket, Key: put.key }).then(() => {
    report.calls['DeleteObject ok'] = (report.calls['DeleteObject ok'] ?? 0) + 1;
    report.deleted.push(put);
  }, (error) => report.unexpected.push('emptying race-0: ' + error));
}
await call('DeleteBucket', () => s3.deleteBucket({ Bucket: 'race-0' }));
await s3.close();
console.log(JSON.stringify(report));
`;

describe.skipIf(!POSTGRES_URL)(`${PROCESSES} processes on one PostgreSQL S3 for ${SECONDS} s`, () => {
  const databaseUrl = databaseForFile();

  it.each(['directory', 'database'] as const)('bodies in the %s: every acknowledged PUT not deleted reads back, nothing else is there, every live version has exactly its body', async (where) => {
    const rootKey = crypto.getRandomValues(new Uint8Array(32));
    const options = { connectionString: databaseUrl(), schema: `s3_${where}`, bodies: where === 'directory' ? tempDir() : undefined };
    const open = () => {
      const kms = new KeyManagementService({ account: ACCOUNT, region: REGION, store: new PostgresKeyStore({ ...options, rootKey }) });
      return { kms, s3: new ObjectStore({ kms, store: new PostgresObjectMetadata({ ...options, rootKey }) }) };
    };
    const setup = open();
    const { KeyMetadata: key } = await setup.kms.createKey({ Description: 'SSE-KMS of the shared store' });
    await setup.s3.createBucket({ Bucket: 'shared' });
    await setup.s3.putBucketVersioning({ Bucket: 'shared', VersioningConfiguration: { Status: 'Enabled' } });
    await setup.s3.createBucket({ Bucket: 'plain' });
    await setup.s3.close();

    const outputs = await Promise.all(Array.from({ length: PROCESSES }, (_, n) =>
      runChild(workerBody(n, options, Buffer.from(rootKey).toString('hex'), key.KeyId))));
    const reports = outputs.map((out) => lastLine<WorkerReport>(out));
    expect(reports.flatMap((r) => r.unexpected)).toEqual([]);
    const count = (name: string) => reports.reduce((sum, r) => sum + (r.calls[name] ?? 0), 0);
    expect(count('PutObject ok')).toBeGreaterThan(PROCESSES * 5);

    const { s3 } = open(); // a fresh process's view
    const puts = reports.flatMap((r) => r.puts);
    const deleted = new Set(reports.flatMap((r) => r.deleted.map((p) => p.body))); // every body is unique
    const live = puts.filter((p) => !deleted.has(p.body));
    const read = async (p: Put) => (await s3.getObject({ Bucket: p.bucket, Key: p.key, VersionId: p.versionId })).Body.transformToString();

    // The versioned bucket: each acknowledged version not deleted, with its bytes, and no other version.
    const shared = live.filter((p) => p.bucket === 'shared');
    for (const put of shared) expect(await read(put)).toBe(put.body);
    const versions = await s3.listObjectVersions({ Bucket: 'shared' });
    expect(versions.Versions.map((v) => v.VersionId).sort()).toEqual(shared.map((p) => p.versionId).sort());
    expect(versions.DeleteMarkers).toHaveLength(count('DeleteObject ok') - deleted.size);

    // The unversioned bucket: each key holds one version, the bytes of one acknowledged PUT to it.
    const plain = await s3.listObjectVersions({ Bucket: 'plain' });
    for (const version of plain.Versions) {
      const body = await (await s3.getObject({ Bucket: 'plain', Key: version.Key })).Body.transformToString();
      expect(puts.filter((p) => p.bucket === 'plain' && p.key === version.Key).map((p) => p.body)).toContain(body);
    }
    expect(new Set(plain.Versions.map((v) => v.Key)).size).toBe(plain.Versions.length);

    // Raced buckets: every acknowledged object not deleted is there (no bucket was deleted with objects in it), and nothing else.
    const raced = live.filter((p) => p.bucket.startsWith('race-'));
    for (const put of raced) expect(await read(put)).toBe(put.body);
    const buckets = (await s3.listBuckets()).Buckets.map((b) => b.Name).filter((name) => name.startsWith('race-'));
    const listed = (await Promise.all(buckets.map(async (bucket) => (await s3.listObjectsV2({ Bucket: bucket })).Contents!.map((c) => `${bucket}/${c.Key}`)))).flat();
    expect(listed.sort()).toEqual(raced.map((p) => `${p.bucket}/${p.key}`).sort());
    expect(count('DeleteBucket ok')).toBeGreaterThan(0);

    // The shared bodies: one per live version, nothing left over.
    const liveBodies = shared.length + plain.Versions.length + raced.length;
    if (options.bodies) {
      expect(readdirSync(options.bodies).filter((name) => name.endsWith('.bin'))).toHaveLength(liveBodies);
      expect(readdirSync(options.bodies).filter((name) => !name.endsWith('.bin'))).toEqual([]);
    } else {
      const sql = new pg.Client({ connectionString: databaseUrl() });
      await sql.connect();
      expect(Number((await sql.query(`SELECT count(DISTINCT body_id) AS n FROM ${options.schema}.s3_bodies`)).rows[0].n)).toBe(liveBodies);
      await sql.end();
    }
    await s3.close();
  }, (SECONDS + 120) * 1000);
});
