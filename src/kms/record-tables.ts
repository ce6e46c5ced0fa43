// The KMS state as tables of records, changed through transactions that copy only what they touch.
//
// Records in a table are frozen: a call reads them freely, and to change one it asks the transaction
// for a copy (edit), which takes the record's place in its table; the frozen original goes into the
// transaction's undo log. So a failed call rolls back exactly the records it changed, a call that
// changed nothing has nothing to write, and a change made without going through the transaction
// throws (a TypeError in strict mode) instead of slipping past rollback and the store.

/** The records a committed transaction put (inserted or changed) and deleted, by id. */
export interface TableChanges<T> {
  put: T[];
  deleted: string[];
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}

/**
 * Records by id, with secondary indexes (records by a field's value) kept current: a record edited
 * in the open transaction is re-indexed at each lookup, since its copy may still be changing.
 */
export class RecordTable<T extends object> {
  private readonly rows = new Map<string, T>();
  private readonly indexes = new Map<string, { valueOf: (record: T) => string | undefined; groups: Map<string, Set<string>>; indexed: Map<string, string> }>();
  /** Ids changed by the open transaction, whose index entries may be out of date. */
  private readonly unsettled = new Set<string>();

  constructor(readonly idOf: (record: T) => string, indexes: Record<string, (record: T) => string | undefined> = {}) {
    for (const [name, valueOf] of Object.entries(indexes)) this.indexes.set(name, { valueOf, groups: new Map(), indexed: new Map() });
  }

  get size(): number {
    return this.rows.size;
  }

  get(id: string): T | undefined {
    return this.rows.get(id);
  }

  values(): IterableIterator<T> {
    return this.rows.values();
  }

  /** The records whose indexed field `index` has this value. */
  lookup(index: string, value: string): T[] {
    this.reindex();
    const ids = this.indexes.get(index)!.groups.get(value);
    return ids ? [...ids].map((id) => this.rows.get(id)!) : [];
  }

  /** Fills the table on load; the records are frozen. */
  load(records: Iterable<T>): void {
    for (const record of records) this.place(this.idOf(record), deepFreeze(record));
    this.reindex();
    this.unsettled.clear();
  }

  /** Puts (or, with undefined, removes) a record changed elsewhere (by another process sharing the store), outside any transaction. */
  replace(id: string, record: T | undefined): void {
    this.place(id, record === undefined ? undefined : deepFreeze(record));
    this.settle();
  }

  /** For Transaction: puts a record (or removes it, with undefined) and marks it for re-indexing. */
  place(id: string, record: T | undefined): void {
    if (record === undefined) this.rows.delete(id);
    else this.rows.set(id, record);
    this.unsettled.add(id);
  }

  /** For Transaction: once committed or rolled back, the records are settled again. */
  settle(): void {
    this.reindex();
    this.unsettled.clear();
  }

  private reindex(): void {
    if (this.unsettled.size === 0) return;
    for (const id of this.unsettled) {
      const record = this.rows.get(id);
      for (const index of this.indexes.values()) {
        const old = index.indexed.get(id);
        const value = record === undefined ? undefined : index.valueOf(record);
        if (old === value) continue;
        if (old !== undefined) {
          const group = index.groups.get(old)!;
          group.delete(id);
          if (group.size === 0) index.groups.delete(old);
        }
        if (value === undefined) {
          index.indexed.delete(id);
        } else {
          index.indexed.set(id, value);
          let group = index.groups.get(value);
          if (!group) index.groups.set(value, (group = new Set()));
          group.add(id);
        }
      }
    }
  }
}

/** One call's changes to a set of tables: its undo log holds each touched record as it was before. */
export class Transaction {
  private readonly undo = new Map<RecordTable<object>, Map<string, object | undefined>>();

  /** Adds a new record (frozen at commit). */
  insert<T extends object>(table: RecordTable<T>, record: T): T {
    const id = table.idOf(record);
    this.remember(table, id);
    table.place(id, record);
    return record;
  }

  /** A changeable copy of a record, which replaces it in its table until commit or rollback. */
  edit<T extends object>(table: RecordTable<T>, id: string): T {
    const current = table.get(id);
    if (current === undefined) throw new Error(`no record ${id} to edit`);
    if (!Object.isFrozen(current)) return current; // already this transaction's copy
    this.remember(table, id);
    const copy = structuredClone(current);
    table.place(id, copy);
    return copy;
  }

  remove<T extends object>(table: RecordTable<T>, id: string): void {
    if (table.get(id) === undefined) return;
    this.remember(table, id);
    table.place(id, undefined);
  }

  /** What the transaction changed in `table` (a record changed and changed back still counts). */
  changes<T extends object>(table: RecordTable<T>): TableChanges<T> {
    const put: T[] = [];
    const deleted: string[] = [];
    for (const id of this.undo.get(table as unknown as RecordTable<object>)?.keys() ?? []) {
      const record = table.get(id);
      if (record === undefined) deleted.push(id);
      else put.push(record);
    }
    return { put, deleted };
  }

  get changed(): boolean {
    return this.undo.size > 0;
  }

  /** Keeps every change: the touched records are frozen and the undo log emptied. */
  commit(): void {
    for (const [table, touched] of this.undo) {
      for (const id of touched.keys()) deepFreeze(table.get(id));
      table.settle();
    }
    this.undo.clear();
  }

  /** Puts every touched record back as it was before the transaction. */
  rollback(): void {
    for (const [table, touched] of this.undo) {
      for (const [id, before] of touched) table.place(id, before);
      table.settle();
    }
    this.undo.clear();
  }

  private remember<T extends object>(table: RecordTable<T>, id: string): void {
    let touched = this.undo.get(table as unknown as RecordTable<object>);
    if (!touched) this.undo.set(table as unknown as RecordTable<object>, (touched = new Map()));
    if (!touched.has(id)) touched.set(id, table.get(id));
  }
}
