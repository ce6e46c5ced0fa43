// A lazily started, shared pool of workers (Node worker_threads or browser Web Workers) running the
// bundled pool-worker source. In Node the workers are unref'd whenever no job is in flight, so the
// pool never keeps a process alive; `terminateWorkers()` ends them outright.

import type { Job, JobResult } from './parallel-jobs.js';
import { releasePartBuffers } from './part-buffers.js';
import { NODE_WORKER_PREAMBLE, type JobRequest, type JobResponse } from './pool-worker.js';
import { WORKER_SOURCE } from './worker-source.generated.js';

interface PoolWorker {
  post(request: JobRequest, transfer: ArrayBuffer[]): void;
  /** Whether this worker may keep the process alive (Node only; browsers ignore it). */
  keepAlive(alive: boolean): void;
  terminate(): Promise<unknown>;
}

type Settle = { resolve(result: JobResult): void; reject(error: Error): void };

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

async function coreCount(): Promise<number> {
  if (isNode) {
    const os = await import('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return globalThis.navigator?.hardwareConcurrency ?? 2;
}

async function spawn(onResponse: (response: JobResponse) => void, onFailure: (error: Error) => void): Promise<PoolWorker> {
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    const source = NODE_WORKER_PREAMBLE + WORKER_SOURCE;
    const worker = new Worker(new URL(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`));
    worker.on('message', onResponse);
    worker.on('error', onFailure);
    worker.unref();
    return {
      post: (request, transfer) => worker.postMessage(request, transfer),
      keepAlive: (alive) => (alive ? worker.ref() : worker.unref()),
      terminate: () => worker.terminate(),
    };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  worker.onmessage = (event: MessageEvent<JobResponse>) => onResponse(event.data);
  worker.onerror = (event) => onFailure(new Error(`pool worker failed: ${event.message}`));
  return {
    post: (request, transfer) => worker.postMessage(request, transfer),
    keepAlive: () => {},
    terminate: async () => worker.terminate(),
  };
}

export class WorkerPool {
  private nextId = 1;
  private readonly pending = new Map<number, Settle & { worker: number }>();
  private readonly load: number[];

  private constructor(private readonly workers: PoolWorker[]) {
    this.load = workers.map(() => 0);
  }

  static async start(size: number): Promise<WorkerPool> {
    const holder: { pool?: WorkerPool } = {};
    const workers = await Promise.all(Array.from({ length: size }, () => spawn(
      (response) => holder.pool!.settle(response),
      (error) => holder.pool!.failAll(error),
    )));
    holder.pool = new WorkerPool(workers);
    return holder.pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs a job on the least loaded worker; `transfer` lists buffers to move rather than copy. */
  run(job: Job, transfer: ArrayBuffer[] = []): Promise<JobResult> {
    const worker = this.load.indexOf(Math.min(...this.load));
    const id = this.nextId++;
    return new Promise<JobResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      if (this.load[worker]!++ === 0) this.workers[worker]!.keepAlive(true);
      this.workers[worker]!.post({ id, job }, transfer);
    });
  }

  async terminate(): Promise<void> {
    this.failAll(new Error('the worker pool was terminated'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private settle(response: JobResponse): void {
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
  shared ??= coreCount().then((cores) => WorkerPool.start(Math.max(1, cores) + 1));
  return shared;
}

/** Ends the shared pool's workers now (a later parallel call starts a new pool). */
export async function terminateWorkers(): Promise<void> {
  const pool = shared;
  shared = undefined;
  releasePartBuffers();
  if (pool) await (await pool).terminate();
}
