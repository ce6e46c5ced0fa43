// The engine's worker dies (here: terminated mid-scan, as an out-of-memory kill or a crash would
// end it): the query running on it ends FAILED with the reason (a system error), writing no result;
// a query queued behind it and every later query run on a fresh engine and answer.

import { describe, expect, it } from 'vitest';
import { stopNodeEngine } from '../../src/query/duckdb-node.js';
import { csvOf } from './large-csv.js';
import { PEOPLE_CSV, PEOPLE_ROWS, PEOPLE_TABLE, queryRows, resultRows, runQuery, setup } from './query-fixture.js';

const MIB = 1 << 20;

describe('the query engine\'s worker', () => {
  it('once killed, fails the running query with the reason and is replaced for the next', async () => {
    const { s3, queries } = setup();
    await s3.createBucket({ Bucket: 'data' });
    await s3.createBucket({ Bucket: 'results' });
    await s3.putObject({ Bucket: 'data', Key: 'people/p.csv', Body: PEOPLE_CSV });
    const { body, rows } = await csvOf(96 * MIB);
    await s3.putObject({ Bucket: 'data', Key: 'big/part-0.csv', Body: body, ServerSideEncryption: 'AES256' });
    await runQuery(queries, PEOPLE_TABLE);
    await runQuery(queries, "CREATE EXTERNAL TABLE big (id bigint, name string, amount double) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' LOCATION 's3://data/big/'");
    const output = { ResultConfiguration: { OutputLocation: 's3://results/killed/' } };
    const { QueryExecutionId: scanning } = await queries.startQueryExecution({ QueryString: 'SELECT count(*) FROM big', ...output });
    const { QueryExecutionId: queued } = await queries.startQueryExecution({ QueryString: 'SELECT * FROM people ORDER BY id', ResultConfiguration: { OutputLocation: 's3://results/queued/' } });
    // Kill the worker once the scan is under way (some of the table read, not all).
    for (;;) {
      const { QueryExecution } = await queries.getQueryExecution({ QueryExecutionId: scanning });
      if ((QueryExecution.Statistics?.DataScannedInBytes ?? 0) > 0) break;
      expect(QueryExecution.Status.State).not.toMatch(/SUCCEEDED|FAILED/);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await stopNodeEngine();
    let failed;
    do {
      failed = (await queries.getQueryExecution({ QueryExecutionId: scanning })).QueryExecution;
      await new Promise((resolve) => setTimeout(resolve, 5));
    } while (['QUEUED', 'RUNNING'].includes(failed.Status.State));
    expect(failed.Status).toMatchObject({ State: 'FAILED',
      StateChangeReason: expect.stringMatching(/^GENERIC_INTERNAL_ERROR: the query engine stopped \(its worker exited with code \d+\); the next query starts a new one$/),
      AthenaError: expect.objectContaining({ ErrorCategory: 1 }) });
    expect((await s3.listObjectsV2({ Bucket: 'results', Prefix: 'killed/' })).Contents).toEqual([]);
    // The query queued behind it ran on a fresh engine; so does the next.
    let waiting;
    do {
      waiting = (await queries.getQueryExecution({ QueryExecutionId: queued })).QueryExecution;
      await new Promise((resolve) => setTimeout(resolve, 5));
    } while (['QUEUED', 'RUNNING'].includes(waiting.Status.State));
    expect(waiting.Status, waiting.Status.StateChangeReason).toMatchObject({ State: 'SUCCEEDED' });
    expect(await resultRows(queries, queued)).toEqual(PEOPLE_ROWS);
    expect(await queryRows(queries, 'SELECT count(*) AS n FROM big')).toEqual([['n'], [String(rows)]]);
  }, 600_000);
});
