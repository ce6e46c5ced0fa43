// What the pool (worker-pool.ts) and its workers (pool-worker.ts) exchange, and how a Node worker
// finds its port. Kept apart from pool-worker.ts, whose top-level code installs the worker's
// message handler: importing that from the library would install it in the importing program.

import type { Job } from './parallel-jobs.js';

export const NODE_PORT_GLOBAL = '__kmsWasmWorkerPort';
/**
 * Prepended to the worker source in Node, which loads it as an ES module from a data: URL (an
 * eval worker would inherit flags such as --input-type from the parent).
 */
export const NODE_WORKER_PREAMBLE = `import { parentPort } from 'node:worker_threads';\nglobalThis.${NODE_PORT_GLOBAL} = parentPort;\n`;

/** A part the calling thread wrote into this worker's shared memory. */
export interface SharedPart { address: number; length: number }
/** A job as posted: its data travels in a transfer buffer or lies in the worker's shared memory. */
export type PostedJob = Job<Uint8Array | SharedPart>;

export interface SharedCoreSetup { module: WebAssembly.Module; memory: WebAssembly.Memory }
export type WorkerRequest = { setup: SharedCoreSetup } | { id: number; job: PostedJob };
export type WorkerResponse =
  /** After a setup: where the worker's runtime ends in the shared memory, or undefined if it could not set up. */
  | { ready: number | undefined }
  /** `output` only for a posted buffer; a shared part's output is where its input was. */
  | { id: number; output?: Uint8Array; hash?: Uint8Array }
  | { id: number; error: { name: string; message: string } };
