// PostgresChanges (src/kms/postgres-changes.ts), the way the PostgreSQL object and block stores make
// their changes, on a database of its own kind: a head whose change counter another "process" can
// move, rows written per change, and a catch-up that may find damaged rows. The real stores on
// PostgreSQL: test/s3/postgres-object-metadata.test.ts, test/ebs/postgres-block-metadata.test.ts.
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresChanges, type ReadUpdates } from '../../src/kms/postgres-changes.js';
import type { TombstonePruner } from '../../src/kms/postgres-tombstones.js';

/** A list in memory whose changes are appends, stored as rows of a database another process also writes. */
function listStore() {
  const db = { head: 0, rows: [] as Array<{ seq: number; item: string }>, damaged: false };
  const list: string[] = [];
  const written: string[] = [];
  const client = {
    query: async (text: string) => (text.startsWith('BEGIN') ? [{ rows: [] }, { rows: [{ change_seq: String(db.head) }] }] : { rows: [] }),
    release: () => undefined,
  };
  const read = async (): Promise<ReadUpdates> => {
    const since = changes.version;
    const rows = db.rows.filter((row) => row.seq > since);
    const version = db.head;
    return {
      version,
      apply: () => {
        if (db.damaged) throw new Error('a row does not authenticate');
        for (const row of rows) if (row.seq > changes.version) list.push(row.item);
        changes.version = Math.max(changes.version, version);
      },
    };
  };
  const changes: PostgresChanges<string> = new PostgresChanges<string>({
    head: 'list_store', pruner: { prune: async () => undefined } as unknown as TombstonePruner,
    connection: async () => ({ connect: async () => client }) as unknown as Pool,
    read, write: async (_client, item, seq) => {
      written.push(item);
      db.rows.push({ seq, item });
      db.head = seq;
    },
  });
  /** Appends `item` unless the list holds `unless`. */
  const append = (item: string, unless?: string) => changes.change(() => {
    if (unless !== undefined && list.includes(unless)) throw new Error(`${unless} is there`);
    list.push(item);
    return { record: item, undo: () => expect(list.pop()).toBe(item) };
  });
  /** Another process's committed append. */
  const theirs = (item: string) => {
    db.head += 1;
    db.rows.push({ seq: db.head, item });
  };
  /**
   * Holds the queue while `decideAndCatchUp` asks for changes and a catch-up, so that the catch-up is
   * queued between the decisions and their transaction (which the first decision queues when it runs).
   */
  const catchUpBetween = async <T>(decideAndCatchUp: () => T): Promise<T> => {
    let release!: () => void;
    void changes.alone(() => new Promise<void>((resolve) => { release = resolve; }));
    const asked = decideAndCatchUp();
    await new Promise((resolve) => setTimeout(resolve, 0)); // the catch-up's read done, its apply queued
    release();
    return asked;
  };
  return { db, list, written, changes, append, theirs, catchUpBetween };
}

describe('PostgresChanges', () => {
  it('changes asked for together are decided in order and written in one transaction, each with its own seq', async () => {
    const { db, list, append } = listStore();
    await Promise.all([append('a'), append('b'), append('c')]);
    expect(list).toEqual(['a', 'b', 'c']);
    expect(db.rows).toEqual([{ seq: 1, item: 'a' }, { seq: 2, item: 'b' }, { seq: 3, item: 'c' }]);
  });

  it('under the lock, a head another process moved: the group is taken back newest first, caught up, decided again in order; one that fails now fails alone', async () => {
    const { list, written, append, theirs } = listStore();
    const calls = [append('a'), append('b', 'stop'), append('c')];
    theirs('stop'); // committed after the decisions, before their transaction locks the head
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('stop is there');
    expect(list).toEqual(['stop', 'a', 'c']); // theirs first: it was committed first
    expect(written).toEqual(['a', 'c']);
  });

  it('a catch-up while a group waits for its transaction decides the group again on it', async () => {
    const { list, written, changes, append, theirs, catchUpBetween } = listStore();
    theirs('stop');
    const [first, second, caughtUp] = await catchUpBetween(() => [append('a'), append('b', 'stop'), changes.catchUp()]);
    await expect(Promise.all([first, caughtUp])).resolves.toBeDefined();
    await expect(second).rejects.toThrow('stop is there');
    expect(list).toEqual(['stop', 'a']);
    expect(written).toEqual(['a']);
  });

  it('a catch-up that fails while a group waits takes the group back and fails every call of it; the store goes on', async () => {
    const { db, list, written, changes, append, theirs, catchUpBetween } = listStore();
    theirs('damaged');
    db.damaged = true;
    const [caughtUp, ...calls] = await catchUpBetween(() => [append('a'), append('b'), changes.catchUp()].reverse());
    await expect(caughtUp).rejects.toThrow('a row does not authenticate');
    for (const call of calls) await expect(call).rejects.toThrow('a row does not authenticate');
    expect({ list, written }).toEqual({ list: [], written: [] });
    db.damaged = false;
    await append('c');
    expect(list).toEqual(['damaged', 'c']);
  });

  it('a transaction that fails takes every change of its group back, newest first, and fails their calls', async () => {
    const { db, list, append } = listStore();
    db.rows.push = () => { throw new Error('the write failed'); };
    const outcomes = await Promise.allSettled([append('a'), append('b'), append('c')]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(list).toEqual([]);
  });
});
