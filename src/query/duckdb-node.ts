// The engine in Node: DuckDB WASM's synchronous Node bindings (@duckdb/duckdb-wasm, an optional
// peer dependency), one instance per process, loaded on first use (compiling its 34 MB module
// takes seconds) and seen through the asynchronous calls DuckDbEngine makes of AsyncDuckDB.

import { loadOnce } from '../core/load-once.js';
import { QueryFailure } from './athena-errors.js';
import { DuckDbEngine, type ArrowTable, type AsyncDuckDb } from './duckdb-engine.js';

interface BlockingConnection {
  query(sql: string): ArrowTable;
  prepare(sql: string): { query(): ArrowTable; close(): void };
  getTableNames(sql: string): string[];
}
interface BlockingDuckDb {
  connect(): BlockingConnection;
  registerFileBuffer(name: string, buffer: Uint8Array): void;
  dropFile(name: string): void;
}

/** The process's engine, loaded once. */
export const nodeEngine = loadOnce(async (): Promise<DuckDbEngine> => {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  let duckdb;
  try {
    duckdb = require('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs');
  } catch (error) {
    throw new QueryFailure('QueryService needs the optional peer dependency @duckdb/duckdb-wasm: npm install @duckdb/duckdb-wasm@1.32.0', 1, { cause: error });
  }
  const wasm = (name: string) => require.resolve(`@duckdb/duckdb-wasm/dist/${name}`);
  const db = await duckdb.createDuckDB({
    mvp: { mainModule: wasm('duckdb-mvp.wasm'), mainWorker: '' },
    eh: { mainModule: wasm('duckdb-eh.wasm'), mainWorker: '' },
  }, new duckdb.VoidLogger(), duckdb.NODE_RUNTIME);
  await db.instantiate();
  db.open({});
  return DuckDbEngine.create(asynchronous(db as BlockingDuckDb));
});

/** The blocking bindings behind AsyncDuckDB's calls (each settles at once). */
function asynchronous(db: BlockingDuckDb): AsyncDuckDb {
  return {
    connect: async () => {
      const connection = db.connect();
      return {
        query: async (sql) => connection.query(sql),
        getTableNames: async (sql) => connection.getTableNames(sql),
        prepare: async (sql) => {
          const statement = connection.prepare(sql);
          return { query: async () => statement.query(), close: async () => statement.close() };
        },
      };
    },
    registerFileBuffer: async (name, buffer) => db.registerFileBuffer(name, buffer),
    dropFile: async (name) => db.dropFile(name),
  };
}
