// Where a QueryService keeps what outlives it: the catalog (a record per database, with its
// tables) and the execution history (a record per execution), each a collection of records by id.
// No store: both in memory (MemoryQueryStore). kms-wasm/node's QueryService turns `dir` into a
// DirectoryQueryStore (directory-query-store.ts; one service per directory), and
// PostgresQueryStore (postgres-query-store.ts) keeps them in a PostgreSQL database that several
// services share: each sees the tables and executions the others made.

/** A collection: its name, the list its records form in a directory's document, and each record's id. */
export interface QueryCollection<T> {
  name: 'athena-catalog' | 'athena-executions';
  list: 'databases' | 'executions';
  id: (record: T) => string;
}

/** What a change does to a collection: the records it writes (new or replacing) and the ids it removes. */
export interface RecordChanges<T> {
  put: T[];
  deleted: string[];
}

export interface QueryRecords<T> {
  /** The records by id, in the order they were first added; current as of the store's last refresh() or this change(). */
  readonly records: ReadonlyMap<string, T>;
  /**
   * Runs `decide` on the current records — in a shared store, caught up under the store's write
   * lock, so a check in it (the table is new, the query still running) holds when the change is
   * made — and makes the change it returns durable (`undefined`: nothing to change). If `decide`
   * throws, nothing is written; if the write fails, the records are as they were and it throws.
   */
  change(decide: (records: ReadonlyMap<string, T>) => RecordChanges<T> | undefined): Promise<void>;
}

export interface QueryStore {
  /** Where the store is, for errors ("store <location> is closed"); never a password. */
  readonly location: string;
  /** Opens a collection; from the first open until close() a directory store is this service's alone. */
  open<T>(collection: QueryCollection<T>): Promise<QueryRecords<T>>;
  /** Catches up every open collection with the changes other services sharing the store made (nothing to do for a store with one writer). */
  refresh(): Promise<void>;
  /**
   * Until the returned function is called, catches up with the changes other services sharing the
   * store commit as they commit them, not only at refresh(): a query scanning here learns of a stop
   * made through another service between its reads (nothing to follow for a store with one writer).
   */
  followChanges(): () => void;
  /** Who runs queries through this store while it is open (executions name it), once a collection is open. */
  readonly runner: string;
  /** Of the runners that executions name, those still running (a directory's or memory's: only this one). */
  liveRunners(runners: string[]): Promise<Set<string>>;
  /** Waits for the writes under way and releases the store (a directory's lock, a database's connections). */
  close(): Promise<void>;
}
