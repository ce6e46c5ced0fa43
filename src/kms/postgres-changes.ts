// How a PostgreSQL store that several processes share (PostgresObjectMetadata, PostgresBlockMetadata)
// makes its changes: through commitChange (core/state-change.ts), as every store does. A call's
// decision is taken on the process's state in memory and applied there at once; its record joins the
// next transaction, so the decisions taken while one transaction is under way are written together in
// the next (group commit), each record with its own seq, and each call is answered once its
// transaction has committed.
//
// A transaction locks the store's head row (SELECT … FOR UPDATE: transactions are serial, whichever
// process makes them) and compares the head's seq with the version the state reflects. If another
// process committed since, the batch's changes are taken back (newest first), the others' rows
// applied, and the decisions taken again on the state brought up to date (redecide, oldest first),
// under that lock: no change is ever made on a stale state, and a decision that fails now (the bucket
// is gone, the volume attached) fails its call only. A transaction that fails takes every change of
// its batch back and fails their calls. Decisions, catch-ups and transactions run one at a time in
// the store's queue, so no decision is taken while a transaction is under way on state that
// transaction might still take back.

import type { Pool, PoolClient } from 'pg';
import { SerialQueue } from '../core/serial-queue.js';
import { commitChange, queued, type DecidedChange, type Queued, type Redecide } from '../core/state-change.js';
import { inTransaction } from './postgres-pool.js';
import type { TombstonePruner } from './postgres-tombstones.js';

/** What other processes committed after the state's version, as read in one statement. */
export interface ReadUpdates {
  /** The head's seq the rows were read at. */
  version: number;
  /** Applies them to the state in memory, synchronously (so no call sees half of them), and raises the version to theirs. */
  apply(): void;
}

/** What a store tells PostgresChanges about its tables. */
export interface ChangeTables<R> {
  /** The head table: one row, whose change_seq is the seq of the last change committed. */
  head: string;
  pruner: TombstonePruner;
  connection(): Promise<Pool>;
  /** Reads (one statement) the rows committed after the state's version. */
  read(db: Pool | PoolClient): Promise<ReadUpdates>;
  /** Writes one change's rows, with `seq`, and sets the head's change_seq to it. */
  write(client: PoolClient, record: R, seq: number): Promise<void>;
}

/** A decided change waiting for its transaction: its record (none: nothing to write), or the error its decision threw when taken again. */
interface Pending<R> {
  record: R | undefined;
  redecide: Redecide<R | undefined>;
  error?: unknown;
}

export class PostgresChanges<R> {
  /** The seq of the last committed change the state in memory reflects. */
  version = 0;
  private readonly queue = new SerialQueue();
  /** The changes decided since the last transaction began: the next one writes them. */
  private batch: { items: Array<Pending<R>>; committed: Promise<void> } | undefined;

  constructor(private readonly tables: ChangeTables<R>) {}

  /** Runs `decide` on current state, in the queue, and resolves once its record is committed (core/state-change.ts). */
  change(decide: () => DecidedChange<R | undefined>): Promise<void> {
    return commitChange(decide, (record, redecide) => this.join({ record, redecide }), this.queue);
  }

  /**
   * Catches up with what other processes committed: one read, applied at once if it holds nothing new,
   * else in the queue, the changes decided but not yet written taken again on it.
   */
  async catchUp(): Promise<void> {
    const updates = await this.tables.read(await this.tables.connection());
    if (updates.version <= this.version) return updates.apply();
    return this.queue.run(async () => (this.batch ? this.redecide(this.batch.items, () => updates.apply()) : updates.apply()));
  }

  /** Runs `work` alone, after the decisions and transactions queued before it (a store's own transaction; closing). */
  alone<T>(work: () => Promise<T>): Promise<T> {
    return this.queue.run(work);
  }

  /** BEGIN and the head's lock, in one round trip; the head's change_seq. */
  async lockHead(client: PoolClient): Promise<number> {
    const [, locked] = await client.query(`BEGIN; SELECT change_seq FROM ${this.tables.head} FOR UPDATE`) as unknown as Array<{ rows: Array<{ change_seq: string }> }>;
    return Number(locked!.rows[0]!.change_seq);
  }

  /** A change's place in the next transaction, queued after the decisions already waiting (those that arrive meanwhile join it too). */
  private join(item: Pending<R>): Queued {
    if (!this.batch) {
      const items: Array<Pending<R>> = [];
      this.batch = { items, committed: this.queue.run(() => this.commit(items)) };
    }
    this.batch.items.push(item);
    return queued(this.batch.committed.then(() => {
      if ('error' in item) throw item.error;
    }));
  }

  /** One transaction for the batch: locked, caught up (and the batch decided again) if others committed, each record written with its seq. */
  private async commit(batch: Array<Pending<R>>): Promise<void> {
    this.batch = undefined;
    try {
      const last = await inTransaction(await this.tables.connection(), async (client) => {
        let seq = await this.lockHead(client);
        if (seq !== this.version) {
          const updates = await this.tables.read(client);
          await this.redecide(batch, () => updates.apply());
        }
        const head = seq;
        for (const item of batch) if (item.record !== undefined && !('error' in item)) await this.tables.write(client, item.record, ++seq);
        if (seq > head) await this.tables.pruner.prune(client);
        return seq;
      });
      this.version = Math.max(this.version, last);
    } catch (error) {
      await this.redecide(batch, () => {
        throw error;
      }).catch(() => undefined); // takes every change back and fails every call
    }
  }

  /**
   * Takes the batch's changes back, newest first; runs `catchUp`; then has each decision taken again,
   * oldest first (commitChange's redecide, nested, so that every undo comes before the catch-up and
   * every decision after it). A decision that throws now fails its call only; if `catchUp` throws,
   * nothing is decided again, and every call fails with the error, which is thrown.
   */
  private async redecide(batch: Array<Pending<R>>, catchUp: () => void): Promise<void> {
    let caughtUp = false;
    let run = async (): Promise<void> => {
      catchUp();
      caughtUp = true;
    };
    for (const item of batch) {
      const inner = run;
      run = async () => {
        try {
          item.record = await item.redecide(inner);
          delete item.error;
        } catch (error) {
          if (!caughtUp) throw error;
          item.error = error;
        }
      };
    }
    try {
      await run();
    } catch (error) {
      for (const item of batch) item.error = error;
      throw error;
    }
  }
}
