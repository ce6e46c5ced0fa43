// The execution history in a directory: executions (state, reason, statistics, output location,
// results) survive a new QueryService on the same directory, ListQueryExecutions pages the same ids
// before and after, an execution cut off by its service's stop is reported FAILED, and an edited
// history file is refused rather than believed.

import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StoreIntegrityError } from '../../src/index.js';
import { INTERRUPTED } from '../../src/query/execution-history.js';
import { QueryService } from '../../src/query/node-query-service.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { PEOPLE_CSV, PEOPLE_ROWS, PEOPLE_TABLE, resultRows, runQuery, setup } from './query-fixture.js';

const newDir = temporaryDirectories('kms-wasm-athena-history-');
const OUTPUT = { OutputLocation: 's3://results/history/' };

async function environment() {
  const dir = newDir();
  const env = setup({ dir });
  await env.s3.createBucket({ Bucket: 'data' });
  await env.s3.createBucket({ Bucket: 'results' });
  await env.s3.putObject({ Bucket: 'data', Key: 'people/p.csv', Body: PEOPLE_CSV });
  return { dir, ...env };
}

/** Every id ListQueryExecutions gives, page by page of `size`. */
async function listAll(queries: QueryService, size: number) {
  const pages: string[][] = [];
  let NextToken: string | undefined;
  do {
    const page = await queries.listQueryExecutions({ MaxResults: size, NextToken });
    pages.push(page.QueryExecutionIds);
    NextToken = page.NextToken;
  } while (NextToken);
  return pages;
}

describe('a directory execution history', () => {
  it('keeps every execution as it ended across a new QueryService, and its results readable', async () => {
    const { dir, s3, kms, iam, queries } = await environment();
    const ddl = await runQuery(queries, PEOPLE_TABLE);
    const select = await runQuery(queries, 'SELECT * FROM people ORDER BY id', { ResultConfiguration: OUTPUT });
    const failed = await runQuery(queries, 'SELECT * FROM nowhere', { ResultConfiguration: OUTPUT });
    const stopped = await queries.startQueryExecution({ QueryString: 'SELECT count(*) FROM people', ResultConfiguration: OUTPUT });
    await queries.stopQueryExecution(stopped);
    expect([ddl, select, failed].map((e) => e.Status.State)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'FAILED']);
    const before = await queries.batchGetQueryExecution({ QueryExecutionIds: [ddl, select, failed].map((e) => e.QueryExecutionId).concat(stopped.QueryExecutionId) });
    const pagesBefore = await listAll(queries, 3);
    await queries.close();

    const reopened = new QueryService({ s3, kms, iam, dir });
    const after = await reopened.batchGetQueryExecution({ QueryExecutionIds: before.QueryExecutions.map((e) => e.QueryExecutionId) });
    expect(after).toEqual(before);
    expect(after.QueryExecutions[3]!.Status).toMatchObject({ State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' });
    expect(after.QueryExecutions[2]!.Status).toMatchObject({ State: 'FAILED', StateChangeReason: expect.stringMatching(/^TABLE_NOT_FOUND/), AthenaError: { ErrorCategory: 2 } });
    expect(after.QueryExecutions[1]!.Statistics.DataScannedInBytes).toBe(PEOPLE_CSV.length);
    expect(await resultRows(reopened, select.QueryExecutionId)).toEqual(PEOPLE_ROWS);
    // Newest first, the same pages, and a token from before the restart still continues the list.
    expect(pagesBefore).toEqual([[stopped.QueryExecutionId, failed.QueryExecutionId, select.QueryExecutionId], [ddl.QueryExecutionId]]);
    expect(await listAll(reopened, 3)).toEqual(pagesBefore);
    // New executions go on top of the kept ones.
    const next = await runQuery(reopened, 'SELECT 1', { ResultConfiguration: OUTPUT });
    expect((await reopened.listQueryExecutions({ MaxResults: 2 })).QueryExecutionIds).toEqual([next.QueryExecutionId, stopped.QueryExecutionId]);
    await reopened.close();
  });

  it('an execution its service stopped before it ended is reported FAILED by the next one', async () => {
    const { dir, s3, kms, iam, queries } = await environment();
    await runQuery(queries, PEOPLE_TABLE);
    const { QueryExecutionId } = await queries.startQueryExecution({ QueryString: 'SELECT * FROM people', ResultConfiguration: OUTPUT });
    await queries.close(); // the query is still queued or running: its record on disk says so
    const reopened = new QueryService({ s3, kms, iam, dir });
    const { QueryExecution } = await reopened.getQueryExecution({ QueryExecutionId });
    expect(QueryExecution.Status).toMatchObject({ State: 'FAILED', StateChangeReason: INTERRUPTED, AthenaError: { ErrorCategory: 1 } });
    expect(QueryExecution.Status.CompletionDateTime).toBeInstanceOf(Date);
    await expect(reopened.getQueryResults({ QueryExecutionId })).rejects.toMatchObject({ name: 'InvalidRequestException', message: expect.stringMatching(/FAILED/) });
    await reopened.close();
  });

  it('refuses an edited history file, and the history key is another key than the catalog\'s', async () => {
    const { dir, s3, kms, iam, queries } = await environment();
    const done = await runQuery(queries, 'SELECT 1', { ResultConfiguration: OUTPUT });
    await queries.close();
    const file = `${dir}/athena-executions.json`;
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(done.QueryExecutionId);
    expect(readFileSync(`${dir}/athena-executions.key`)).not.toEqual(readFileSync(`${dir}/athena-catalog.key`));
    writeFileSync(file, text.replace('"SUCCEEDED"', '"CANCELLED"'));
    const tampered = new QueryService({ s3, kms, iam, dir });
    await expect(tampered.getQueryExecution({ QueryExecutionId: done.QueryExecutionId })).rejects.toBeInstanceOf(StoreIntegrityError);
    await expect(tampered.listQueryExecutions({})).rejects.toBeInstanceOf(StoreIntegrityError);
    await tampered.close();
  });
});
