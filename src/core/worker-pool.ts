// A lazily started, shared pool of workers (Node worker_threads or browser Web Workers) running the
// bundled pool-worker source, each over a memory shared with this thread where the platform allows
// (worker-memory.ts). In Node the workers are unref'd whenever no job is in flight, so the pool
// never keeps a process alive; `terminateWorkers()` ends them outright. A worker that dies breaks
// its pool: the calls in flight fail, the other workers end, and the next call starts a new pool.

import { releasePartBuffers } from './part-buffers.js';
import { NODE_WORKER_PREAMBLE, type PostedJob, type WorkerRequest, type WorkerResponse } from './worker-protocol.js';
import { newWorkerMemory, sharedCoreModule, WorkerMemory } from './worker-memory.js';
import { WORKER_SOURCE } from './worker-source.generated.js';

interface PoolWorker {
  post(request: WorkerRequest, transfer?: ArrayBuffer[]): void;
  /** Whether this worker may keep the process alive (Node only; browsers ignore it). */
  keepAlive(alive: boolean): void;
  terminate(): Promise<unknown>;
}

/** What a worker sends back for a job: `output` when the job's data was posted rather than shared. */
export interface WorkerResult {
  output?: Uint8Array;
  hash?: Uint8Array;
}

type Settle = { resolve(result: WorkerResult): void; reject(error: Error): void };

/** Read when a pool starts. Tests turn shared memory off to exercise the posting path here too. */
export const poolSettings = { sharedMemory: true };

// Node's modules come through process.getBuiltinModule, not import(): a bundle for browsers then has
// nothing to resolve and carries no stand-in for them.

async function coreCount(): Promise<number> {
  const os = globalThis.process?.getBuiltinModule?.('node:os');
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return globalThis.navigator?.hardwareConcurrency ?? 2;
}

async function spawn(onResponse: (response: WorkerResponse) => void, onFailure: (error: Error) => void): Promise<PoolWorker> {
  const threads = globalThis.process?.getBuiltinModule?.('node:worker_threads');
  if (threads) {
    const { Worker } = threads;
    const source = NODE_WORKER_PREAMBLE + WORKER_SOURCE;
    const worker = new Worker(new URL(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`));
    worker.on('message', onResponse);
    worker.on('error', onFailure);
    worker.unref();
    return {
      post: (request, transfer = []) => worker.postMessage(request, transfer),
      keepAlive: (alive) => (alive ? worker.ref() : worker.unref()),
      terminate: () => worker.terminate(),
    };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  worker.onmessage = (event: MessageEvent<WorkerResponse>) => onResponse(event.data);
  worker.onerror = (event) => onFailure(new Error(`pool worker failed: ${event.message}`));
  return {
    post: (request, transfer = []) => worker.postMessage(request, transfer),
    keepAlive: () => {},
    terminate: async () => worker.terminate(),
  };
}

export class WorkerPool {
  private nextId = 1;
  private readonly pending = new Map<number, Settle & { worker: number }>();
  private readonly load: number[];
  /** Each worker's shared memory, or undefined for a worker whose parts are posted to it. */
  private readonly memories: Array<WorkerMemory | undefined>;
  /** Workers setting up their shared core, and what to call with the answer. */
  private readonly settingUp = new Map<number, (base: number | undefined) => void>();
  /** Why this pool stopped taking work (a worker died, or it was terminated). */
  private failure: Error | undefined;

  private constructor(private readonly workers: PoolWorker[], readonly cores: number, private readonly onBroken: () => void) {
    this.load = workers.map(() => 0);
    this.memories = workers.map(() => undefined);
  }

  /** `workers` workers for `cores` cores; `onBroken` is called once if a worker dies. */
  static async start({ workers: size, cores = size, onBroken = () => {} }: { workers: number; cores?: number; onBroken?: () => void }): Promise<WorkerPool> {
    const holder: { pool?: WorkerPool } = {};
    const workers = await Promise.all(Array.from({ length: size }, (_, index) => spawn(
      (response) => holder.pool!.receive(index, response),
      (error) => void holder.pool!.break(error),
    )));
    holder.pool = new WorkerPool(workers, cores, onBroken);
    if (poolSettings.sharedMemory) await holder.pool.shareMemory();
    return holder.pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Whether every worker takes its parts through shared memory. */
  get sharesMemory(): boolean {
    return this.memories.every((memory) => memory !== undefined);
  }

  /** The worker with the fewest jobs in flight. */
  leastLoaded(): number {
    return this.load.indexOf(Math.min(...this.load));
  }

  /** The memory `worker` shares with this thread, if it does. */
  memoryOf(worker: number): WorkerMemory | undefined {
    return this.memories[worker];
  }

  /**
   * Runs a job on `worker` (by default the least loaded); `transfer` lists buffers to move rather
   * than copy. A job whose data lies in the worker's shared memory must go to that worker.
   */
  run(job: PostedJob, transfer: ArrayBuffer[] = [], worker = this.leastLoaded()): Promise<WorkerResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<WorkerResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      if (this.load[worker]!++ === 0) this.workers[worker]!.keepAlive(true);
      this.workers[worker]!.post({ id, job }, transfer);
    });
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('the worker pool was terminated');
    this.failAll(this.failure);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** A worker died: fail everything in flight and refuse further work; the others are ended too. */
  private async break(cause: Error): Promise<void> {
    if (this.failure) return;
    this.failure = new Error(`a pool worker failed: ${cause.message}`, { cause });
    this.onBroken();
    await this.terminate();
  }

  /** Gives each worker the shared-memory core; a worker that cannot take it keeps its own. */
  private async shareMemory(): Promise<void> {
    const module = await sharedCoreModule();
    if (!module) return;
    await Promise.all(this.workers.map(async (worker, index) => {
      const memory = newWorkerMemory();
      if (!memory) return;
      // Kept alive meanwhile: the caller awaits this, and nothing else may hold the process open.
      worker.keepAlive(true);
      const base = await new Promise<number | undefined>((resolve) => {
        this.settingUp.set(index, resolve);
        worker.post({ setup: { module, memory } });
      });
      worker.keepAlive(false);
      if (base !== undefined) this.memories[index] = new WorkerMemory(memory, base);
    }));
  }

  private receive(worker: number, response: WorkerResponse): void {
    if ('ready' in response) {
      this.settingUp.get(worker)?.(response.ready);
      this.settingUp.delete(worker);
      return;
    }
    const entry = this.pending.get(response.id);
    if (!entry) return;
    this.pending.delete(response.id);
    if (--this.load[entry.worker]! === 0) this.workers[entry.worker]!.keepAlive(false);
    if ('error' in response) {
      const error = new Error(response.error.message);
      error.name = response.error.name;
      entry.reject(error);
    } else {
      entry.resolve({ output: response.output, hash: response.hash });
    }
  }

  private failAll(error: Error): void {
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      this.load[entry.worker] = 0;
      entry.reject(error);
    }
    for (const [worker, resolve] of this.settingUp) {
      this.settingUp.delete(worker);
      resolve(undefined);
    }
    this.workers.forEach((w) => w.keepAlive(false));
  }
}

let shared: Promise<WorkerPool> | undefined;

/**
 * The process-wide pool, started on first use with one worker more than there are cores: the
 * calling thread needs CPU too (it copies parts in and results out), and with exactly one worker
 * per core the worker that shares a core with it falls behind; one more lets the scheduler spread
 * that load (paired A/B at 64 MiB on 2 cores: speed-up +0.02–0.07 in 8 of 8 runs).
 */
export function sharedPool(): Promise<WorkerPool> {
  if (!shared) {
    // Forgotten if it breaks later, or fails to start (the next call tries again).
    const forget = () => {
      if (shared === starting) shared = undefined;
    };
    const starting: Promise<WorkerPool> = coreCount().then((count) => {
      const cores = Math.max(1, count);
      return WorkerPool.start({ workers: cores + 1, cores, onBroken: forget });
    });
    starting.catch(forget);
    shared = starting;
  }
  return shared;
}

export interface WorkerPoolInfo {
  workers: number;
  /**
   * Whether parts reach the workers through memory they share with this thread (Node; in browsers
   * only on cross-origin-isolated pages) rather than posted buffers, which cost two more copies.
   */
  sharedMemory: boolean;
}

/** Starts the shared pool if it is not running, and describes it. */
export async function workerPoolInfo(): Promise<WorkerPoolInfo> {
  const pool = await sharedPool();
  return { workers: pool.size, sharedMemory: pool.sharesMemory };
}

/** Ends the shared pool's workers now (a later parallel call starts a new pool). */
export async function terminateWorkers(): Promise<void> {
  const pool = shared;
  shared = undefined;
  releasePartBuffers();
  if (pool) await (await pool).terminate();
}
