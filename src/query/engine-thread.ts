// The engine in Node: DuckDB WASM's blocking bindings in a worker thread of their own
// (engine-worker.ts), seen through the asynchronous calls DuckDbEngine makes of AsyncDuckDB, plus
// registerObjectFile: a file DuckDB reads by range, each range read here — on this thread, where
// the ObjectStore lives — by the reader the table loader gives (the query's caller's ranged
// GetObject), and handed to the waiting worker through the shared read channel.

import { NODE_WORKER_PREAMBLE } from '../core/worker-protocol.js';
import { QueryFailure } from './athena-errors.js';
import type { ArrowTable, AsyncDuckDb, AsyncDuckDbConnection, ObjectReader } from './duckdb-engine.js';
import { ENGINE_WORKER_SOURCE } from './engine-worker-source.generated.js';
import {
  ANSWERED, CHANNEL_CAPACITY, CHANNEL_HEADER_BYTES, LENGTH_SLOT, REFUSED, STATE_SLOT,
  type EngineRequest, type EngineResponse, type ObjectRead, type PostedTable,
} from './engine-worker-protocol.js';

type Request = EngineRequest extends infer R ? (R extends EngineRequest ? Omit<R, 'id'> : never) : never;
type Settle = { resolve(result: unknown): void; reject(error: unknown): void };
interface NodeWorker {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  on(event: string, listener: (value: never) => void): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

const utf8 = new TextEncoder();

/** A posted result as the ArrowTable calls DuckDbEngine makes. */
const table = ({ numRows, columns }: PostedTable): ArrowTable => ({ numRows, getChildAt: (i) => ({ get: (row) => columns[i]![row] }) });

export class EngineThread implements AsyncDuckDb {
  private nextId = 1;
  private readonly pending = new Map<number, Settle>();
  private readonly readers = new Map<string, ObjectReader>();
  private readonly state: Int32Array;
  private readonly bytes: Uint8Array;
  /** The first refusal a reader met while the current statement ran: the statement's failure, rather than DuckDB's I/O error. */
  private readFailure: unknown;
  /** Why the worker stopped, once it has. */
  private stopped: QueryFailure | undefined;

  private constructor(private readonly worker: NodeWorker, channel: SharedArrayBuffer, private readonly onStop: () => void) {
    this.state = new Int32Array(channel, 0, CHANNEL_HEADER_BYTES / 4);
    this.bytes = new Uint8Array(channel, CHANNEL_HEADER_BYTES);
    worker.on('message', (message: EngineResponse) => ('read' in message ? void this.serve(message.read) : this.settle(message)));
    // An uncaught error (ERR_WORKER_OUT_OF_MEMORY among them) comes before the exit: its message is the better reason.
    worker.on('error', (error: Error) => this.stop(error.message));
    worker.on('exit', (code: number) => this.stop(`its worker exited with code ${code}`));
    worker.unref();
  }

  /**
   * Starts the worker and opens DuckDB in it (`bindings`: the path of duckdb-node-blocking.cjs;
   * `modules`: its .wasm files). `onStop` is called once, when the worker stops (it exited, was
   * terminated, or ran out of memory): the thread is then of no further use.
   */
  static async start(bindings: string, modules: { mvp: string; eh: string }, onStop: () => void = () => {}): Promise<EngineThread> {
    const { Worker } = process.getBuiltinModule('node:worker_threads'); // not import(): see core/worker-pool.ts
    const source = NODE_WORKER_PREAMBLE + ENGINE_WORKER_SOURCE;
    const worker = new Worker(new URL(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`));
    const channel = new SharedArrayBuffer(CHANNEL_HEADER_BYTES + CHANNEL_CAPACITY);
    const thread = new EngineThread(worker as unknown as NodeWorker, channel, onStop);
    await thread.request({ op: 'open', bindings, modules, channel });
    return thread;
  }

  /** Stops the worker now (a running statement fails); resolves once it has exited. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  async connect(): Promise<AsyncDuckDbConnection> {
    return {
      query: async (sql) => table(await this.request({ op: 'query', sql }) as PostedTable),
      getTableNames: async (sql) => await this.request({ op: 'tableNames', sql }) as string[],
      prepare: async (sql) => ({ query: async () => table(await this.request({ op: 'prepared', sql }) as PostedTable), close: async () => {} }),
    };
  }

  async registerFileBuffer(name: string, buffer: Uint8Array): Promise<void> {
    await this.request({ op: 'registerBuffer', name, buffer }, [buffer.buffer as ArrayBuffer]);
  }

  async registerObjectFile(name: string, size: number, read: ObjectReader): Promise<void> {
    this.readers.set(name, read);
    await this.request({ op: 'registerObject', name, size });
  }

  async dropFile(name: string): Promise<void> {
    this.readers.delete(name);
    await this.request({ op: 'drop', name });
  }

  private request(request: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    this.readFailure = undefined;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }

  private settle({ id, result, error }: { id: number; result?: unknown; error?: string }): void {
    const settle = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    if (error === undefined) settle?.resolve(result);
    else settle?.reject(this.readFailure ?? new Error(error));
  }

  /** Reads a range the worker waits for and wakes it with the bytes, or with why they could not be read. */
  private async serve({ name, offset, length }: ObjectRead): Promise<void> {
    try {
      const reader = this.readers.get(name);
      if (!reader) throw new Error(`${name} is not registered`);
      const range = await reader(offset, length);
      this.bytes.set(range.subarray(0, length));
      Atomics.store(this.state, LENGTH_SLOT, Math.min(range.length, length));
      Atomics.store(this.state, STATE_SLOT, ANSWERED);
      range.fill(0); // plaintext of an encrypted object: the worker has its copy
    } catch (error) {
      this.readFailure ??= error;
      const message = utf8.encode(error instanceof Error ? error.message : String(error)).subarray(0, CHANNEL_CAPACITY);
      this.bytes.set(message);
      Atomics.store(this.state, LENGTH_SLOT, message.length);
      Atomics.store(this.state, STATE_SLOT, REFUSED);
    }
    Atomics.notify(this.state, STATE_SLOT);
  }

  /** The worker is gone: every statement waiting for it fails with why, as any later one will; the owner is told once. */
  private stop(why: string): void {
    if (this.stopped) return;
    this.stopped = new QueryFailure(`GENERIC_INTERNAL_ERROR: the query engine stopped (${why}); the next query starts a new one`, 1);
    for (const settle of this.pending.values()) settle.reject(this.stopped);
    this.pending.clear();
    this.onStop();
  }
}
