// Entry point of the engine's worker (Node), bundled on its own by scripts/build.mjs into
// ENGINE_WORKER_SOURCE and never imported by the library: its top-level code installs the message
// handler. It runs DuckDB WASM's blocking bindings with a runtime that serves the files registered
// as objects by range through the shared read channel (engine-worker-protocol.ts), so a scan of a
// table streams its objects — DuckDB holds the ranges it is parsing, never an object whole — and
// the parsing runs here, off the owning thread's event loop.

import {
  ANSWERED, CHANNEL_CAPACITY, CHANNEL_HEADER_BYTES, LENGTH_SLOT, OBJECT_PROTOCOL, PENDING, REFUSED, STATE_SLOT,
  type EngineRequest, type EngineResponse, type PostedTable,
} from './engine-worker-protocol.js';
import { NODE_PORT_GLOBAL } from '../core/worker-protocol.js';

interface Port { on(event: 'message', listener: (message: EngineRequest) => void): void; postMessage(message: EngineResponse): void }
interface ResultTable { numRows: number; numCols: number; getChildAt(i: number): { get(row: number): unknown } | null }
interface Connection {
  query(sql: string): ResultTable;
  prepare(sql: string): { query(): ResultTable; close(): void };
  getTableNames(sql: string): string[];
}
interface Bindings {
  instantiate(): Promise<unknown>;
  open(config: object): void;
  connect(): Connection;
  registerFileBuffer(name: string, buffer: Uint8Array): void;
  registerFileHandle(name: string, handle: unknown, protocol: number, directIO: boolean): void;
  dropFile(name: string): void;
}
interface Module { HEAPU8: Uint8Array; HEAPF64: Float64Array; _malloc(bytes: number): number }
type RuntimeCall = (mod: Module, fileId: number, ...rest: number[]) => number;
interface Runtime { resolveFileInfo(mod: Module, fileId: number): { dataProtocol: number; fileName: string } | null; [call: string]: unknown }

const port = (globalThis as unknown as Record<string, Port>)[NODE_PORT_GLOBAL]!;
const text = new TextDecoder();
/** The objects registered for reading by range: name → size. */
const objects = new Map<string, number>();
let connection: Connection;
let db: Bindings;

/** DuckDB's Node runtime, with the object protocol's open, read and modification time served here. */
function objectRuntime(base: Runtime, channel: SharedArrayBuffer, failWith: (mod: Module, message: string) => void): Runtime {
  const state = new Int32Array(channel, 0, CHANNEL_HEADER_BYTES / 4);
  const bytes = new Uint8Array(channel, CHANNEL_HEADER_BYTES);
  const objectOf = (mod: Module, fileId: number) => {
    const file = base.resolveFileInfo(mod, fileId);
    return file?.dataProtocol === OBJECT_PROTOCOL ? file.fileName : undefined;
  };
  const delegate = (call: string): RuntimeCall => base[call] as RuntimeCall;
  return {
    ...base,
    openFile(mod: Module, fileId: number, flags: number) {
      const name = objectOf(mod, fileId);
      if (name === undefined) return delegate('openFile')(mod, fileId, flags);
      const result = mod._malloc(3 * 8); // size, buffer (none: read by range), unused
      mod.HEAPF64.set([objects.get(name) ?? 0, 0, 0], result >> 3);
      return result;
    },
    readFile(mod: Module, fileId: number, buffer: number, length: number, location: number) {
      const name = objectOf(mod, fileId);
      if (name === undefined) return delegate('readFile')(mod, fileId, buffer, length, location);
      let done = 0;
      while (done < length) {
        const piece = Math.min(length - done, CHANNEL_CAPACITY);
        Atomics.store(state, STATE_SLOT, PENDING);
        port.postMessage({ read: { name, offset: location + done, length: piece } });
        Atomics.wait(state, STATE_SLOT, PENDING);
        const answered = Atomics.load(state, LENGTH_SLOT);
        if (Atomics.load(state, STATE_SLOT) === REFUSED) {
          failWith(mod, text.decode(bytes.slice(0, answered)));
          return 0;
        }
        mod.HEAPU8.set(bytes.subarray(0, answered), buffer + done);
        done += answered;
        if (answered < piece) break; // the end of the object
      }
      return done;
    },
    getLastFileModificationTime(mod: Module, fileId: number) {
      return objectOf(mod, fileId) === undefined ? delegate('getLastFileModificationTime')(mod, fileId) : 0;
    },
  };
}

/** A result as plain columns (an Arrow table does not survive postMessage). */
function posted(table: ResultTable): PostedTable {
  const columns: unknown[][] = [];
  for (let i = 0; i < table.numCols; i++) {
    const vector = table.getChildAt(i)!;
    columns.push(Array.from({ length: table.numRows }, (_, row) => vector.get(row)));
  }
  return { numRows: table.numRows, columns };
}

async function open(request: Extract<EngineRequest, { op: 'open' }>): Promise<undefined> { // eslint-disable-line @typescript-eslint/require-await
  // Node's module loader without an import of a node: specifier, which the browser build must not carry.
  const { createRequire } = (globalThis as unknown as { process: { getBuiltinModule(name: string): typeof import('node:module') } }).process.getBuiltinModule('module');
  const duckdb = createRequire(request.bindings)(request.bindings);
  const runtime = objectRuntime(duckdb.NODE_RUNTIME, request.channel, duckdb.failWith);
  const bundles = { mvp: { mainModule: request.modules.mvp, mainWorker: '' }, eh: { mainModule: request.modules.eh, mainWorker: '' } };
  db = await duckdb.createDuckDB(bundles, new duckdb.VoidLogger(), runtime);
  await db.instantiate();
  db.open({});
  connection = db.connect();
  return undefined;
}

function answer(request: EngineRequest): PostedTable | string[] | undefined {
  switch (request.op) {
    case 'query': return posted(connection.query(request.sql));
    case 'prepared': {
      const statement = connection.prepare(request.sql);
      try {
        return posted(statement.query());
      } finally {
        statement.close();
      }
    }
    case 'tableNames': return connection.getTableNames(request.sql);
    case 'registerBuffer': return void db.registerFileBuffer(request.name, request.buffer);
    case 'registerObject':
      objects.set(request.name, request.size);
      return void db.registerFileHandle(request.name, {}, OBJECT_PROTOCOL, true);
    case 'drop':
      objects.delete(request.name);
      return void db.dropFile(request.name);
    default: throw new Error(`unknown request ${String(request.op)}`);
  }
}

port.on('message', (request) => {
  void (async () => {
    try {
      port.postMessage({ id: request.id, result: request.op === 'open' ? await open(request) : answer(request) });
    } catch (error) {
      port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
    }
  })();
});
