// How every PostgreSQL store prunes its tombstones (migration 0009_tombstone_pruning.sql), the way
// ended multipart uploads' are pruned (0006): a deleted record stays as a row with a NULL record so
// that other processes learn of the deletion at their next catch-up; once older than the retention
// (tombstoneRetentionMs, an hour by default) it is deleted by a transaction that holds the store's
// head lock, which raises the head's pruned_seq to the highest seq it pruned.
//
// A process whose state is older than pruned_seq (idle longer than the retention) may have missed a
// deletion whose tombstone is gone, so its catch-up reads the live rows whole (liveAfterPruning) and
// drops every record it holds that none of them names (heldButGone): correct whatever the
// retention, which only sets how long a process may be idle before it pays one whole read.

import type { PoolClient } from 'pg';

export const DEFAULT_TOMBSTONE_RETENTION_MS = 60 * 60 * 1000;
/** The tables under iam_store's head: the service's identities (postgres-iam-store.ts) and the library's policies (postgres-iam-policies.ts); either prunes all. */
export const IAM_TABLES = ['iam_users', 'iam_access_keys', 'iam_principal_policies'] as const;
/** A process prunes at most this often (and at most every retention), so a commit rarely pays the extra statement. */
const MAX_PRUNE_INTERVAL_MS = 60 * 1000;

export class TombstonePruner {
  private lastPruned = -Infinity;

  /** `head`: the store's head table; `tables`: its tables of records with tombstones. */
  constructor(private readonly head: string, private readonly tables: readonly string[], private readonly retentionMs: number) {}

  /**
   * Inside a transaction that holds the head's lock: deletes the tombstones older than the retention
   * and raises pruned_seq past them (one statement), unless this process did so less than a minute
   * (or a retention) ago.
   */
  async prune(client: PoolClient): Promise<void> {
    const now = Date.now();
    if (now - this.lastPruned < Math.min(this.retentionMs, MAX_PRUNE_INTERVAL_MS)) return;
    this.lastPruned = now;
    const deletes = this.tables.map((table, i) =>
      `p${i} AS (DELETE FROM ${table} WHERE record IS NULL AND deleted_at < now() - $1 * interval '1 millisecond' RETURNING seq)`);
    await client.query(`WITH ${deletes.join(', ')} UPDATE ${this.head} SET pruned_seq = GREATEST(pruned_seq, (SELECT max(seq) FROM (${
      this.tables.map((_, i) => `SELECT seq FROM p${i}`).join(' UNION ALL ')}) AS pruned))`, [this.retentionMs]);
  }
}

/**
 * The condition a catch-up selects its rows by (`version` the SQL of the version it holds): those
 * written after it (from 0 the live ones only), and every live row as well when tombstones written
 * after it may have been pruned.
 */
export const liveAfterPruning = (head: string, version: string) =>
  `((seq > ${version} AND (${version} > 0 OR record IS NOT NULL)) OR (record IS NOT NULL AND ${version} < (SELECT pruned_seq FROM ${head})))`;

/** Of the ids a process holds, those that a whole read (every live id in `live`) no longer names: deleted meanwhile. */
export function heldButGone(held: Iterable<string>, live: ReadonlySet<string>): string[] {
  return [...held].filter((id) => !live.has(id));
}

/** Checks a retention option; `invalid` makes the store's own error. */
export function checkRetention(value: unknown, name: string, invalid: (message: string) => Error): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 0)) {
    throw invalid(`${name}: expected a whole number of milliseconds, 0 or more`);
  }
}
