// What the PostgreSQL stores (PostgresKeyStore, PostgresObjectMetadata) share: their options' checks,
// a connection pool with the schema migrated, and transactions retried on the failures PostgreSQL
// asks clients to retry (serialization failure, deadlock), never on a lost connection (its COMMIT may
// have been applied: a retry would apply the change twice).

import type { Pool, PoolClient } from 'pg';
import { migrate, quoteIdentifier } from './postgres-migrations.js';

export interface PostgresStoreOptions {
  /** A libpq connection string or URI, e.g. postgres://kms@db.internal:5432/kms (never logged: it may hold a password). */
  connectionString: string;
  /** The 32-byte root key, the same in every process sharing the database (from a file, or unwrapped by another KMS). Copied. */
  rootKey: Uint8Array;
  /** The schema holding the store's tables (created if missing; default "public"): several stores can share one database. */
  schema?: string;
  /** Connections in this process's pool (default 10). */
  poolSize?: number;
}

/** Where a store's tables are: its options but the root key (which the pool never needs). */
export type PostgresLocation = Omit<PostgresStoreOptions, 'rootKey'>;

/** The options' location part, without a reference to the caller's root key. */
export const locationOf = ({ connectionString, schema, poolSize }: PostgresStoreOptions): PostgresLocation => ({ connectionString, schema, poolSize });

const RETRIED_SQLSTATES = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
const MAX_ATTEMPTS = 10;

/** Throws `invalid(message)` naming the first option that is wrong. */
export function checkPostgresOptions(options: PostgresStoreOptions, invalid: (message: string) => Error): void {
  if (typeof options?.connectionString !== 'string' || options.connectionString.length === 0) {
    throw invalid('connectionString: expected a PostgreSQL connection string');
  }
  if (!(options.rootKey instanceof Uint8Array) || options.rootKey.length !== 32) throw invalid('rootKey: expected 32 bytes (a Uint8Array)');
  if (options.schema !== undefined && (typeof options.schema !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema))) {
    throw invalid('schema: expected a lower-case SQL identifier (letters, digits, _; at most 63)');
  }
  if (options.poolSize !== undefined && !(Number.isSafeInteger(options.poolSize) && options.poolSize >= 1)) {
    throw invalid('poolSize: expected a whole number of connections, 1 or more');
  }
}

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

/** host/database and schema of a store, for messages: never the connection string (it may hold a password). */
export function describeStore(options: PostgresLocation): string {
  let database = 'PostgreSQL database';
  try {
    const url = new URL(options.connectionString);
    database = `postgres://${url.host}${url.pathname}`;
  } catch {
    // a key=value connection string: the generic name
  }
  return `${database} schema ${options.schema ?? 'public'}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter, 2 ms to 256 ms. */
function backoffMs(attempt: number): number {
  const ceiling = 2 ** Math.min(attempt, 8);
  return 1 + (crypto.getRandomValues(new Uint32Array(1))[0]! % ceiling);
}
