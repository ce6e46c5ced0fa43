// The QueryStore contract (src/query/query-store.ts), the same suite over each implementation: in
// memory, a directory, and PostgreSQL. Records keep the order they were first added (a rewrite keeps
// its place, a removal drops it, a record added again goes last); a decision that throws or changes
// nothing writes nothing; the durable stores give the same records, in the same order, to the next
// store opened on them, and refuse use once closed; only the store's own runner is live.

import { describe, expect, it } from 'vitest';
import { DirectoryQueryStore } from '../../src/query/directory-query-store.js';
import { MemoryQueryStore } from '../../src/query/memory-query-store.js';
import { PostgresQueryStore } from '../../src/query/postgres-query-store.js';
import type { QueryCollection, QueryStore } from '../../src/query/query-store.js';
import { StoreClosedError } from '../../src/platform/store-errors.js';
import { POSTGRES_URL, suiteDatabase } from '../helpers/postgres.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

interface Item {
  id: string;
  value: number;
}

const ITEMS: QueryCollection<Item> = { name: 'athena-executions', list: 'executions', id: (item) => item.id };
const OTHERS: QueryCollection<Item> = { name: 'athena-catalog', list: 'databases', id: (item) => item.id };
const newDir = temporaryDirectories('kms-wasm-query-stores-');

/** A place for a store: `open` gives a new store on it (as a new process would); `durable` says whether a new one sees the old one's records. */
interface Implementation {
  name: string;
  place(): { open(): QueryStore };
  durable: boolean;
}

const database = POSTGRES_URL ? suiteDatabase() : undefined;
let schemas = 0;
const rootKey = crypto.getRandomValues(new Uint8Array(32));

const IMPLEMENTATIONS: Implementation[] = [
  { name: 'in memory', durable: false, place: () => {
    const store = new MemoryQueryStore();
    return { open: () => store };
  } },
  { name: 'in a directory', durable: true, place: () => {
    const dir = newDir();
    return { open: () => new DirectoryQueryStore(dir) };
  } },
  ...(database ? [{ name: 'in PostgreSQL', durable: true, place: () => {
    const schema = `query_${schemas++}`;
    return { open: () => {
      const store = new PostgresQueryStore({ connectionString: database.url, rootKey, schema, poolSize: 2 });
      database.closeAfter(store);
      return store;
    } };
  } }] : []),
];

const values = (records: ReadonlyMap<string, Item>) => [...records.values()].map((item) => `${item.id}=${item.value}`);
const put = (...items: Item[]) => () => ({ put: items, deleted: [] });

describe.each(IMPLEMENTATIONS)('a QueryStore $name', ({ place, durable }) => {
  it('keeps records in the order they were first added: a rewrite keeps its place, a removal drops it, a record added again goes last', async () => {
    const where = place();
    const store = where.open();
    const items = await store.open(ITEMS);
    await items.change(put({ id: 'a', value: 1 }));
    await items.change(put({ id: 'b', value: 2 }, { id: 'c', value: 3 }));
    await items.change(put({ id: 'a', value: 10 }));
    expect(values(items.records)).toEqual(['a=10', 'b=2', 'c=3']);
    await items.change(() => ({ put: [], deleted: ['b'] }));
    await items.change(put({ id: 'd', value: 4 }));
    await items.change(put({ id: 'b', value: 20 }));
    expect(values(items.records)).toEqual(['a=10', 'c=3', 'd=4', 'b=20']);
    // Each collection is its own: the other holds none of these.
    const others = await store.open(OTHERS);
    await others.change(put({ id: 'a', value: 99 }));
    expect(values(others.records)).toEqual(['a=99']);
    expect(values(items.records)).toEqual(['a=10', 'c=3', 'd=4', 'b=20']);
    if (!durable) return;
    await store.close();
    const next = where.open();
    expect(values((await next.open(ITEMS)).records)).toEqual(['a=10', 'c=3', 'd=4', 'b=20']);
    expect(values((await next.open(OTHERS)).records)).toEqual(['a=99']);
  });

  it('a decision sees the current records; one that throws or changes nothing writes nothing', async () => {
    const where = place();
    const store = where.open();
    const items = await store.open(ITEMS);
    await items.change(put({ id: 'a', value: 1 }));
    const seen: string[][] = [];
    await items.change((records) => {
      seen.push(values(records));
      return { put: [{ id: 'a', value: records.get('a')!.value + 1 }], deleted: [] };
    });
    expect(seen).toEqual([['a=1']]);
    await expect(items.change(() => {
      throw new Error('refused');
    })).rejects.toThrow('refused');
    await items.change(() => undefined);
    await store.refresh();
    expect(values(items.records)).toEqual(['a=2']);
    if (!durable) return;
    await store.close();
    expect(values((await where.open().open(ITEMS)).records)).toEqual(['a=2']);
  });

  it('names its own runner live and no other', async () => {
    const store = place().open();
    await store.open(ITEMS);
    expect(store.runner).not.toBe('');
    expect(await store.liveRunners([store.runner, 'gone', '1'])).toEqual(new Set([store.runner]));
  });

});

describe.each(IMPLEMENTATIONS.filter((implementation) => implementation.durable))('a durable QueryStore $name', ({ place }) => {
  it('refuses use once closed, with a StoreClosedError', async () => {
    const store = place().open();
    const items = await store.open(ITEMS);
    await store.close();
    await expect(items.change(put({ id: 'a', value: 1 }))).rejects.toBeInstanceOf(StoreClosedError);
    await expect(store.open(OTHERS)).rejects.toBeInstanceOf(StoreClosedError);
  });
});
