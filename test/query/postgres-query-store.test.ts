// PostgresQueryStore (src/query/postgres-query-store.ts): several stores on one database stand for
// several services (each holds its own records, as a process would). A record one adds, rewrites or
// removes is the other's at its next refresh; a change decided on stale records is decided again
// under the head's lock (nothing lost whatever the stores racing); records keep the order they were
// added in across stores; a store that follows the changes has the others' as they commit, without
// a refresh, and its listening session ends with it; a runner is live while its store is open; an
// edited or swapped row and another root key are refused; tombstones are pruned and a store behind
// the pruning converges.

import { describe, expect, it, vi } from 'vitest';
import { PostgresQueryStore } from '../../src/query/postgres-query-store.js';
import type { QueryCollection } from '../../src/query/query-store.js';
import { RootKeyMismatchError, StoreIntegrityError } from '../../src/platform/store-errors.js';
import { POSTGRES_URL, suiteDatabase } from '../helpers/postgres.js';

interface Item {
  id: string;
  value: number;
}

const ITEMS: QueryCollection<Item> = { name: 'athena-executions', list: 'executions', id: (item) => item.id };
const values = (records: ReadonlyMap<string, Item>) => [...records.values()].map((item) => `${item.id}=${item.value}`);
const put = (...items: Item[]) => () => ({ put: items, deleted: [] });

describe.skipIf(!POSTGRES_URL)('PostgresQueryStore', () => {
  const database = suiteDatabase();
  let schemas = 0;
  const rootKey = crypto.getRandomValues(new Uint8Array(32));

  const openStore = (schema: string, options: { key?: Uint8Array; tombstoneRetentionMs?: number } = {}) => {
    const store = new PostgresQueryStore({ connectionString: database.url, rootKey: options.key ?? rootKey, schema, poolSize: 2,
      tombstoneRetentionMs: options.tombstoneRetentionMs });
    database.closeAfter(store);
    return store;
  };
  /** `count` stores (services) on a new schema, each with the collection open. */
  const services = async (count: number, options: { tombstoneRetentionMs?: number } = {}) => {
    const schema = `query_${schemas++}`;
    const list = [];
    for (let i = 0; i < count; i++) {
      const store = openStore(schema, options);
      list.push({ store, items: await store.open(ITEMS) });
    }
    return { schema, list };
  };

  it('a record one store adds, rewrites or removes is the other\'s at its next refresh', async () => {
    const { schema, list: [a, b] } = await services(2);
    await a!.items.change(put({ id: 'x', value: 1 }, { id: 'y', value: 2 }));
    expect(values(b!.items.records)).toEqual([]); // not before its refresh
    await b!.store.refresh();
    expect(values(b!.items.records)).toEqual(['x=1', 'y=2']);
    await b!.items.change(() => ({ put: [{ id: 'x', value: 10 }], deleted: ['y'] }));
    await a!.store.refresh();
    expect(values(a!.items.records)).toEqual(['x=10']);
    // What the rows hold: JSON records with their MACs, the removal a tombstone.
    const { rows } = await database.sql.query(`SELECT id, record, mac FROM ${schema}.query_executions ORDER BY id`);
    expect(rows).toEqual([
      { id: 'x', record: JSON.stringify({ id: 'x', value: 10 }), mac: expect.stringMatching(/^[0-9a-f]{64}$/) },
      { id: 'y', record: null, mac: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
  });

  it('a store that follows the changes has another\'s as they commit, with no refresh', async () => {
    const { list: [a, b] } = await services(2);
    const unfollow = b!.store.followChanges();
    await a!.items.change(put({ id: 'x', value: 1 }));
    await vi.waitFor(() => expect(values(b!.items.records)).toEqual(['x=1']), { timeout: 30_000, interval: 10 });
    await a!.items.change(() => ({ put: [{ id: 'y', value: 2 }], deleted: ['x'] }));
    await vi.waitFor(() => expect(values(b!.items.records)).toEqual(['y=2']), { timeout: 30_000, interval: 10 });
    unfollow();
    unfollow(); // once is enough: a second call changes nothing
  });

  it('listens on its holder\'s session while open; closing ends it', async () => {
    const listening = async () => Number((await database.sql.query(`SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND query = 'LISTEN "kms_wasm_query_changes"'`)).rows[0].n);
    const before = await listening();
    const store = openStore(`query_${schemas++}`);
    await store.ready();
    expect(await listening()).toBe(before + 1);
    await store.close();
    await vi.waitFor(async () => expect(await listening()).toBe(before), { timeout: 30_000, interval: 20 });
  });

  it('a change decided on stale records is decided again under the lock, on the records caught up', async () => {
    const { list: [a, b] } = await services(2);
    await a!.items.change(put({ id: 'tables', value: 1 }));
    const seen: string[][] = [];
    // b has not caught up: its first decision sees no record; the second, under the lock, sees a's.
    await b!.items.change((records) => {
      seen.push(values(records));
      return put({ id: 'tables', value: (records.get('tables')?.value ?? 0) + 1 })();
    });
    expect(seen).toEqual([[], ['tables=1']]);
    expect(values(b!.items.records)).toEqual(['tables=2']);
    // A decision that, taken again, changes nothing writes nothing.
    await a!.items.change((records) => (records.get('tables')?.value === 1 ? put({ id: 'tables', value: 5 })() : undefined));
    await a!.store.refresh();
    expect(values(a!.items.records)).toEqual(['tables=2']);
  });

  it('loses no change when stores race: every increment counts', async () => {
    const { list } = await services(3);
    const increment = (records: ReadonlyMap<string, Item>) => put({ id: 'n', value: (records.get('n')?.value ?? 0) + 1 })();
    await Promise.all(list.flatMap(({ items }) => Array.from({ length: 8 }, () => items.change(increment))));
    for (const { store, items } of list) {
      await store.refresh();
      expect(values(items.records)).toEqual(['n=24']);
    }
  });

  it('keeps the order records were added in, whichever store added them and however they were rewritten', async () => {
    const { schema, list: [a, b] } = await services(2);
    await a!.items.change(put({ id: 'first', value: 1 }));
    await b!.items.change(put({ id: 'second', value: 2 })); // decided again: b had not seen "first"
    await a!.items.change(put({ id: 'third', value: 3 }));
    await a!.items.change(put({ id: 'first', value: 11 })); // rewritten last: its row is now the newest
    await b!.store.refresh();
    const order = ['first=11', 'second=2', 'third=3'];
    expect(values(a!.items.records)).toEqual(order);
    expect(values(b!.items.records)).toEqual(order);
    expect(values((await openStore(schema).open(ITEMS)).records)).toEqual(order);
  });

  it('names a store\'s runner live while it is open, and gone once it is closed', async () => {
    const { list: [a, b] } = await services(2);
    expect(a!.store.runner).not.toBe(b!.store.runner);
    expect(await b!.store.liveRunners([a!.store.runner, b!.store.runner])).toEqual(new Set([a!.store.runner, b!.store.runner]));
    await a!.store.close();
    expect(await b!.store.liveRunners([a!.store.runner, b!.store.runner])).toEqual(new Set([b!.store.runner]));
  });

  it('refuses an edited row, a row whose MAC is another\'s, and another root key', async () => {
    const { schema, list: [a] } = await services(1);
    await a!.items.change(put({ id: 'x', value: 1 }, { id: 'y', value: 2 }));
    const table = `${schema}.query_executions`;
    await database.sql.query(`UPDATE ${table} SET record = replace(record, '1', '7') WHERE id = 'x'`);
    await expect(openStore(schema).open(ITEMS)).rejects.toBeInstanceOf(StoreIntegrityError);
    await database.sql.query(`UPDATE ${table} SET record = replace(record, '7', '1') WHERE id = 'x'`);
    expect(values((await openStore(schema).open(ITEMS)).records)).toEqual(['x=1', 'y=2']);
    await database.sql.query(`UPDATE ${table} SET mac = (SELECT mac FROM ${table} WHERE id = 'y') WHERE id = 'x'`);
    await expect(openStore(schema).open(ITEMS)).rejects.toThrow(expect.objectContaining({
      name: 'StoreIntegrityError', message: expect.stringContaining('table query_executions row x') }));
    await expect(openStore(schema, { key: crypto.getRandomValues(new Uint8Array(32)) }).open(ITEMS)).rejects.toBeInstanceOf(RootKeyMismatchError);
  });

  it('prunes tombstones; a store that last caught up before the pruning still drops what was removed', async () => {
    const { schema, list: [a, b] } = await services(2, { tombstoneRetentionMs: 0 });
    await a!.items.change(put({ id: 'kept', value: 1 }, { id: 'removed', value: 2 }));
    await b!.store.refresh();
    await a!.items.change(() => ({ put: [], deleted: ['removed'] }));
    await a!.items.change(put({ id: 'later', value: 3 })); // prunes the tombstone
    const { rows } = await database.sql.query(`SELECT (SELECT count(*)::int FROM ${schema}.query_executions WHERE record IS NULL) AS tombstones,
      (SELECT pruned_seq::int FROM ${schema}.query_store) AS pruned`);
    expect(rows[0]).toEqual({ tombstones: 0, pruned: 2 });
    await b!.store.refresh();
    expect(values(b!.items.records)).toEqual(['kept=1', 'later=3']);
  });

  it('refuses bad options with InvalidRequestException, naming the option', () => {
    expect(() => new PostgresQueryStore({ connectionString: '', rootKey })).toThrow(expect.objectContaining({
      name: 'InvalidRequestException', message: expect.stringContaining('connectionString') }));
    expect(() => new PostgresQueryStore({ connectionString: 'postgres://x/y', rootKey: new Uint8Array(16) })).toThrow(expect.objectContaining({
      name: 'InvalidRequestException', message: expect.stringContaining('rootKey') }));
  });
});
