// JSON lines (one JSON object a line, as Athena's JSON SerDes read them) turned into CSV text for the
// engine's CSV reader: one field per declared column, found by name case-insensitively (the OpenX
// SerDe's default), a missing key or JSON null as NULL, nested values as their JSON text.
// (The engine's JSON reader is an extension that would have to be downloaded: see duckdb-engine.ts.)

import { QueryFailure } from './athena-errors.js';
import { formatCsv, type CsvRow } from './csv-text.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function jsonLinesToCsv(chunk: Uint8Array, columns: string[]): Uint8Array {
  const rows: CsvRow[] = [];
  for (const line of decoder.decode(chunk).split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new QueryFailure(`HIVE_CURSOR_ERROR: Row is not a valid JSON Object - ${(error as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new QueryFailure('HIVE_CURSOR_ERROR: Row is not a valid JSON Object');
    const byName = new Map(Object.entries(value).map(([k, v]) => [k.toLowerCase(), v]));
    rows.push(columns.map((column) => fieldText(byName.get(column))));
  }
  return encoder.encode(formatCsv(rows));
}

/**
 * A value read from JSON or Parquet as the text the engine casts to the column's type: a missing
 * value or null as NULL, a date as ISO 8601, a nested value as its JSON text (64-bit integers in it as numbers).
 */
export function fieldText(field: unknown): string | null {
  if (field === undefined || field === null) return null;
  if (field instanceof Date) return field.toISOString();
  if (typeof field === 'object') return JSON.stringify(field, (_, value: unknown) => (typeof value === 'bigint' ? Number(value) : value));
  return String(field);
}
