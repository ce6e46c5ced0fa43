// Bounded memory: QueryService's memoryLimitBytes caps what the engine holds. A CSV table is read by
// range as it is scanned, so a table several times the limit is answered exactly while the process
// grows by no more than the limit plus the engine's working set. A query whose own state does not
// fit (here, the distinct ids of that table) fails with Athena's resource error — with no result
// object, and without spilling anything to disk (nothing may: see src/query/duckdb-engine.ts).

import { describe, expect, it } from 'vitest';
import { QueryService } from '../../src/query/query-service.js';
import { csvOf } from './large-csv.js';
import { queryRows, runQuery, setup } from './query-fixture.js';

const MIB = 1 << 20;
const LIMIT = 64 * MIB;
/** What the process may take on top of the limit: WASM pages, the read channel and a range in flight. */
const SLACK = 64 * MIB;
const TABLE = "CREATE EXTERNAL TABLE big (id bigint, name string, amount decimal(10,2)) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' LOCATION 's3://data/big/'";

/** Peak RSS growth while `work` runs, sampled every 10 ms. */
async function rssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
  try {
    const result = await work();
    return { result, growth: Math.max(peak, process.memoryUsage().rss) - before };
  } finally {
    clearInterval(sampler);
  }
}

describe('the engine memory limit', () => {
  it('a CSV table over three times the limit (SSE-KMS) is answered exactly within it; a query whose state does not fit fails with Athena\'s resource error, writing no result', async () => {
    const { s3, kms, iam } = setup();
    const queries = new QueryService({ s3, kms, iam, memoryLimitBytes: LIMIT });
    const { KeyMetadata: key } = await kms.createKey();
    await s3.createBucket({ Bucket: 'data' });
    await s3.createBucket({ Bucket: 'results' });
    const { body, rows, idSum, cents } = await csvOf(3 * LIMIT + 8 * MIB);
    await s3.putObject({ Bucket: 'data', Key: 'big/part-0.csv', Body: body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn });
    await s3.putObject({ Bucket: 'data', Key: 'small/part-0.csv', Body: (await csvOf(MIB)).body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn });
    await runQuery(queries, TABLE);
    await runQuery(queries, TABLE.replace('big', 'small').replace('/big/', '/small/'));
    expect(await queryRows(queries, 'SELECT 1 AS one')).toEqual([['one'], ['1']]); // the engine is loaded before memory is sampled

    const answered = await rssGrowth(() => queryRows(queries, 'SELECT count(*) AS n, sum(id) AS ids, sum(amount) AS amount, count(DISTINCT name) AS names FROM big'));
    const amount = `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
    expect(answered.result).toEqual([['n', 'ids', 'amount', 'names'], [String(rows), String(idSum), amount, '997']]);
    expect(answered.growth).toBeLessThan(LIMIT + SLACK);

    const failed = await rssGrowth(() => runQuery(queries, 'SELECT count(DISTINCT id) FROM big'));
    const execution = failed.result;
    expect(execution.Status).toMatchObject({ State: 'FAILED', AthenaError: { ErrorCategory: 2 } });
    expect(execution.Status.StateChangeReason).toMatch(/^EXCEEDED_MEMORY_LIMIT: Query exhausted resources at this scale factor/);
    expect(failed.growth).toBeLessThan(LIMIT + SLACK);
    const written = await s3.listObjectsV2({ Bucket: 'results' });
    expect(written.Contents.filter((o) => o.Key.includes(execution.QueryExecutionId))).toEqual([]);

    // Nothing can have spilled: DuckDB has no temporary directory to write the decrypted blocks to.
    expect(await queryRows(queries, "SELECT current_setting('temp_directory') AS dir")).toEqual([['dir'], ['']]);
    // The engine is clean after the failure.
    expect(await queryRows(queries, 'SELECT count(*) AS n, max(id) AS top FROM small')).toEqual([['n', 'top'], ['44566', '44565']]);
  }, 600_000);

  it('refuses a limit that is not a whole number of bytes of at least 64 MiB (the CSV reader alone needs about 32 MiB)', () => {
    const { s3, kms } = setup();
    for (const memoryLimitBytes of [0, 64 * MIB - 1, 64 * MIB + 0.5, Number.NaN, -MIB, Infinity]) {
      expect(() => new QueryService({ s3, kms, memoryLimitBytes })).toThrow(/memoryLimitBytes/);
    }
  });
});
