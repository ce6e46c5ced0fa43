// The PostgreSQL stores' options (PostgresKeyStore, PostgresObjectMetadata), their checks, and how a
// store names itself in messages. Apart from postgres-pool.ts so that the published declarations of
// the stores' options do not pull in the driver's types.

import { checkRetention } from './postgres-tombstones.js';

export interface PostgresStoreOptions {
  /** A libpq connection string or URI, e.g. postgres://kms@db.internal:5432/kms (never logged: it may hold a password). */
  connectionString: string;
  /** The 32-byte root key, the same in every process sharing the database (from a file, or unwrapped by another KMS). Copied. */
  rootKey: Uint8Array;
  /** The schema holding the store's tables (created if missing; default "public"): several stores can share one database. */
  schema?: string;
  /** Connections in this process's pool (default 10). */
  poolSize?: number;
  /**
   * Milliseconds a deleted record's row is kept as a tombstone, so that other processes learn of the
   * deletion from it (default 3,600,000: an hour). Older ones are pruned; a process idle for longer
   * reads the live rows whole at its next catch-up (postgres-tombstones.ts).
   */
  tombstoneRetentionMs?: number;
}

/** Where a store's tables are: its options but the root key (which the pool never needs) and the retention. */
export type PostgresLocation = Omit<PostgresStoreOptions, 'rootKey' | 'tombstoneRetentionMs'>;

/** The options' location part, without a reference to the caller's root key. */
export const locationOf = ({ connectionString, schema, poolSize }: PostgresStoreOptions): PostgresLocation => ({ connectionString, schema, poolSize });

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
  checkRetention(options.tombstoneRetentionMs, 'tombstoneRetentionMs', invalid);
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
