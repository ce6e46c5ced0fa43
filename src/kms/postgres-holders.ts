// Who is still running, among the processes sharing a PostgreSQL store: each process that leaves
// records only it can finish (an EBS attachment, whose key is in its memory; a query execution,
// whose caller's request is with it) holds, on a connection of its own, a session-level advisory
// lock whose key — its holder number — goes into those records. PostgreSQL releases the lock when
// the session ends (the process exited, was killed, or lost its connection), so a record whose
// holder's lock is free is one whose process is gone.

import type { Client, Pool } from 'pg';
import { quoteIdentifier } from './postgres-migrations.js';
import type { PostgresLocation } from './postgres-options.js';
import { openPool } from './postgres-pool.js';

/** The advisory lock class of holders (the two-key form: class, holder): "kmse". */
const HOLDER_LOCK_CLASS = 0x6b6d7365;

export interface Holder {
  /** This process's holder number, its lock held until `release`. */
  readonly number: number;
  /**
   * LISTENs on `channel` on the holder's connection, calling `onPayload` with each notification's
   * payload until `release`: the connection is there for as long as the store is open anyway, and a
   * process that loses it has lost its lock too (the others already treat its records as orphaned),
   * so the notices need no connection of their own.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<void>;
  /** Ends the holder's connection: its lock goes with it. */
  release(): Promise<void>;
}

/**
 * Takes a holder number on a connection of its own, for as long as the store is open. A number
 * `named(candidate)` says the store's records still name is passed over, so that a gone process's
 * records stay orphaned.
 */
export async function takeHolder(connectionString: string, named: (candidate: number) => boolean): Promise<Holder> {
  const { default: pg } = await import('pg');
  const session: Client = new pg.Client({ connectionString });
  session.on('error', () => undefined); // a lost session frees the lock: others see this process's records as orphaned
  await session.connect();
  try {
    for (;;) {
      const candidate = 1 + (crypto.getRandomValues(new Uint32Array(1))[0]! % 0x7ffffffe);
      const { rows } = await session.query<{ taken: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS taken', [HOLDER_LOCK_CLASS, candidate]);
      if (!rows[0]!.taken) continue;
      if (named(candidate)) {
        await session.query('SELECT pg_advisory_unlock($1, $2)', [HOLDER_LOCK_CLASS, candidate]);
        continue;
      }
      return {
        number: candidate,
        listen: async (channel, onPayload) => {
          session.on('notification', (notice) => notice.channel === channel && onPayload(notice.payload ?? ''));
          await session.query(`LISTEN ${quoteIdentifier(channel)}`);
        },
        release: () => session.end(),
      };
    }
  } catch (error) {
    await session.end();
    throw error;
  }
}

/**
 * A store's pool (openPool: migrated, then `init`, which loads the store's records) and this
 * process's holder number, passing over those `named()` says the loaded records name. If either
 * fails, or `closed()` gives the store's closed error meanwhile, both are ended and it is thrown.
 */
export async function openWithHolder(location: PostgresLocation, init: (pool: Pool) => Promise<void>,
  named: () => (candidate: number) => boolean, closed: () => Error | undefined): Promise<{ pool: Pool; holder: Holder }> {
  const pool = await openPool(location, init);
  let holder: Holder;
  try {
    holder = await takeHolder(location.connectionString, named());
  } catch (error) {
    await pool.end();
    throw error;
  }
  const refused = closed();
  if (refused) {
    await pool.end();
    await holder.release();
    throw refused;
  }
  return { pool, holder };
}

/** The holder numbers whose processes are running now (their locks held), on this database. */
export async function liveHolders(db: { query: Client['query'] }): Promise<Set<number>> {
  const { rows } = await db.query<{ objid: string }>(`SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND granted
    AND classid = $1 AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, [HOLDER_LOCK_CLASS]);
  return new Set(rows.map((r) => Number(r.objid)));
}
