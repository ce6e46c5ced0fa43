// Where a QueryService keeps what outlives it: the catalog (athena-catalog) and the execution
// history (athena-executions), each one document, read whole when the service opens and written
// whole at each change. No store: both in memory. kms-wasm/node's QueryService turns `dir` into a
// DirectoryQueryStore (directory-query-store.ts), so the default entry carries no directory code.

export type QueryDocumentName = 'athena-catalog' | 'athena-executions';

export interface QueryDocument<T> {
  /** What was last written; undefined for a new store. */
  saved: T | undefined;
  /** Replaces the document, atomically: a failed write leaves the last one. */
  write(value: T): Promise<void>;
}

export interface QueryStore {
  /** Where the store is, for errors ("store <location> is closed"). */
  readonly location: string;
  /** Reads a document; from the first open until close() the store is this service's alone. */
  open<T>(name: QueryDocumentName): Promise<QueryDocument<T>>;
  /** Releases the store (a directory's lock) for another service. */
  close(): Promise<void>;
}
