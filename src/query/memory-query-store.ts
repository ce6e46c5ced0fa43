// A QueryService's catalog and history held in memory (its default, without a store), and the
// records a DirectoryQueryStore keeps in memory between its whole-document writes: each change is
// decided and applied at once (core/state-change.ts), persisted whole if there is somewhere to
// persist to, and taken back if that fails. One writer: there is nothing to catch up with.

import { SerialQueue } from '../core/serial-queue.js';
import { commitChange } from '../core/state-change.js';
import type { QueryCollection, QueryRecords, QueryStore, RecordChanges } from './query-store.js';

export class MemoryQueryRecords<T> implements QueryRecords<T> {
  readonly records = new Map<string, T>();
  private readonly writes = new SerialQueue();

  /** `saved`: the records to start from, in order; `persist`: writes every record (in order) durably. */
  constructor(private readonly collection: QueryCollection<T>, saved: T[] = [], private readonly persist?: (records: T[]) => Promise<void>) {
    for (const record of saved) this.records.set(collection.id(record), record);
  }

  change(decide: (records: ReadonlyMap<string, T>) => RecordChanges<T> | undefined): Promise<void> {
    const { persist } = this;
    return commitChange(() => {
      const changes = decide(this.records);
      return changes ? { record: changes, undo: this.apply(changes) } : { record: undefined };
    }, persist && ((changes) => (changes ? persist([...this.records.values()]) : Promise.resolve())), this.writes);
  }

  /** Resolves once the writes under way are done. */
  settled(): Promise<void> {
    return this.writes.run(() => Promise.resolve());
  }

  /**
   * Applies `changes` and returns how to take them back. A change that only writes records restores
   * the ones it touched; one that removes some restores the whole map, so each record keeps its place.
   */
  private apply({ put, deleted }: RecordChanges<T>): () => void {
    const { records } = this;
    const whole = deleted.length > 0 ? [...records] : undefined;
    const touched = whole ? [] : put.map((record) => [this.collection.id(record), records.get(this.collection.id(record))] as const);
    for (const record of put) records.set(this.collection.id(record), record);
    for (const id of deleted) records.delete(id);
    return () => {
      if (whole) {
        records.clear();
        for (const [id, record] of whole) records.set(id, record);
        return;
      }
      for (const [id, was] of touched.reverse()) {
        if (was === undefined) records.delete(id);
        else records.set(id, was);
      }
    };
  }
}

/**
 * The store of a QueryService without one: its records live as long as it does. A store with one
 * writer (DirectoryQueryStore) is this one with somewhere to persist to.
 */
export class MemoryQueryStore implements QueryStore {
  readonly runner = crypto.randomUUID();
  protected readonly collections = new Map<string, MemoryQueryRecords<never>>();

  constructor(readonly location = 'in memory') {}

  open<T>(collection: QueryCollection<T>): Promise<QueryRecords<T>> {
    let records = this.collections.get(collection.name);
    if (!records) this.collections.set(collection.name, (records = new MemoryQueryRecords(collection as QueryCollection<never>)));
    return Promise.resolve(records as unknown as QueryRecords<T>);
  }

  /** One writer: nothing to catch up with. */
  refresh(): Promise<void> {
    return Promise.resolve();
  }

  /** One writer: a stop is made through this service, in these records, at once. */
  followChanges(): () => void {
    return () => undefined;
  }

  /** Only this service runs the store's queries: any other runner an execution names (a predecessor) is gone. */
  liveRunners(runners: string[]): Promise<Set<string>> {
    return Promise.resolve(new Set(runners.filter((runner) => runner === this.runner)));
  }

  async close(): Promise<void> {
    for (const records of this.collections.values()) await records.settled();
  }
}
