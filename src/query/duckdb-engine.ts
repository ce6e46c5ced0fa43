// The SQL engine behind QueryService: DuckDB's WebAssembly build through its asynchronous API
// (AsyncDuckDB). In Node, QueryService runs DuckDB in a worker thread of its own behind the same
// calls (duckdb-node.ts, engine-thread.ts); in browsers the page instantiates AsyncDuckDB over a
// Worker with the bundles it serves and hands it over — new QueryService({ s3, kms, engine:
// DuckDbEngine.create(db) }) — so a query never blocks the page. kms-wasm does not import
// @duckdb/duckdb-wasm here: the interfaces below are the part of it this engine calls.
//
// A CSV table is a view over DuckDB's CSV reader of its objects, each registered as a file.
// Where the engine reads files by range (registerObjectFile: Node's engine thread), DuckDB reads an
// object a range at a time as it scans, each range read from the ObjectStore as the query's caller
// and decrypting only the frames it touches — so a scan streams, and a table may be many times the
// memory limit. Where it cannot (a page's AsyncDuckDB), the object's plaintext is registered whole.
// JSON-lines and Parquet tables are filled while their objects stream (the engine's JSON and
// Parquet readers are extensions that would have to be downloaded): each record-aligned chunk or
// row group is turned into CSV, parsed into the table and dropped, and the table is held in
// DuckDB's memory.
//
// memory_limit caps what DuckDB holds. It could spill to temporary files past it, but DuckDB WASM
// 1.32's spilling gives wrong answers and neither DuckDB WASM nor DuckDB 1.5's own build (without
// the httpfs extension, which would have to be downloaded) encrypts temporary files securely — and
// plaintext of an encrypted data set must not reach the disk. So nothing spills: a query whose
// operators (a join's or a GROUP BY's state, a JSON or Parquet table) do not fit fails with Athena's resource
// error (see README, Queries).
//
// The engine is sandboxed once, at load: no extension is installed or loaded (that would download),
// and file access is off (enable_external_access = false, which cannot be turned back on) except
// for the registered files' own directory — so a query cannot read or write the host's files or
// fetch a URL. A query runs as one prepared statement wrapped in a SELECT, so it can only be one SELECT.

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

/** A query's result: an Apache Arrow table. */
export interface ArrowTable {
  numRows: number;
  getChildAt(i: number): { get(row: number): unknown } | null;
}

/** Where registered files live: the one directory DuckDB may read. */
const FILE_DIRECTORY = '/kms-wasm-files/';
const ONE_STATEMENT = 'Only one SQL statement, a SELECT, is allowed';
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
export const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Run once on a new instance, in order (the last cannot be undone). */
const SANDBOX_STATEMENTS = [
  'SET autoinstall_known_extensions = false',
  'SET autoload_known_extensions = false',
  // No spilling: see the note at the top.
  "SET temp_directory = ''",
  `SET allowed_directories = [${literal(FILE_DIRECTORY)}]`,
  'SET enable_external_access = false',
];

const memoryLimitSql = (bytes: number) => `SET memory_limit = '${Math.floor(bytes / 1024)}KiB'`;
const createSchemaSql = (schema: string) => `CREATE SCHEMA IF NOT EXISTS ${identifier(schema)}`;
const dropSchemaSql = (schema: string) => `DROP SCHEMA IF EXISTS ${identifier(schema)} CASCADE`;
const setSchemaSql = (schema: string) => `SET schema = ${literal(schema)}`;
const createTableSql = (schema: string, table: string, columns: EngineColumn[]) =>
  `CREATE TABLE ${identifier(schema)}.${identifier(table)} (${columns.map((c) => `${identifier(c.name)} ${c.type}`).join(', ')})`;

/**
 * DuckDB's CSV reader over `files`, every field read as text. Its buffer is a quarter of the
 * default (32 MiB): the reader holds a few, and the smallest memory limit (64 MiB) must leave room
 * for the query's own operators.
 */
function csvReader(files: string[], columns: EngineColumn[], dialect: CsvDialect, skipLines: number): string {
  const asText = `{${columns.map((c) => `${literal(c.name)}: 'VARCHAR'`).join(', ')}}`;
  return `read_csv([${files.map(literal).join(', ')}], header = false, auto_detect = false, delim = ${literal(dialect.delimiter)}, quote = ${literal(dialect.quote)}, `
    + `escape = ${literal(dialect.escape)}, nullstr = ${literal(dialect.nullString)}, allow_quoted_nulls = false, null_padding = true, `
    + `strict_mode = false, skip = ${skipLines}, buffer_size = ${8 << 20}, columns = ${asText})`;
}

/** Each column cast to its declared type with TRY_CAST: a value that does not parse is NULL, as Hive's SerDes read it. */
const castColumns = (columns: EngineColumn[]) => columns.map((c) => `TRY_CAST(${identifier(c.name)} AS ${c.type}) AS ${identifier(c.name)}`).join(', ');
const createViewSql = (schema: string, table: string, columns: EngineColumn[], reader: string) =>
  `CREATE VIEW ${identifier(schema)}.${identifier(table)} AS SELECT ${castColumns(columns)} FROM ${reader}`;
const appendSql = (schema: string, table: string, columns: EngineColumn[], reader: string) =>
  `INSERT INTO ${identifier(schema)}.${identifier(table)} SELECT ${castColumns(columns)} FROM ${reader}`;

/** The query's columns (names and DuckDB types), from DESCRIBE. */
const describeSql = (sql: string) => `DESCRIBE SELECT * FROM (${sql}) AS athena_query`;
/** The query with every value cast to text, as Athena's CSV results hold it. */
const textRowsSql = (sql: string) => `SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (${sql}) AS athena_query`;

function describedColumns(described: ArrowTable): EngineColumn[] {
  const columns: EngineColumn[] = [];
  for (let row = 0; row < described.numRows; row++) {
    columns.push({ name: String(described.getChildAt(0)!.get(row)), type: String(described.getChildAt(1)!.get(row)) });
  }
  return columns;
}

function textRows(result: ArrowTable, columns: EngineColumn[]): Array<Array<string | null>> {
  const vectors = columns.map((_, i) => result.getChildAt(i)!);
  const rows: Array<Array<string | null>> = [];
  for (let row = 0; row < result.numRows; row++) rows.push(vectors.map((vector) => (vector.get(row) ?? null) as string | null));
  return rows;
}

/**
 * DuckDB's error as the query's failure where Athena has words for it: several statements, and
 * memory_limit reached — Athena's "Query exhausted resources at this scale factor"
 * (https://docs.aws.amazon.com/athena/latest/ug/troubleshooting-athena.html#troubleshooting-athena-query-exhausted-resources-at-this-scale-factor).
 * Any other error is returned as it is.
 */
function engineFailure(error: unknown): unknown {
  const message = String(error instanceof Error ? error.message : error);
  if (/multiple statements|single statement/.test(message)) return new QueryFailure(ONE_STATEMENT);
  if (/Out of Memory Error/.test(message)) {
    return new QueryFailure('EXCEEDED_MEMORY_LIMIT: Query exhausted resources at this scale factor (the tables it reads do not fit in the engine\'s memory limit)', 2, { cause: error });
  }
  return error;
}

/** The AsyncDuckDBConnection calls this engine makes. */
export interface AsyncDuckDbConnection {
  query(sql: string): Promise<ArrowTable>;
  prepare(sql: string): Promise<{ query(): Promise<ArrowTable>; close(): Promise<void> }>;
  getTableNames(sql: string): Promise<string[]>;
}

/** Reads `length` bytes of an object from `offset` (fewer at its end). */
export type ObjectReader = (offset: number, length: number) => Promise<Uint8Array>;

/** An object a table reads: its plaintext size, a reader of its ranges, and what to release once the query ends (a data key). */
export interface ObjectFile { size: number; read: ObjectReader; close?(): void }

/** The AsyncDuckDB calls this engine makes (an instantiated, opened AsyncDuckDB of @duckdb/duckdb-wasm 1.32). */
export interface AsyncDuckDb {
  connect(): Promise<AsyncDuckDbConnection>;
  registerFileBuffer(name: string, buffer: Uint8Array): Promise<void>;
  dropFile(name: string): Promise<unknown>;
  /** A file DuckDB reads by range through `read` (Node's engine thread; not AsyncDuckDB's). */
  registerObjectFile?(name: string, size: number, read: ObjectReader): Promise<void>;
}

export class DuckDbEngine {
  private files = 0;
  /** The files registered for the running query, dropped (and their objects closed) when it ends. */
  private readonly registered: Array<{ file: string; object: ObjectFile }> = [];

  private constructor(private readonly db: AsyncDuckDb, private readonly connection: AsyncDuckDbConnection) {}

  /** Connects to the database and sandboxes it (no extensions, no file or URL access but the chunks'). */
  static async create(db: AsyncDuckDb): Promise<DuckDbEngine> {
    const connection = await db.connect();
    for (const statement of SANDBOX_STATEMENTS) await connection.query(statement);
    return new DuckDbEngine(db, connection);
  }

  /** Caps the memory DuckDB may hold (its tables and operators); past it a query fails with Athena's resource error. */
  async limitMemory(bytes: number): Promise<void> {
    await this.query(memoryLimitSql(bytes));
  }

  async createSchema(schema: string): Promise<void> {
    await this.query(createSchemaSql(schema));
  }

  async dropSchema(schema: string): Promise<void> {
    await this.query(dropSchemaSql(schema));
  }

  async createTable(schema: string, table: string, columns: EngineColumn[]): Promise<void> {
    await this.query(createTableSql(schema, table, columns));
  }

  /** Whether objects are read by range as a scan goes (else each is registered whole). */
  get readsByRange(): boolean {
    return this.db.registerObjectFile !== undefined;
  }

  /** Registers an object for the running query's readers; returns its file name. */
  async registerObject(object: ObjectFile): Promise<string> {
    const file = this.nextFile();
    try {
      if (this.db.registerObjectFile) await this.db.registerObjectFile(file, object.size, object.read);
      else await this.db.registerFileBuffer(file, object.size === 0 ? new Uint8Array(0) : await object.read(0, object.size));
    } catch (error) {
      object.close?.();
      throw error;
    }
    this.registered.push({ file, object });
    return file;
  }

  /** A table of CSV objects: a view reading `files` as it is scanned. */
  async createCsvView(schema: string, table: string, columns: EngineColumn[], dialect: CsvDialect, files: string[], skipLines: number): Promise<void> {
    await this.query(createViewSql(schema, table, columns, csvReader(files, columns, dialect, skipLines)));
  }

  /** Parses one chunk of whole CSV records into a table made with createTable. */
  async appendCsv(schema: string, table: string, columns: EngineColumn[], dialect: CsvDialect, chunk: Uint8Array): Promise<void> {
    const file = this.nextFile();
    // The buffer is transferred to the worker (detached here): a copy, so the caller's bytes stay whole.
    await this.db.registerFileBuffer(file, chunk.slice());
    try {
      await this.query(appendSql(schema, table, columns, csvReader([file], columns, dialect, 0)));
    } finally {
      await this.db.dropFile(file);
    }
  }

  /** Drops the files registered for the query that ended and closes their objects. */
  async releaseObjects(): Promise<void> {
    const released = this.registered.splice(0);
    for (const { object } of released) object.close?.(); // first: dropping a file fails once the engine has stopped
    for (const { file } of released) await this.db.dropFile(file);
  }

  private nextFile(): string {
    return `${FILE_DIRECTORY}file-${this.files++}`;
  }

  /** The names of the tables a query reads (unqualified: DuckDB's parser reports no schema). */
  async tableNames(sql: string): Promise<string[]> {
    try {
      return await this.connection.getTableNames(sql);
    } catch (error) {
      throw engineFailure(error);
    }
  }

  /** Runs a SELECT with `schema` as the default for unqualified names; every value comes back as text. */
  async run(sql: string, schema: string): Promise<EngineResult> {
    await this.query(setSchemaSql(schema));
    const columns = describedColumns(await this.prepared(describeSql(sql)));
    return { columns, rows: textRows(await this.prepared(textRowsSql(sql)), columns) };
  }

  private async query(sql: string): Promise<ArrowTable> {
    try {
      return await this.connection.query(sql);
    } catch (error) {
      throw engineFailure(error);
    }
  }

  /** One statement only: preparing refuses several (a query that closes the wrapper's parenthesis to add its own). */
  private async prepared(sql: string): Promise<ArrowTable> {
    try {
      const statement = await this.connection.prepare(sql);
      try {
        return await statement.query();
      } finally {
        await statement.close();
      }
    } catch (error) {
      throw engineFailure(error);
    }
  }
}
