// A Parquet object's rows, a row group at a time, read with hyparquet (DuckDB WASM's Parquet reader
// is an extension that would have to be downloaded: see duckdb-engine.ts). hyparquet reads by
// range — the footer, then only the column chunks of the columns asked for — through the object's
// reader, so each range is the caller's ranged GetObject. Columns are found by name
// case-insensitively, as Athena reads Parquet by default
// (https://docs.aws.amazon.com/athena/latest/ug/handling-schema-updates-chapter.html#index-access):
// a declared column the file lacks is NULL, and a column not declared is never read.

// The platform-neutral entry: the package's default one adds a reader of local files (node:fs).
import { parquetMetadataAsync, parquetRead, type AsyncBuffer } from 'hyparquet/src/index.js';
import type { CsvRow } from './csv-text.js';
import type { ObjectFile } from './duckdb-engine.js';
import { fieldText } from './json-lines.js';

/** The first read of the footer: hyparquet's default (512 KiB) would read much of a small object the query may not need. */
const FOOTER_GUESS = 64 << 10;

/** The rows of each row group in turn, one text field (or null) per declared column. */
export async function* parquetRowGroups(object: ObjectFile, columns: string[]): AsyncGenerator<CsvRow[]> {
  const file: AsyncBuffer = {
    byteLength: object.size,
    slice: async (start, end = object.size) => {
      const bytes = await object.read(start, end - start);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
    },
  };
  const metadata = await parquetMetadataAsync(file, { initialFetchSize: FOOTER_GUESS });
  const fileColumns = new Map(metadata.schema.slice(1).map((element) => [element.name.toLowerCase(), element.name]));
  const present = columns.filter((name) => fileColumns.has(name)).map((name) => fileColumns.get(name)!);
  const position = columns.map((name) => (fileColumns.has(name) ? present.indexOf(fileColumns.get(name)!) : -1));
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: unknown[][] = [];
    if (present.length > 0) {
      await parquetRead({ file, metadata, columns: present, rowStart, rowEnd, onComplete: (read) => { rows = read as unknown[][]; } });
    } else {
      rows = Array.from({ length: rowEnd - rowStart }, () => []);
    }
    yield rows.map((row) => position.map((at) => (at < 0 ? null : fieldText(row[at]))));
    rowStart = rowEnd;
  }
}
