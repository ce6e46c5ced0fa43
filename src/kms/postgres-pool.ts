// What the PostgreSQL stores (PostgresKeyStore, PostgresObjectMetadata) share: a connection pool with
// the schema migrated, and transactions retried on the failures PostgreSQL asks clients to retry
// (serialization failure, deadlock), never on a lost connection (its COMMIT may have been applied: a
// retry would apply the change twice).

import type { Pool, PoolClient } from 'pg';
import { migrate, quoteIdentifier } from './postgres-migrations.js';
import type { PostgresLocation } from './postgres-options.js';

const RETRIED_SQLSTATES = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
const MAX_ATTEMPTS = 10;

/** A pool whose connections use `schema`, migrated, then `init` run on it; a failure ends the pool. */
export async function openPool(options: PostgresLocation, init: (pool: Pool) => Promise<void>): Promise<Pool> {
  const { default: pg } = await import('pg');
  const schema = options.schema ?? 'public';
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10, options: `-c search_path=${quoteIdentifier(schema)}` });
  pool.on('error', () => undefined); // an idle connection that breaks is dropped by the pool; without a listener it would end the process
  try {
    await migrate(pool, schema);
    await init(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return pool;
}

/**
 * Runs `work` in a transaction (`work` sends BEGIN itself, so it can share a round trip with its
 * first statement) and commits it. An attempt that fails is rolled back, `rolledBack` is called (to
 * take back what the attempt did in memory), and a serialization failure or deadlock is retried with
 * backoff; anything else is thrown.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, rolledBack?: () => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      rolledBack?.();
      // A connection that cannot roll back is broken (it may be why the attempt failed): discarded, not pooled.
      client.release(await client.query('ROLLBACK').then(() => undefined, (broken: Error) => broken));
      const code = (error as { code?: string }).code;
      if (attempt >= MAX_ATTEMPTS || !RETRIED_SQLSTATES.has(code ?? '')) throw error;
      await sleep(backoffMs(attempt));
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter, 2 ms to 256 ms. */
function backoffMs(attempt: number): number {
  const ceiling = 2 ** Math.min(attempt, 8);
  return 1 + (crypto.getRandomValues(new Uint32Array(1))[0]! % ceiling);
}
