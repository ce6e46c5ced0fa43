// The DDL statements Athena takes for tables over S3 objects (Athena User Guide, "CREATE TABLE",
// https://docs.aws.amazon.com/athena/latest/ug/create-table.html, and "CREATE DATABASE"), parsed into
// what the catalog keeps. Text files only: ROW FORMAT DELIMITED (LazySimpleSerDe: no quoting),
// SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' (quoted CSV) and the JSON SerDes (one JSON
// object a line). Anything else is refused with Athena's words.

import { QueryFailure } from './athena-errors.js';
import { parseS3Location } from './s3-location.js';
import { TokenCursor, tokenize } from './ddl-tokens.js';

export type TableFormat =
  | { kind: 'csv'; delimiter: string; quote: string; escape: string }
  | { kind: 'json' };

export interface ColumnDefinition {
  name: string;
  /** The Athena (Hive) type, lower-case: string, int, bigint, double, decimal(10,2), … */
  type: string;
}

export interface TableDefinition {
  name: string;
  columns: ColumnDefinition[];
  format: TableFormat;
  /** s3://bucket/prefix/ */
  location: string;
  /** TBLPROPERTIES ('skip.header.line.count'='n'): lines skipped at the start of each object. */
  skipHeaderLines: number;
}

export type DdlStatement =
  | { kind: 'createDatabase'; name: string; ifNotExists: boolean }
  | { kind: 'dropDatabase'; name: string; ifExists: boolean }
  | { kind: 'createTable'; database?: string; table: TableDefinition; ifNotExists: boolean }
  | { kind: 'dropTable'; database?: string; name: string; ifExists: boolean };

/** Athena's names: letters, digits and underscores, kept lower-case (Athena User Guide, "Names for tables, databases, and columns"). */
const NAME = /^[A-Za-z0-9_]{1,255}$/;
const SIMPLE_TYPES = new Set(['string', 'int', 'integer', 'bigint', 'smallint', 'tinyint', 'double', 'float', 'real', 'boolean', 'date', 'timestamp']);
const JSON_SERDES = new Set(['org.openx.data.jsonserde.JsonSerDe', 'org.apache.hive.hcatalog.data.JsonSerDe']);
const OPEN_CSV_SERDE = 'org.apache.hadoop.hive.serde2.OpenCSVSerde';
const LAZY_SIMPLE_SERDE = 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe';

/** The statement as DDL, or undefined when it is not DDL (a query for the engine). */
export function parseDdl(sql: string): DdlStatement | undefined {
  if (!/^\s*(create|drop)\s/i.test(sql)) return undefined;
  const cursor = new TokenCursor(tokenize(sql));
  let statement: DdlStatement;
  if (cursor.accept('create', 'database') || cursor.accept('create', 'schema')) {
    const ifNotExists = cursor.accept('if', 'not', 'exists');
    statement = { kind: 'createDatabase', name: nameOf(cursor), ifNotExists };
    if (cursor.accept('comment')) cursor.take('string', 'a comment');
  } else if (cursor.accept('drop', 'database') || cursor.accept('drop', 'schema')) {
    const ifExists = cursor.accept('if', 'exists');
    statement = { kind: 'dropDatabase', name: nameOf(cursor), ifExists };
  } else if (cursor.accept('create', 'external', 'table')) {
    const ifNotExists = cursor.accept('if', 'not', 'exists');
    const [database, name] = qualifiedName(cursor);
    statement = { kind: 'createTable', database, table: tableBody(cursor, name), ifNotExists };
  } else if (cursor.accept('create', 'table')) {
    throw new QueryFailure('Only external tables are supported: CREATE EXTERNAL TABLE … LOCATION \'s3://…\'');
  } else if (cursor.accept('drop', 'table')) {
    const ifExists = cursor.accept('if', 'exists');
    const [database, name] = qualifiedName(cursor);
    statement = { kind: 'dropTable', database, name, ifExists };
  } else {
    throw new QueryFailure('Only CREATE EXTERNAL TABLE, CREATE DATABASE, DROP TABLE and DROP DATABASE are supported');
  }
  if (!cursor.done) throw cursor.mismatch('<EOF>');
  return statement;
}

function nameOf(cursor: TokenCursor): string {
  const name = cursor.take('word', 'a name');
  if (!NAME.test(name)) throw new QueryFailure(`${name}: names are letters, digits and underscores`);
  return name.toLowerCase();
}

function qualifiedName(cursor: TokenCursor): [string | undefined, string] {
  const first = nameOf(cursor);
  return cursor.accept('.') ? [first, nameOf(cursor)] : [undefined, first];
}

function tableBody(cursor: TokenCursor, name: string): TableDefinition {
  cursor.expect('(');
  const columns: ColumnDefinition[] = [];
  do {
    const column = nameOf(cursor);
    if (columns.some((c) => c.name === column)) throw new QueryFailure(`Column ${column} is declared twice`);
    columns.push({ name: column, type: columnType(cursor) });
    if (cursor.accept('comment')) cursor.take('string', 'a comment');
  } while (cursor.accept(','));
  cursor.expect(')');
  if (cursor.accept('comment')) cursor.take('string', 'a comment');
  if (cursor.peek()?.text.toLowerCase() === 'partitioned') throw new QueryFailure('PARTITIONED BY is not supported');
  let format: TableFormat = { kind: 'csv', delimiter: '\x01', quote: '', escape: '' }; // Hive's default: LazySimpleSerDe, ^A between fields
  if (cursor.accept('row', 'format')) format = rowFormat(cursor);
  if (cursor.accept('stored', 'as')) {
    const stored = cursor.take('word', 'TEXTFILE').toLowerCase();
    if (stored !== 'textfile') throw new QueryFailure(`STORED AS ${stored.toUpperCase()} is not supported: text files only (CSV, JSON lines)`);
  }
  cursor.expect('location');
  const locationText = cursor.take('string', "'s3://bucket/prefix/'");
  const location = parseS3Location(locationText);
  if (!location) throw new QueryFailure(`LOCATION ${locationText}: expected s3://bucket/prefix/`);
  let skipHeaderLines = 0;
  if (cursor.accept('tblproperties')) {
    for (const [key, value] of properties(cursor)) {
      if (key !== 'skip.header.line.count') continue;
      if (!/^[0-9]{1,6}$/.test(value)) throw new QueryFailure(`skip.header.line.count: expected a whole number, got ${value}`);
      skipHeaderLines = Number(value);
    }
  }
  return { name, columns, format, location: `s3://${location.bucket}/${location.prefix}`, skipHeaderLines };
}

function columnType(cursor: TokenCursor): string {
  const type = cursor.take('word', 'a column type').toLowerCase();
  if (SIMPLE_TYPES.has(type)) return type;
  if (type === 'varchar' || type === 'char') {
    cursor.expect('(');
    const length = cursor.take('number', 'a length');
    cursor.expect(')');
    return `${type}(${length})`;
  }
  if (type === 'decimal') {
    if (!cursor.accept('(')) return 'decimal(10,0)';
    const precision = Number(cursor.take('number', 'a precision'));
    const scale = cursor.accept(',') ? Number(cursor.take('number', 'a scale')) : 0;
    cursor.expect(')');
    if (precision < 1 || precision > 38 || scale > precision) throw new QueryFailure(`decimal(${precision},${scale}): precision is 1–38, scale at most the precision`);
    return `decimal(${precision},${scale})`;
  }
  throw new QueryFailure(`Unknown or unsupported type: ${type} (supported: ${[...SIMPLE_TYPES].join(', ')}, varchar(n), char(n), decimal(p,s))`);
}

function rowFormat(cursor: TokenCursor): TableFormat {
  if (cursor.accept('delimited')) {
    let delimiter = '\x01';
    if (cursor.accept('fields', 'terminated', 'by')) delimiter = cursor.take('string', "a delimiter like ','");
    if (cursor.accept('escaped', 'by')) throw new QueryFailure('ESCAPED BY is not supported: use OpenCSVSerde for quoted fields');
    if (cursor.accept('lines', 'terminated', 'by') && cursor.take('string', "'\\n'") !== '\n') throw new QueryFailure("LINES TERMINATED BY: only '\\n' is supported");
    return csvFormat(delimiter, '', '');
  }
  cursor.expect('serde');
  const serde = cursor.take('string', 'a SerDe class name');
  const props = new Map(cursor.accept('with', 'serdeproperties') ? properties(cursor) : []);
  if (JSON_SERDES.has(serde)) return { kind: 'json' };
  if (serde === OPEN_CSV_SERDE) return csvFormat(props.get('separatorChar') ?? ',', props.get('quoteChar') ?? '"', props.get('escapeChar') ?? '"');
  if (serde === LAZY_SIMPLE_SERDE) return csvFormat(props.get('field.delim') ?? props.get('serialization.format') ?? '\x01', '', '');
  throw new QueryFailure(`SerDe ${serde} is not supported: use ${OPEN_CSV_SERDE}, ${LAZY_SIMPLE_SERDE} or a JSON SerDe`);
}

function csvFormat(delimiter: string, quote: string, escape: string): TableFormat {
  for (const [what, value] of [['delimiter', delimiter], ['quote', quote], ['escape', escape]] as const) {
    if (value.length > 1 || value === '\n' || (what === 'delimiter' && value.length !== 1)) throw new QueryFailure(`${what}: expected one character, got '${value}'`);
  }
  return { kind: 'csv', delimiter, quote, escape };
}

function properties(cursor: TokenCursor): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  cursor.expect('(');
  do {
    const key = cursor.take('string', "'key'");
    cursor.expect('=');
    pairs.push([key, cursor.take('string', "'value'")]);
  } while (cursor.accept(','));
  cursor.expect(')');
  return pairs;
}
