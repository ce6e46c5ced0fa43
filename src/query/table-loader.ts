// Makes a catalog table's objects a table of the engine, read as the query's caller (table-objects.ts).
// CSV: each object is registered as a file and the table is a view over DuckDB's CSV reader of
// them, so the objects are read as the query scans them — by range, where the engine can
// (duckdb-engine.ts). JSON lines and Parquet are filled into a table held in the engine's memory:
// JSON objects stream in record-aligned chunks (record-chunks.ts), Parquet objects a row group at a
// time, read by range (parquet-rows.ts), so no more than a chunk or a row group is held outside the
// engine at a time. Stops between reads when the execution is cancelled.

import { QueryFailure } from './athena-errors.js';
import { engineType } from './athena-types.js';
import { formatCsv } from './csv-text.js';
import { jsonLinesToCsv } from './json-lines.js';
import { parquetRowGroups } from './parquet-rows.js';
import type { DuckDbEngine, EngineColumn } from './duckdb-engine.js';
import { objectFile, objectPlaintext, readFailure, tableKeys, type ObjectAccess } from './table-objects.js';
import { recordChunks } from './record-chunks.js';
import { parseS3Location, s3Uri, type S3Location } from './s3-location.js';
import type { TableDefinition } from './table-ddl.js';

export interface LoadProgress {
  /** Throws (the cancellation) when the execution was stopped. */
  checkCancelled(): void;
  /** Plaintext bytes read from S3, for Statistics.DataScannedInBytes. */
  scanned: number;
}

export const CHUNK_BYTES = 4 << 20;
/** Hive text's NULL: \N. */
const HIVE_NULL = '\\N';
/** How formatCsv writes CSV (JSON lines' chunks, Parquet's row groups): quoted values, NULL as an empty unquoted field. */
const FORMAT_CSV = { delimiter: ',', quote: '"', escape: '"', nullString: '' };
const utf8 = new TextEncoder();

export async function loadTable(engine: DuckDbEngine, schema: string, table: TableDefinition, access: ObjectAccess, progress: LoadProgress): Promise<void> {
  const columns = table.columns.map((c) => ({ name: c.name, type: engineType(c.type) }));
  const location = parseS3Location(table.location)!;
  if (table.format.kind === 'json') return loadJsonLines(engine, schema, table, columns, location, access, progress);
  if (table.format.kind === 'parquet') return loadParquet(engine, schema, table, columns, location, access, progress);
  const files: string[] = [];
  for await (const key of tableKeys(location, access)) {
    progress.checkCancelled();
    files.push(await engine.registerObject(await countedFile(location.bucket, key, access, progress)));
  }
  // With no objects there is nothing for a reader to read: the table is empty.
  if (files.length === 0) return engine.createTable(schema, table.name, columns);
  return engine.createCsvView(schema, table.name, columns, { ...table.format, nullString: HIVE_NULL }, files, table.skipHeaderLines);
}

/** The object as a file whose reads count towards the scanned bytes and stop when the execution is cancelled. */
const countedFile = (bucket: string, key: string, access: ObjectAccess, progress: LoadProgress) => objectFile(bucket, key, access, (bytes) => {
  progress.checkCancelled();
  progress.scanned += bytes;
});

/**
 * Fills a table from each object in turn: `csvChunks` turns one object (its bucket, key and URI)
 * into CSV chunks (formatCsv's dialect), each parsed into the table as it comes.
 */
async function fillTable(engine: DuckDbEngine, schema: string, table: TableDefinition, columns: EngineColumn[], location: S3Location,
  access: ObjectAccess, progress: LoadProgress, csvChunks: (key: string, uri: string) => AsyncIterable<Uint8Array>): Promise<void> {
  await engine.createTable(schema, table.name, columns);
  for await (const key of tableKeys(location, access)) {
    progress.checkCancelled();
    for await (const chunk of csvChunks(key, s3Uri(location.bucket, key))) {
      progress.checkCancelled();
      await engine.appendCsv(schema, table.name, columns, FORMAT_CSV, chunk);
    }
  }
}

function loadParquet(engine: DuckDbEngine, schema: string, table: TableDefinition, columns: EngineColumn[], location: S3Location,
  access: ObjectAccess, progress: LoadProgress): Promise<void> {
  const names = table.columns.map((c) => c.name);
  return fillTable(engine, schema, table, columns, location, access, progress, async function* (key, uri) {
    const object = await countedFile(location.bucket, key, access, progress);
    try {
      const rowGroups = parquetRowGroups(object, names);
      for (;;) {
        const next = await rowGroups.next().catch((error: unknown) => unreadable(uri, error));
        if (next.done) return;
        yield utf8.encode(formatCsv(next.value));
      }
    } finally {
      object.close?.();
    }
  });
}

/** A Parquet object that cannot be read as Parquet fails the query, as Athena's reader does; a refusal is reported as such. */
function unreadable(uri: string, error: unknown): never {
  if (error instanceof QueryFailure) throw error; // a refusal met reading it
  throw new QueryFailure(`HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split ${uri}: not a valid Parquet file (${error instanceof Error ? error.message : String(error)})`);
}

function loadJsonLines(engine: DuckDbEngine, schema: string, table: TableDefinition, columns: EngineColumn[], location: S3Location,
  access: ObjectAccess, progress: LoadProgress): Promise<void> {
  const names = table.columns.map((c) => c.name);
  return fillTable(engine, schema, table, columns, location, access, progress, async function* (key, uri) {
    const pieces = counted(await objectPlaintext(location.bucket, key, access), progress, uri);
    for await (const chunk of recordChunks(pieces, { targetBytes: CHUNK_BYTES, skipLines: table.skipHeaderLines })) yield jsonLinesToCsv(chunk, names);
  });
}

/** Counts the bytes read; a refusal met while the body streams fails the query like one met at the start. */
async function* counted(pieces: AsyncIterable<Uint8Array>, progress: LoadProgress, uri: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const piece of pieces) {
      progress.scanned += piece.length;
      yield piece;
    }
  } catch (error) {
    readFailure(uri, error);
  }
}
