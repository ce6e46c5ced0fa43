// Entry point of a pool worker (bundled by scripts/build.mjs into WORKER_SOURCE). Runs jobs from
// the pool and answers with the result, transferring the output buffer. The job's key copy is
// zeroed once the job is done.

import { runJob, type Job } from './parallel-jobs.js';

export const NODE_PORT_GLOBAL = '__kmsWasmWorkerPort';
/**
 * Prepended to the worker source in Node, which loads it as an ES module from a data: URL (an
 * eval worker would inherit flags such as --input-type from the parent).
 */
export const NODE_WORKER_PREAMBLE = `import { parentPort } from 'node:worker_threads';\nglobalThis.${NODE_PORT_GLOBAL} = parentPort;\n`;

export interface JobRequest { id: number; job: Job }
export type JobResponse = { id: number; output: Uint8Array; hash?: Uint8Array } | { id: number; error: { name: string; message: string } };

interface NodePort { on(event: 'message', listener: (message: JobRequest) => void): void; postMessage(message: unknown, transfer: ArrayBuffer[]): void }

function answer({ id, job }: JobRequest): [JobResponse, ArrayBuffer[]] {
  try {
    const { output, hash } = runJob(job);
    return [{ id, output, hash }, [output.buffer as ArrayBuffer]];
  } catch (error) {
    const { name, message } = error as Error;
    return [{ id, error: { name, message } }, []];
  } finally {
    job.key.fill(0);
  }
}

// In Node the pool prepends NODE_WORKER_PREAMBLE, which leaves the worker's port here.
const nodePort = (globalThis as { [NODE_PORT_GLOBAL]?: NodePort })[NODE_PORT_GLOBAL];
if (nodePort) {
  nodePort.on('message', (request) => nodePort.postMessage(...answer(request)));
} else {
  const scope = globalThis as unknown as { onmessage: (event: MessageEvent<JobRequest>) => void; postMessage(m: unknown, t: ArrayBuffer[]): void };
  scope.onmessage = (event) => scope.postMessage(...answer(event.data));
}
