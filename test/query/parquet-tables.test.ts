// Tables over Parquet objects, declared as Athena takes them — STORED AS PARQUET, or as Glue writes
// them (SERDE ParquetHiveSerDe, INPUTFORMAT/OUTPUTFORMAT; https://docs.aws.amazon.com/athena/latest/ug/parquet-serde.html)
// — give the rows written (by hyparquet-writer, a Parquet writer independent of the engine) under
// every encryption mode Athena reads; columns are found by name, as Athena reads Parquet by default.
// A Parquet object is read by range: the columns the table does not declare are never read.

import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it, vi } from 'vitest';
import { ObjectStore, S3EncryptionClient } from '../../src/index.js';
import { parseDdl } from '../../src/query/table-ddl.js';
import { ALICE, allowAlice, queryRows, runQuery, setup } from './query-fixture.js';

const GLUE_STYLE = `CREATE EXTERNAL TABLE sales (id bigint, region string, amount double, note string)
  ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'
  STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'
  OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'
  LOCATION 's3://data/PREFIX/' TBLPROPERTIES ('parquet.compression' = 'SNAPPY')`;

/** `rows` sales rows from `from`; columns in another order than the table's, no `note` (read as NULL), and a large `payload` the table does not declare. */
function salesParquet(from: number, rows: number, rowGroupSize = 1000): Uint8Array {
  const ids = Array.from({ length: rows }, (_, i) => BigInt(from + i));
  return new Uint8Array(parquetWriteBuffer({
    columnData: [
      { name: 'amount', data: ids.map((id) => Number(id % 100n) + 0.25), type: 'DOUBLE' },
      { name: 'Region', data: ids.map((id) => `region ${id % 7n}`), type: 'STRING' },
      { name: 'id', data: ids, type: 'INT64' },
      { name: 'payload', data: ids.map(noise), type: 'STRING' },
    ],
    rowGroupSize,
  }));
}

/** 400 characters no compressor shortens, different for each id. */
function noise(id: bigint): string {
  let state = Number(id % 2147483647n) + 1;
  let text = '';
  while (text.length < 400) {
    state = (state * 48271) % 2147483647;
    text += state.toString(36);
  }
  return text.slice(0, 400);
}

const MODES = ['plain', 'sse-s3', 'sse-kms', 'dsse', 'cse-kms'] as const;

async function parquetData() {
  const env = setup();
  const { s3, kms } = env;
  const { KeyMetadata: key } = await kms.createKey();
  await s3.createBucket({ Bucket: 'data' });
  await s3.createBucket({ Bucket: 'results' });
  const parts = [salesParquet(0, 3000), salesParquet(3000, 2000)];
  for (const mode of MODES) {
    for (const [i, Body] of parts.entries()) {
      const put = { Bucket: 'data', Key: `${mode}/part-${i}.parquet`, Body };
      if (mode === 'cse-kms') await new S3EncryptionClient({ s3, kms, kmsKeyId: key.Arn }).putObject(put);
      else {
        await s3.putObject({ ...put, ...{ plain: {}, 'sse-s3': { ServerSideEncryption: 'AES256' as const },
          'sse-kms': { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: key.Arn }, dsse: { ServerSideEncryption: 'aws:kms:dsse' as const, SSEKMSKeyId: key.Arn } }[mode] });
      }
    }
    const ddl = mode === 'sse-kms' ? GLUE_STYLE : `CREATE EXTERNAL TABLE sales (id bigint, region string, amount double, note string) STORED AS PARQUET LOCATION 's3://data/PREFIX/'`;
    expect((await runQuery(env.queries, ddl.replace('sales', mode.replace('-', '_')).replace('PREFIX', mode))).Status.State).toBe('SUCCEEDED');
  }
  return { ...env, key, parts };
}

/** What the rows written hold: count, sum of ids, sum of amounts in quarters (exact). */
function expected(rows: number) {
  let quarters = 0;
  for (let id = 0; id < rows; id++) quarters += (id % 100) * 4 + 1;
  return { count: String(rows), ids: String((rows * (rows - 1)) / 2), quarters: String(quarters) };
}

describe('Parquet tables', () => {
  it('give the rows written under every encryption mode Athena reads, columns found by name', async () => {
    const { queries } = await parquetData();
    const { count, ids, quarters } = expected(5000);
    for (const table of ['plain', 'sse_s3', 'sse_kms', 'dsse', 'cse_kms']) {
      expect(await queryRows(queries, `SELECT count(*) AS n, sum(id) AS ids, CAST(sum(amount) * 4 AS BIGINT) AS quarters, count(note) AS notes FROM ${table}`), table)
        .toEqual([['n', 'ids', 'quarters', 'notes'], [count, ids, quarters, '0']]);
      expect(await queryRows(queries, `SELECT id, region, amount, note FROM ${table} WHERE id IN (6, 3001) ORDER BY id`), table)
        .toEqual([['id', 'region', 'amount', 'note'], ['6', 'region 6', '6.25', null], ['3001', 'region 5', '1.25', null]]);
    }
    expect(await queryRows(queries, 'SELECT region, count(*) AS n FROM cse_kms GROUP BY region ORDER BY region LIMIT 2'))
      .toEqual([['region', 'n'], ['region 0', '715'], ['region 1', '715']]);
  });

  it('are read by range, each range a ranged GetObject as the caller: a column the table does not declare is never read', async () => {
    const { queries, iam, key, parts } = await parquetData();
    allowAlice(iam, key.Arn, ['kms:Decrypt']);
    const ranges: string[] = [];
    const original = ObjectStore.prototype.getObject;
    const spy = vi.spyOn(ObjectStore.prototype, 'getObject').mockImplementation(function (this: ObjectStore, request, caller) {
      if (request.Key.startsWith('sse-kms/')) ranges.push(`${caller?.principal} ${request.Range}`);
      return original.call(this, request, caller);
    });
    let execution;
    try {
      execution = await runQuery(queries, 'SELECT max(id) AS top FROM sse_kms', {}, ALICE);
    } finally {
      spy.mockRestore();
    }
    expect(execution.Status.State).toBe('SUCCEEDED');
    const size = parts[0]!.length + parts[1]!.length;
    expect(execution.Statistics.DataScannedInBytes).toBeGreaterThan(0);
    expect(execution.Statistics.DataScannedInBytes).toBeLessThan(size / 2);
    expect(ranges.length).toBeGreaterThan(0);
    for (const range of ranges) expect(range).toMatch(new RegExp(`^${ALICE.principal} bytes=\\d+-\\d+$`));
  });

  it('without kms:Decrypt the query fails with AccessDenied naming the key; an object that is not Parquet fails it too', async () => {
    const { queries, iam, key, s3 } = await parquetData();
    allowAlice(iam, key.Arn, []);
    const denied = await runQuery(queries, 'SELECT count(*) FROM sse_kms', { ResultConfiguration: { OutputLocation: 's3://results/denied/' } }, ALICE);
    expect(denied.Status).toMatchObject({ State: 'FAILED', StateChangeReason: expect.stringMatching(/^HIVE_CANNOT_OPEN_SPLIT: .*AccessDenied/) });
    expect(denied.Status.StateChangeReason).toContain(key.Arn);
    expect((await s3.listObjectsV2({ Bucket: 'results', Prefix: 'denied/' })).Contents).toEqual([]);
    await s3.putObject({ Bucket: 'data', Key: 'plain/part-2.parquet', Body: 'id,region\n1,north\n' });
    const notParquet = await runQuery(queries, 'SELECT count(*) FROM plain');
    expect(notParquet.Status.State).toBe('FAILED');
    expect(notParquet.Status.StateChangeReason).toMatch(/parquet/i);
  });

  it('DDL: Glue\'s formats and STORED AS PARQUET are Parquet; a mismatched or unknown format is refused', () => {
    const location = "LOCATION 's3://b/p/'";
    const parquet = { kind: 'parquet' };
    const tableFormat = (sql: string) => {
      const statement = parseDdl(sql);
      return statement?.kind === 'createTable' ? statement.table.format : undefined;
    };
    expect(tableFormat(`CREATE EXTERNAL TABLE t (a int) STORED AS PARQUET ${location}`)).toEqual(parquet);
    expect(tableFormat(GLUE_STYLE.replace('PREFIX', 'x'))).toEqual(parquet);
    expect(tableFormat(`CREATE EXTERNAL TABLE t (a int) ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' STORED AS PARQUET ${location}`)).toEqual(parquet);
    expect(tableFormat(`CREATE EXTERNAL TABLE t (a int) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat' ${location}`))
      .toEqual({ kind: 'csv', delimiter: ',', quote: '', escape: '' });
    const refused: Array<[string, RegExp]> = [
      [`CREATE EXTERNAL TABLE t (a int) ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' ${location}`, /add STORED AS PARQUET/],
      [`CREATE EXTERNAL TABLE t (a int) ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' STORED AS TEXTFILE ${location}`, /reads Parquet, not text files/],
      [`CREATE EXTERNAL TABLE t (a int) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' STORED AS PARQUET ${location}`, /JSON SerDe reads text files/],
      [`CREATE EXTERNAL TABLE t (a int) STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.orc.OrcInputFormat' OUTPUTFORMAT 'x' ${location}`, /INPUTFORMAT org.apache.hadoop.hive.ql.io.orc.OrcInputFormat is not supported/],
      [`CREATE EXTERNAL TABLE t (a int) STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat' OUTPUTFORMAT 'x' ${location}`, /OUTPUTFORMAT x does not write Parquet/],
      [`CREATE EXTERNAL TABLE t (a int) STORED AS ORC ${location}`, /STORED AS ORC is not supported/],
    ];
    for (const [sql, reason] of refused) expect(() => parseDdl(sql), sql).toThrow(reason);
  });
});
