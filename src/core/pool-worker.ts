// Entry point of a pool worker, bundled on its own by scripts/build.mjs into WORKER_SOURCE and never
// imported by the library: its top-level code installs the worker's message handler. Optionally first
// takes the shared-memory core and its memory (see worker-memory.ts), then runs jobs from the pool
// and answers each with its result: in place in shared memory, or in the posted buffer, which it
// transfers back. The job's key copy is zeroed once the job is done.

import { runJob } from './parallel-jobs.js';
import { installRuntime, wasm } from './wasm-runtime.js';
import { NODE_PORT_GLOBAL, type PostedJob, type SharedCoreSetup, type WorkerRequest, type WorkerResponse } from './worker-protocol.js';

interface NodePort { on(event: 'message', listener: (message: WorkerRequest) => void): void; postMessage(message: unknown, transfer?: ArrayBuffer[]): void }

async function setUp({ module, memory }: SharedCoreSetup): Promise<WorkerResponse> {
  try {
    return { ready: installRuntime(await WebAssembly.instantiate(module, { env: { memory } })).seal() };
  } catch {
    return { ready: undefined };
  }
}

function answer({ id, job }: { id: number; job: PostedJob }): [WorkerResponse, ArrayBuffer[]] {
  const { data: where } = job;
  try {
    if (where instanceof Uint8Array) {
      const { output, hash } = runJob({ ...job, data: where });
      return [{ id, output, hash }, [output.buffer as ArrayBuffer]];
    }
    const { hash } = runJob({ ...job, data: wasm().bytes().subarray(where.address, where.address + where.length) });
    return [{ id, hash }, []];
  } catch (error) {
    const { name, message } = error as Error;
    return [{ id, error: { name, message } }, []];
  } finally {
    job.key.fill(0);
  }
}

async function respond(request: WorkerRequest, post: (message: WorkerResponse, transfer?: ArrayBuffer[]) => void): Promise<void> {
  if ('setup' in request) post(await setUp(request.setup));
  else post(...answer(request));
}

// In Node the pool prepends NODE_WORKER_PREAMBLE, which leaves the worker's port here.
const nodePort = (globalThis as { [NODE_PORT_GLOBAL]?: NodePort })[NODE_PORT_GLOBAL];
if (nodePort) {
  nodePort.on('message', (request) => void respond(request, (m, t) => nodePort.postMessage(m, t)));
} else {
  const scope = globalThis as unknown as { onmessage: (event: MessageEvent<WorkerRequest>) => void; postMessage(m: unknown, t?: ArrayBuffer[]): void };
  scope.onmessage = (event) => void respond(event.data, (m, t) => scope.postMessage(m, t));
}
