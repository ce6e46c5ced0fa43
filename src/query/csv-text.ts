// Query results as CSV, the way Athena writes them: every value in double quotes (a quote inside
// doubled), NULL as an empty unquoted field, rows ended by '\n' — so reading them back tells NULL
// from the empty string.

export type CsvRow = Array<string | null>;

export function formatCsv(rows: CsvRow[]): string {
  return rows.map((row) => row.map((v) => (v === null ? '' : `"${v.replaceAll('"', '""')}"`)).join(',') + '\n').join('');
}

/** Parses what formatCsv wrote (RFC 4180, with empty unquoted fields read as null). */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let row: CsvRow = [];
  let i = 0;
  while (i < text.length) {
    let value: string | null;
    if (text[i] === '"') {
      value = '';
      for (i++; ; i++) {
        if (i >= text.length) throw new Error('CSV: a quoted field is not closed');
        if (text[i] === '"') {
          if (text[i + 1] !== '"') break;
          i++;
        }
        value += text[i];
      }
      i++;
    } else {
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '\n') end++;
      value = end === i ? null : text.slice(i, end);
      i = end;
    }
    row.push(value);
    if (text[i] === ',') i++;
    else if (i >= text.length || text[i] === '\n') {
      rows.push(row);
      row = [];
      i++;
    } else {
      throw new Error(`CSV: unexpected '${text[i]}' after a quoted field`);
    }
  }
  return rows;
}
