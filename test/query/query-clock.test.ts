// QueryService reads the time from its `clock` option, as the other services do: an execution's
// SubmissionDateTime and CompletionDateTime are the injected clock's, and so are the durable
// history's 45-day retention and the end time of an execution its service stopped.
import { describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore } from '../../src/index.js';
import { QueryService } from '../../src/query/node-query-service.js';
import { INTERRUPTED } from '../../src/query/execution-history.js';
import { movableClock } from '../helpers/movable-clock.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { ACCOUNT, runQuery } from './query-fixture.js';

const newDir = temporaryDirectories('kms-wasm-athena-clock-');

describe('QueryService with an injected clock', () => {
  it('stamps an execution\'s submission and completion with the clock\'s time', async () => {
    const clock = movableClock('2033-03-04T05:06:07.000Z');
    const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', clock });
    const s3 = new ObjectStore({ kms, clock });
    await s3.createBucket({ Bucket: 'results' });
    const queries = new QueryService({ s3, kms, clock });
    const execution = await runQuery(queries, 'SELECT 1');
    expect(execution.Status.State).toBe('SUCCEEDED');
    expect(execution.Status.SubmissionDateTime).toEqual(new Date('2033-03-04T05:06:07.000Z'));
    expect(execution.Status.CompletionDateTime).toEqual(new Date('2033-03-04T05:06:07.000Z'));
  });

  it('keeps a directory history for 45 days by the clock, and dates an interrupted execution by it', async () => {
    const clock = movableClock('2033-03-04T05:06:07.000Z');
    const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', clock });
    const s3 = new ObjectStore({ kms, clock });
    await s3.createBucket({ Bucket: 'results' });
    const dir = newDir();
    const queries = new QueryService({ s3, kms, clock, dir });
    const old = await runQuery(queries, 'SELECT 1');
    clock.set('2033-04-18T05:06:07.000Z'); // 45 days later: still kept
    const kept = await runQuery(queries, 'SELECT 2');
    expect((await queries.listQueryExecutions()).QueryExecutionIds).toEqual([kept.QueryExecutionId, old.QueryExecutionId]);
    clock.set('2033-04-19T05:06:08.000Z'); // the first is now older than 45 days: dropped at the next write
    const latest = await runQuery(queries, 'SELECT 3');
    expect((await queries.listQueryExecutions()).QueryExecutionIds).toEqual([latest.QueryExecutionId, kept.QueryExecutionId]);
    const { QueryExecutionId } = await queries.startQueryExecution({ QueryString: 'SELECT 4', ResultConfiguration: { OutputLocation: 's3://results/' } });
    await queries.close(); // still queued or running
    clock.set('2033-05-01T00:00:00.000Z');
    const reopened = new QueryService({ s3, kms, clock, dir });
    const { QueryExecution } = await reopened.getQueryExecution({ QueryExecutionId });
    expect(QueryExecution.Status).toMatchObject({ State: 'FAILED', StateChangeReason: INTERRUPTED, CompletionDateTime: new Date('2033-05-01T00:00:00.000Z') });
    await reopened.close();
  });
});
