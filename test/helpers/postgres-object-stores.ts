// ObjectStores on PostgresObjectMetadata for a test file: a fresh database (dropped after the file's
// tests), one root key and KMS, `open` for a store on a schema (as a process would open one), and a
// pool for looking at the tables. Call it inside the file's describe.skipIf(!POSTGRES_URL).
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { KeyManagementService, ObjectStore, PostgresObjectMetadata } from '../../src/node.js';
import { freshDatabase } from './postgres.js';

export function postgresObjectStores() {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let sql: pg.Pool;
  const rootKey = crypto.getRandomValues(new Uint8Array(32));
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const opened: ObjectStore[] = [];
  beforeAll(async () => {
    database = await freshDatabase({ flushCommits: false });
    sql = new pg.Pool({ connectionString: database.url, max: 2 });
  });
  afterAll(async () => {
    for (const s3 of opened) await s3.close();
    await sql?.end();
    await database?.drop();
  });
  return {
    rootKey,
    kms,
    get url() { return database.url; },
    get sql() { return sql; },
    /** An ObjectStore on `schema`, its bodies in the directory `bodies` or (undefined) in the database. */
    open(schema: string, bodies: string | undefined, orphanedBodyGraceMs?: number, endedUploadRetentionMs?: number) {
      const s3 = new ObjectStore({ kms, store: new PostgresObjectMetadata({ connectionString: database.url, rootKey, schema, bodies, poolSize: 2,
        orphanedBodyGraceMs, endedUploadRetentionMs }) });
      opened.push(s3);
      return s3;
    },
  };
}
