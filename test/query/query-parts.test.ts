// The QueryService's parts on their own: record-aligned chunking, the DDL parser, result CSV, and
// the body helper that takes either shape of getObject's Body.

import { describe, expect, it } from 'vitest';
import { formatCsv, parseCsv } from '../../src/query/csv-text.js';
import { jsonLinesToCsv } from '../../src/query/json-lines.js';
import { recordChunks } from '../../src/query/record-chunks.js';
import { parseDdl } from '../../src/query/table-ddl.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function* piecesOf(bytes: Uint8Array, sizes: number[]) {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function chunksOf(text: string, sizes: number[], options: Parameters<typeof recordChunks>[1]) {
  const chunks: string[] = [];
  for await (const chunk of recordChunks(piecesOf(encoder.encode(text), sizes), options)) chunks.push(decoder.decode(chunk));
  return chunks;
}

describe('recordChunks', () => {
  it('cuts only at line ends, whatever the piece sizes, and loses nothing', async () => {
    const rng = new SeededRandom(20);
    const lines = Array.from({ length: 200 }, (_, i) => `{"id": ${i}, "text": "a \\n ${'x'.repeat(rng.int(40))}"}\n`);
    const text = lines.join('');
    for (const sizes of [[1], [7, 3], [64], [1000]]) {
      const chunks = await chunksOf(text, sizes, { targetBytes: 100, skipLines: 0 });
      expect(chunks.join('')).toBe(text);
      for (const chunk of chunks) expect(lines.some((line) => chunk.startsWith(line)), chunk.slice(0, 20)).toBe(true);
      expect(chunks.every((c) => c.endsWith('"}\n'))).toBe(true);
    }
  });

  it('skips header lines; keeps a record longer than the target whole', async () => {
    expect(await chunksOf('h1\nh2\na"b\nc\n', [2], { targetBytes: 1, skipLines: 2 })).toEqual(['a"b\n', 'c\n']);
    expect(await chunksOf(`${'y'.repeat(50)}\nshort`, [4], { targetBytes: 10, skipLines: 0 })).toEqual([`${'y'.repeat(50)}\n`, 'short']);
    expect(await chunksOf('only header', [3], { targetBytes: 10, skipLines: 1 })).toEqual([]);
  });
});

describe('parseDdl', () => {
  it('reads CREATE EXTERNAL TABLE with OpenCSVSerde, DELIMITED and JSON SerDes', () => {
    expect(parseDdl(`CREATE EXTERNAL TABLE IF NOT EXISTS Sales.Orders (\`Id\` int COMMENT 'key', total decimal(10,2), note varchar(20))
      ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' WITH SERDEPROPERTIES ('separatorChar' = '\\t', 'quoteChar' = "'")
      STORED AS TEXTFILE LOCATION 's3://bucket/orders' TBLPROPERTIES ('skip.header.line.count'='1', 'has_encrypted_data'='true');`)).toEqual({
      kind: 'createTable', database: 'sales', ifNotExists: true,
      table: { name: 'orders', columns: [{ name: 'id', type: 'int' }, { name: 'total', type: 'decimal(10,2)' }, { name: 'note', type: 'varchar(20)' }],
        format: { kind: 'csv', delimiter: '\t', quote: "'", escape: '"' }, location: 's3://bucket/orders/', skipHeaderLines: 1 },
    });
    expect(parseDdl("create external table t (a string) row format delimited fields terminated by '|' location 's3://b/'"))
      .toMatchObject({ table: { format: { kind: 'csv', delimiter: '|', quote: '' }, location: 's3://b/' } });
    expect(parseDdl("CREATE EXTERNAL TABLE t (a string) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://b/p/'"))
      .toMatchObject({ table: { format: { kind: 'json' } } });
    expect(parseDdl("CREATE EXTERNAL TABLE t (a string) LOCATION 's3://b/p/'")).toMatchObject({ table: { format: { kind: 'csv', delimiter: '\x01' } } });
    expect(parseDdl('CREATE DATABASE IF NOT EXISTS logs')).toEqual({ kind: 'createDatabase', name: 'logs', ifNotExists: true });
    expect(parseDdl('DROP TABLE IF EXISTS logs.events')).toEqual({ kind: 'dropTable', database: 'logs', name: 'events', ifExists: true });
    expect(parseDdl('SELECT * FROM t')).toBeUndefined();
  });

  it('refuses what it does not support, naming it', () => {
    const refusals: Array<[string, RegExp]> = [
      ["CREATE TABLE t (a int) LOCATION 's3://b/'", /Only external tables/],
      ["CREATE EXTERNAL TABLE t (a array<int>) LOCATION 's3://b/'", /unsupported type: array/],
      ["CREATE EXTERNAL TABLE t (a int) STORED AS ORC LOCATION 's3://b/'", /ORC is not supported/],
      ["CREATE EXTERNAL TABLE t (a int) ROW FORMAT SERDE 'com.example.Other' LOCATION 's3://b/'", /SerDe com.example.Other is not supported/],
      ["CREATE EXTERNAL TABLE t (a int) LOCATION 'https://b/'", /expected s3:\/\/bucket\/prefix/],
      ["CREATE EXTERNAL TABLE t (a int, A string) LOCATION 's3://b/'", /declared twice/],
      ["CREATE EXTERNAL TABLE t (a int) PARTITIONED BY (d string) LOCATION 's3://b/'", /PARTITIONED BY/],
      ["CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/' TBLPROPERTIES ('skip.header.line.count'='x')", /skip.header.line.count/],
      ["CREATE EXTERNAL TABLE t (a int) ROW FORMAT DELIMITED FIELDS TERMINATED BY '||' LOCATION 's3://b/'", /one character/],
      ["CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/' extra", /mismatched input 'extra'/],
      ["CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/", /unterminated string/],
      ['CREATE VIEW v AS SELECT 1', /Only CREATE EXTERNAL TABLE/],
      ['DROP TABLE a-b', /unexpected character '-'|mismatched input/],
    ];
    for (const [sql, reason] of refusals) expect(() => parseDdl(sql), sql).toThrow(reason);
  });
});

describe('result CSV', () => {
  it('round-trips values with quotes, commas, newlines, empty strings and NULLs', () => {
    const rows = [['a', 'b', 'c'], ['x "y"', '', null], ['1,2', 'line\nbreak', '']];
    const text = formatCsv(rows);
    expect(text).toBe('"a","b","c"\n"x ""y""","",\n"1,2","line\nbreak",""\n');
    expect(parseCsv(text)).toEqual(rows);
    expect(() => parseCsv('"open')).toThrow(/not closed/);
    expect(() => parseCsv('"a"b\n')).toThrow(/unexpected/);
  });

  it('turns JSON lines into CSV fields by column name, case-insensitively, nested values as JSON', () => {
    const csv = decoder.decode(jsonLinesToCsv(encoder.encode('{"Id": 1, "tags": ["a"], "n": null}\n\n{"id": "two"}\n'), ['id', 'tags', 'n']));
    expect(parseCsv(csv)).toEqual([['1', '["a"]', null], ['two', null, null]]);
    expect(() => jsonLinesToCsv(encoder.encode('[1]\n'), ['id'])).toThrow(/not a valid JSON Object/);
    expect(() => jsonLinesToCsv(encoder.encode('{bad\n'), ['id'])).toThrow(/HIVE_CURSOR_ERROR/);
  });
});
