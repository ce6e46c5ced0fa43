// What the engine's worker (engine-worker.ts) and the thread that owns the data (engine-thread.ts)
// exchange. Statements travel as messages. A table's object is read by range: DuckDB's reads are
// synchronous calls inside the worker, so the worker posts the range it needs and waits on a shared
// buffer (Atomics.wait) while the owning thread reads it from the ObjectStore as the query's caller
// (asynchronous: S3 and KMS calls) and writes the bytes there.

/** Requests to the worker; each is answered with an EngineResponse of the same id. */
export type EngineRequest = { id: number } & (
  | { op: 'open'; bindings: string; modules: { mvp: string; eh: string }; channel: SharedArrayBuffer }
  | { op: 'query' | 'prepared' | 'tableNames'; sql: string }
  | { op: 'registerBuffer'; name: string; buffer: Uint8Array }
  | { op: 'registerObject'; name: string; size: number }
  | { op: 'drop'; name: string }
);

/** A result table: its columns' values, row by row. */
export interface PostedTable { numRows: number; columns: unknown[][] }

export type EngineResponse = { id: number; result?: PostedTable | string[]; error?: string } | { read: ObjectRead };

/** A range of a registered object the worker waits for. */
export interface ObjectRead { name: string; offset: number; length: number }

/** The shared read channel: a header of Int32 slots, then the bytes of one read. */
export const CHANNEL_HEADER_BYTES = 16;
/** The most bytes one answer carries: a longer read is asked for in pieces. */
export const CHANNEL_CAPACITY = 8 << 20;
export const STATE_SLOT = 0;
export const LENGTH_SLOT = 1;
export const PENDING = 0;
export const ANSWERED = 1;
/** The owning thread could not read the range; the bytes hold the message (UTF-8). */
export const REFUSED = 2;

/** The data protocol DuckDB WASM's Node runtime does not use, taken here for objects read by range. */
export const OBJECT_PROTOCOL = 2;
