// Bounded memory: the engine holds a query's tables within QueryService's memoryLimitBytes, and a
// query whose tables do not fit fails with Athena's resource error — with no result object and
// without spilling anything to disk (nothing may: see src/query/query-engine.ts). The process's
// memory grows by no more than the limit plus the engine's working set while a table many times
// the limit streams through it.

import { describe, expect, it } from 'vitest';
import { QueryService } from '../../src/query/query-service.js';
import { queryRows, runQuery, setup } from './query-fixture.js';

const MIB = 1 << 20;
const LIMIT = 64 * MIB;
/** What the process may take on top of the limit: WASM pages, one chunk in JS and its copy. */
const SLACK = 64 * MIB;
const TABLE = "CREATE EXTERNAL TABLE big (id bigint, name string, amount double) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' LOCATION 's3://data/big/'";

/** `rows` CSV lines (id,name,amount), repeated `times` times: built fast, and as large as needed. */
function csvOf(rows: number, times = 1): Uint8Array {
  const block = new TextEncoder().encode(Array.from({ length: rows }, (_, i) => `${i},"user ${i}",${i % 1000}.5\n`).join(''));
  const out = new Uint8Array(block.length * times);
  for (let i = 0; i < times; i++) out.set(block, i * block.length);
  return out;
}

describe('the engine memory limit', () => {
  it('fails a query whose table is many times the limit with Athena\'s resource error, within the limit, writing no result', async () => {
    const { s3, kms, iam } = setup();
    const queries = new QueryService({ s3, kms, iam, memoryLimitBytes: LIMIT });
    // 552 MiB of CSV: about 190 MiB as a DuckDB table, three times the limit.
    const { KeyMetadata: key } = await kms.createKey();
    await s3.createBucket({ Bucket: 'data' });
    await s3.createBucket({ Bucket: 'results' });
    await s3.putObject({ Bucket: 'data', Key: 'big/part-0.csv', Body: csvOf(30_000, 800), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn });
    await s3.putObject({ Bucket: 'data', Key: 'small/part-0.csv', Body: csvOf(30_000), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn });
    await runQuery(queries, TABLE);
    await runQuery(queries, TABLE.replace('big', 'small').replace('/big/', '/small/'));
    expect(await queryRows(queries, 'SELECT 1 AS one')).toEqual([['one'], ['1']]); // the engine is loaded before memory is sampled

    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
    const execution = await runQuery(queries, 'SELECT count(*), sum(id) FROM big');
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);

    expect(execution.Status).toMatchObject({ State: 'FAILED', AthenaError: { ErrorCategory: 2 } });
    expect(execution.Status.StateChangeReason).toMatch(/^EXCEEDED_MEMORY_LIMIT: Query exhausted resources at this scale factor/);
    expect(peak - before).toBeLessThan(LIMIT + SLACK);
    const written = await s3.listObjectsV2({ Bucket: 'results' });
    expect(written.Contents.filter((o) => o.Key.includes(execution.QueryExecutionId))).toEqual([]);

    // Nothing can have spilled: DuckDB has no temporary directory to write the decrypted blocks to.
    expect(await queryRows(queries, "SELECT current_setting('temp_directory') AS dir")).toEqual([['dir'], ['']]);
    // A table within the limit is answered by the same service, and the engine is clean after the failure.
    expect(await queryRows(queries, 'SELECT count(*) AS n, max(id) AS top FROM small')).toEqual([['n', 'top'], ['30000', '29999']]);
  }, 300_000);

  it('refuses a limit that is not a whole number of bytes of at least 64 MiB (the CSV reader alone needs about 32 MiB)', () => {
    const { s3, kms } = setup();
    for (const memoryLimitBytes of [0, 64 * MIB - 1, 64 * MIB + 0.5, Number.NaN, -MIB, Infinity]) {
      expect(() => new QueryService({ s3, kms, memoryLimitBytes })).toThrow(/memoryLimitBytes/);
    }
  });
});
