// The DDL statements Athena takes for tables over S3 objects (Athena User Guide, "CREATE TABLE",
// https://docs.aws.amazon.com/athena/latest/ug/create-table.html, and "CREATE DATABASE"), parsed into
// what the catalog keeps. Text files: ROW FORMAT DELIMITED (LazySimpleSerDe: no quoting), SERDE
// 'org.apache.hadoop.hive.serde2.OpenCSVSerde' (quoted CSV) and the JSON SerDes (one JSON object a
// line). Parquet: STORED AS PARQUET, or as Glue and Hive write it, SERDE ParquetHiveSerDe STORED AS
// INPUTFORMAT MapredParquetInputFormat OUTPUTFORMAT MapredParquetOutputFormat
// (https://docs.aws.amazon.com/athena/latest/ug/parquet-serde.html). Anything else is refused.

import { QueryFailure } from './athena-errors.js';
import { parseS3Location } from './s3-location.js';
import { TokenCursor, tokenize } from './ddl-tokens.js';

export type TableFormat =
  | { kind: 'csv'; delimiter: string; quote: string; escape: string }
  | { kind: 'json' }
  | { kind: 'parquet' };

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
const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';
const PARQUET_INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
const PARQUET_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';
const TEXT_INPUT_FORMAT = 'org.apache.hadoop.mapred.TextInputFormat';

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
  if (cursor.accept('stored', 'as')) format = storedAs(cursor, format);
  else if (format.kind === 'parquet') throw new QueryFailure(`SerDe ${PARQUET_SERDE} reads Parquet: add STORED AS PARQUET or STORED AS INPUTFORMAT '${PARQUET_INPUT_FORMAT}'`);
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
  if (serde === PARQUET_SERDE) return { kind: 'parquet' };
  throw new QueryFailure(`SerDe ${serde} is not supported: use ${OPEN_CSV_SERDE}, ${LAZY_SIMPLE_SERDE}, ${PARQUET_SERDE} or a JSON SerDe`);
}

/**
 * STORED AS: TEXTFILE or PARQUET, or the input and output formats Glue writes for them. Parquet
 * needs no ROW FORMAT (or ParquetHiveSerDe's); text keeps the ROW FORMAT's SerDe.
 */
function storedAs(cursor: TokenCursor, rowFormat: TableFormat): TableFormat {
  let parquet: boolean;
  if (cursor.accept('inputformat')) {
    const input = cursor.take('string', `'${PARQUET_INPUT_FORMAT}'`);
    cursor.expect('outputformat');
    const output = cursor.take('string', `'${PARQUET_OUTPUT_FORMAT}'`);
    parquet = input === PARQUET_INPUT_FORMAT;
    if (!parquet && input !== TEXT_INPUT_FORMAT) throw new QueryFailure(`INPUTFORMAT ${input} is not supported: use ${TEXT_INPUT_FORMAT} or ${PARQUET_INPUT_FORMAT}`);
    if (parquet && output !== PARQUET_OUTPUT_FORMAT) throw new QueryFailure(`OUTPUTFORMAT ${output} does not write Parquet: use ${PARQUET_OUTPUT_FORMAT}`);
  } else {
    const stored = cursor.take('word', 'TEXTFILE or PARQUET').toLowerCase();
    if (stored !== 'textfile' && stored !== 'parquet') throw new QueryFailure(`STORED AS ${stored.toUpperCase()} is not supported: TEXTFILE (CSV, JSON lines) or PARQUET`);
    parquet = stored === 'parquet';
  }
  if (!parquet) {
    if (rowFormat.kind === 'parquet') throw new QueryFailure(`SerDe ${PARQUET_SERDE} reads Parquet, not text files`);
    return rowFormat;
  }
  if (rowFormat.kind === 'json') throw new QueryFailure('STORED AS PARQUET: a JSON SerDe reads text files, not Parquet');
  return { kind: 'parquet' };
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
