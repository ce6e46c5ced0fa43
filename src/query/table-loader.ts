// Fills an engine table from a catalog table's objects while they stream: each object is read as the
// caller (table-objects.ts), cut into record-aligned chunks (record-chunks.ts) and parsed chunk by
// chunk, so no more than a chunk of raw text is held at a time. Stops between chunks when the
// execution is cancelled.

import { engineType } from './athena-types.js';
import { jsonLinesToCsv } from './json-lines.js';
import type { DuckDbEngine } from './duckdb-engine.js';
import { objectPlaintext, readFailure, tableKeys, type ObjectAccess } from './table-objects.js';
import { recordChunks } from './record-chunks.js';
import { parseS3Location, s3Uri } from './s3-location.js';
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
/** How json-lines.ts writes its CSV: quoted values, NULL as an empty unquoted field. */
const JSON_AS_CSV = { delimiter: ',', quote: '"', escape: '"', nullString: '' };

export async function loadTable(engine: DuckDbEngine, schema: string, table: TableDefinition, access: ObjectAccess, progress: LoadProgress): Promise<void> {
  const columns = table.columns.map((c) => ({ name: c.name, type: engineType(c.type) }));
  await engine.createTable(schema, table.name, columns);
  const location = parseS3Location(table.location)!;
  const format = table.format;
  const quote = format.kind === 'csv' && format.quote !== '' ? format.quote.charCodeAt(0) : undefined;
  const escape = format.kind === 'csv' && format.escape !== '' ? format.escape.charCodeAt(0) : undefined;
  const append = format.kind === 'json'
    ? (chunk: Uint8Array) => engine.appendCsv(schema, table.name, columns, JSON_AS_CSV, jsonLinesToCsv(chunk, table.columns.map((c) => c.name)))
    : (chunk: Uint8Array) => engine.appendCsv(schema, table.name, columns, { ...format, nullString: HIVE_NULL }, chunk);
  for await (const key of tableKeys(location, access)) {
    progress.checkCancelled();
    const pieces = counted(await objectPlaintext(location.bucket, key, access), progress, s3Uri(location.bucket, key));
    for await (const chunk of recordChunks(pieces, { targetBytes: CHUNK_BYTES, skipLines: table.skipHeaderLines, quote, escape })) {
      progress.checkCancelled();
      await append(chunk);
    }
  }
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
