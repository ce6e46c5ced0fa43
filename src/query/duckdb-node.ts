// The engine in Node: DuckDB WASM (@duckdb/duckdb-wasm, an optional peer dependency), one instance
// per process in a worker thread of its own (engine-thread.ts), started on first use (compiling its
// 34 MB module takes seconds). Its blocking Node bindings run there, so a query's parsing and
// scanning never hold up this thread's event loop, and the tables' objects are read by range.

import { loadOnce } from '../core/load-once.js';
import { QueryFailure } from './athena-errors.js';
import { DuckDbEngine } from './duckdb-engine.js';
import { EngineThread } from './engine-thread.js';

/** The process's engine, loaded once. */
// Pure: a bundle that never starts the engine leaves it (and the worker source) out.
export const nodeEngine = /* @__PURE__ */ loadOnce(async (): Promise<DuckDbEngine> => {
  const { createRequire } = process.getBuiltinModule('node:module'); // not import(): see core/worker-pool.ts
  const require = createRequire(import.meta.url);
  let bindings: string;
  try {
    bindings = require.resolve('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs');
  } catch (error) {
    throw new QueryFailure('QueryService needs the optional peer dependency @duckdb/duckdb-wasm: npm install @duckdb/duckdb-wasm@1.32.0', 1, { cause: error });
  }
  const wasm = (name: string) => require.resolve(`@duckdb/duckdb-wasm/dist/${name}`);
  return DuckDbEngine.create(await EngineThread.start(bindings, { mvp: wasm('duckdb-mvp.wasm'), eh: wasm('duckdb-eh.wasm') }));
});
