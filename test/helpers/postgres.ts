// PostgreSQL for the tests: KMS_WASM_TEST_POSTGRES is a connection string for a role that may create
// databases (.ci/run starts Debian's PostgreSQL and sets it). Each test file creates its own
// database and drops it at the end. Without the variable (a developer's machine with no
// PostgreSQL) the PostgreSQL suites are skipped; in CI it is always set, so a server that is down
// fails them.
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { scratchDatabase } from './scratch-databases.js';

export const POSTGRES_URL = process.env.KMS_WASM_TEST_POSTGRES;

/**
 * A new, empty database: its connection string, and a function that drops it. `flushCommits: false`
 * turns off synchronous_commit in it (commits stay atomic and serial, only not flushed before they
 * return): for suites that test behaviour, not durability, so they do not wait on fsync per call.
 */
export function freshDatabase({ flushCommits = true } = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  return scratchDatabase(POSTGRES_URL!, 'kms_wasm_test_', { flushCommits });
}

/**
 * A describe block's database: created (commits not flushed) before its tests and dropped after them;
 * `sql`, a small pool on it for the tests' own queries; `closeAfter`, for stores and pools the tests
 * open, closed before the database is dropped.
 */
export function suiteDatabase(): { readonly url: string; readonly sql: pg.Pool; closeAfter(...items: Array<{ close(): Promise<void> }>): void } {
  let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  let pool: pg.Pool | undefined;
  const closing: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    database = await freshDatabase({ flushCommits: false });
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
  });
  afterAll(async () => {
    for (const item of closing) await item.close().catch(() => undefined);
    await pool?.end();
    await database?.drop();
  });
  return {
    get url() { return database!.url; },
    get sql() { return pool!; },
    closeAfter: (...items) => void closing.push(...items),
  };
}
