// The engine in Node: DuckDB WASM (@duckdb/duckdb-wasm, an optional peer dependency), one instance
// per process in a worker thread of its own (engine-thread.ts), started on first use (compiling its
// 34 MB module takes seconds), and started again after its worker stopped. Its blocking Node bindings
// run there, so a query's parsing and scanning never hold up this thread's event loop, and the
// tables' objects are read by range.

import { QueryFailure } from './athena-errors.js';
import { DuckDbEngine } from './duckdb-engine.js';
import { EngineThread } from './engine-thread.js';

/** The running engine (or its start), until its worker stops. */
let current: Promise<{ engine: DuckDbEngine; thread: EngineThread }> | undefined;

/**
 * The process's engine: started on first use, and started afresh when the one before has stopped
 * (its worker was killed, ran out of memory, or failed to start), so a dead engine fails only the
 * query that was running on it (engine-thread.ts), never the next.
 */
export async function nodeEngine(): Promise<DuckDbEngine> {
  if (!current) {
    const attempt = start(() => {
      if (current === attempt) current = undefined;
    });
    current = attempt;
    attempt.catch(() => {
      if (current === attempt) current = undefined;
    });
  }
  return (await current).engine;
}

/** Stops the process's engine now, if it runs (a running query fails); the next query starts a new one. */
export async function stopNodeEngine(): Promise<void> {
  const running = await current?.catch(() => undefined);
  await running?.thread.terminate();
}

async function start(onStop: () => void): Promise<{ engine: DuckDbEngine; thread: EngineThread }> {
  const { createRequire } = process.getBuiltinModule('node:module'); // not import(): see core/worker-pool.ts
  const require = createRequire(import.meta.url);
  let bindings: string;
  try {
    bindings = require.resolve('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs');
  } catch (error) {
    throw new QueryFailure('QueryService needs the optional peer dependency @duckdb/duckdb-wasm: npm install @duckdb/duckdb-wasm@1.32.0', 1, { cause: error });
  }
  const wasm = (name: string) => require.resolve(`@duckdb/duckdb-wasm/dist/${name}`);
  const thread = await EngineThread.start(bindings, { mvp: wasm('duckdb-mvp.wasm'), eh: wasm('duckdb-eh.wasm') }, onStop);
  return { engine: await DuckDbEngine.create(thread), thread };
}
