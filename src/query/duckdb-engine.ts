// The SQL engine: DuckDB's WebAssembly build (@duckdb/duckdb-wasm, its synchronous Node bindings),
// one instance per process, loaded on first use (compiling its 34 MB module takes seconds). Tables
// are filled while their objects stream: each record-aligned chunk is registered as an in-memory
// file, parsed by DuckDB's CSV reader into the table, and dropped (see README, Queries).
// The engine is sandboxed once, at load: no extension is installed or loaded (that would download),
// and file access is off (enable_external_access = false, which cannot be turned back on) except
// for the chunk files' own directory — so a query cannot read or write the host's files. A query
// runs as one prepared statement wrapped in a SELECT, so it can only be one SELECT.

import { loadOnce } from '../core/load-once.js';
import { SerialQueue } from '../core/serial-queue.js';
import { QueryFailure } from './athena-errors.js';

/** How a chunk's text is split into fields. */
export interface CsvDialect {
  delimiter: string;
  /** '' for none (Hive's LazySimpleSerDe). */
  quote: string;
  escape: string;
  /** The text that reads as NULL: \\N for Hive text, '' for JSON lines turned to CSV. */
  nullString: string;
}

export interface EngineColumn {
  name: string;
  /** A DuckDB type: VARCHAR, BIGINT, DECIMAL(10,2), … */
  type: string;
}

export interface EngineResult {
  columns: EngineColumn[];
  /** Every value as text (null for SQL NULL). */
  rows: Array<Array<string | null>>;
}

interface ArrowTable {
  numRows: number;
  getChildAt(i: number): { get(row: number): unknown } | null;
}
interface Connection {
  query(sql: string): ArrowTable;
  prepare(sql: string): { query(): ArrowTable; close(): void };
  getTableNames(sql: string): string[];
}
interface Bindings {
  registerFileBuffer(name: string, buffer: Uint8Array): void;
  dropFile(name: string): void;
}

const ONE_STATEMENT = 'Only one SQL statement, a SELECT, is allowed';
const CHUNK_DIRECTORY = '/kms-wasm-chunks/';
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
export const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

export class DuckDbEngine {
  private files = 0;

  private constructor(private readonly db: Bindings, private readonly connection: Connection) {}

  private static readonly queue = new SerialQueue();

  /** Runs `work` with the process's engine, one piece of work at a time (each query fills and drops its own tables). */
  static exclusive<T>(work: (engine: DuckDbEngine) => Promise<T>): Promise<T> {
    return DuckDbEngine.queue.run(async () => work(await DuckDbEngine.shared()));
  }

  /** The process's engine, loaded once. */
  private static readonly shared = loadOnce(async () => {
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
    const connection: Connection = db.connect();
    connection.query('SET autoinstall_known_extensions = false');
    connection.query('SET autoload_known_extensions = false');
    connection.query(`SET allowed_directories = [${literal(CHUNK_DIRECTORY)}]`);
    connection.query('SET enable_external_access = false');
    return new DuckDbEngine(db, connection);
  });

  createSchema(schema: string): void {
    this.connection.query(`CREATE SCHEMA IF NOT EXISTS ${identifier(schema)}`);
  }

  dropSchema(schema: string): void {
    this.connection.query(`DROP SCHEMA IF EXISTS ${identifier(schema)} CASCADE`);
  }

  createTable(schema: string, table: string, columns: EngineColumn[]): void {
    this.connection.query(`CREATE TABLE ${identifier(schema)}.${identifier(table)} (${columns.map((c) => `${identifier(c.name)} ${c.type}`).join(', ')})`);
  }

  /**
   * Parses one chunk of whole records into the table. Fields are read as text and cast to the
   * column's type with TRY_CAST, so a value that does not parse is NULL, as Hive's SerDes read it.
   */
  appendCsv(schema: string, table: string, columns: EngineColumn[], dialect: CsvDialect, chunk: Uint8Array): void {
    const file = `${CHUNK_DIRECTORY}chunk-${this.files++}`;
    const asText = `{${columns.map((c) => `${literal(c.name)}: 'VARCHAR'`).join(', ')}}`;
    const reader = `read_csv(${literal(file)}, header = false, auto_detect = false, delim = ${literal(dialect.delimiter)}, quote = ${literal(dialect.quote)}, `
      + `escape = ${literal(dialect.escape)}, nullstr = ${literal(dialect.nullString)}, allow_quoted_nulls = false, null_padding = true, `
      + `strict_mode = false, columns = ${asText})`;
    this.db.registerFileBuffer(file, chunk);
    try {
      this.connection.query(`INSERT INTO ${identifier(schema)}.${identifier(table)} SELECT ${columns.map((c) => `TRY_CAST(${identifier(c.name)} AS ${c.type})`).join(', ')} FROM ${reader}`);
    } finally {
      this.db.dropFile(file);
    }
  }

  /** The names of the tables a query reads (unqualified: DuckDB's parser reports no schema). */
  tableNames(sql: string): string[] {
    try {
      return this.connection.getTableNames(sql);
    } catch (error) {
      if (/single statement/.test(String(error))) throw new QueryFailure(ONE_STATEMENT);
      throw error;
    }
  }

  /** Runs a SELECT with `schema` as the default for unqualified names; every value comes back as text. */
  run(sql: string, schema: string): EngineResult {
    this.connection.query(`SET schema = ${literal(schema)}`);
    const described = this.prepared(`DESCRIBE SELECT * FROM (${sql}) AS athena_query`);
    const columns: EngineColumn[] = [];
    for (let row = 0; row < described.numRows; row++) {
      columns.push({ name: String(described.getChildAt(0)!.get(row)), type: String(described.getChildAt(1)!.get(row)) });
    }
    const result = this.prepared(`SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (${sql}) AS athena_query`);
    const vectors = columns.map((_, i) => result.getChildAt(i)!);
    const rows: Array<Array<string | null>> = [];
    for (let row = 0; row < result.numRows; row++) rows.push(vectors.map((vector) => (vector.get(row) ?? null) as string | null));
    return { columns, rows };
  }

  /** One statement only: preparing refuses several (a query that closes the wrapper's parenthesis to add its own). */
  private prepared(sql: string): ArrowTable {
    let statement: ReturnType<Connection['prepare']>;
    try {
      statement = this.connection.prepare(sql);
    } catch (error) {
      if (/multiple statements/.test(String(error))) throw new QueryFailure(ONE_STATEMENT);
      throw error;
    }
    try {
      return statement.query();
    } finally {
      statement.close();
    }
  }
}
