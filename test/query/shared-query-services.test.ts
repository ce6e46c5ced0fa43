// Two QueryServices on one PostgreSQL database (PostgresQueryStore), over one ObjectStore and KMS as
// services sharing the database share them: a database and table created through one are queried
// through the other (the same CREATE TABLE through both at once creates it once); an execution
// started on one is read (GetQueryExecution, BatchGetQueryExecution, GetQueryResults) and listed
// (ListQueryExecutions, the same ids in the same order) through the other; a query queued on one
// is stopped through the other, is not run when its turn comes and stays CANCELLED; a query left
// queued by a service that stopped is reported FAILED by the other, not while that service runs; a
// query scanning on one and stopped through the other ends at its next read, without any call to
// its own service (the store follows the changes while it scans), and writes no result.

import { describe, expect, it, vi } from 'vitest';
import { QueryService } from '../../src/query/node-query-service.js';
import { INTERRUPTED } from '../../src/query/execution-history.js';
import type { DuckDbEngine } from '../../src/query/duckdb-engine.js';
import { nodeEngine } from '../../src/query/duckdb-node.js';
import { PostgresQueryStore } from '../../src/query/postgres-query-store.js';
import type { QueryCollection } from '../../src/query/query-store.js';
import type { ObjectStore } from '../../src/s3/object-store.js';
import { POSTGRES_URL, suiteDatabase } from '../helpers/postgres.js';
import { PEOPLE_CSV, PEOPLE_ROWS, PEOPLE_TABLE, queryRows, resultRows, runQuery, setup } from './query-fixture.js';

const OUTPUT = { OutputLocation: 's3://results/shared/' };
/** An engine that never comes: the queries of a service given it stay QUEUED. */
const NEVER = new Promise<DuckDbEngine>(() => undefined);

describe.skipIf(!POSTGRES_URL)('QueryServices sharing one PostgreSQL database', () => {
  const database = suiteDatabase();
  let schemas = 0;
  const rootKey = crypto.getRandomValues(new Uint8Array(32));

  async function environment() {
    const { s3, kms, iam } = setup();
    await s3.createBucket({ Bucket: 'data' });
    await s3.createBucket({ Bucket: 'results' });
    await s3.putObject({ Bucket: 'data', Key: 'people/p.csv', Body: PEOPLE_CSV });
    const schema = `query_${schemas++}`;
    const opened = (engine?: Promise<DuckDbEngine>, objects: ObjectStore = s3) => {
      const store = new PostgresQueryStore({ connectionString: database.url, rootKey, schema, poolSize: 2 });
      const queries = new QueryService({ s3: objects, kms, iam, engine, store });
      database.closeAfter(queries);
      return { queries, store };
    };
    const service = (engine?: Promise<DuckDbEngine>) => opened(engine).queries;
    return { service, opened, s3 };
  }

  it('a table created through one is queried through the other; each reads, lists and pages the other\'s executions', async () => {
    const { service } = await environment();
    const [one, two] = [service(), service()];
    expect((await runQuery(one, 'CREATE DATABASE hr')).Status.State).toBe('SUCCEEDED');
    expect((await runQuery(two, PEOPLE_TABLE, { Database: 'hr' })).Status.State).toBe('SUCCEEDED');
    expect(await queryRows(one, 'SELECT * FROM people ORDER BY id', { Database: 'hr' })).toEqual(PEOPLE_ROWS);
    // Created through two already: refused through one, as Athena refuses it.
    expect((await runQuery(one, PEOPLE_TABLE, { Database: 'hr' })).Status.StateChangeReason).toMatch(/^AlreadyExistsException: Table hr.people already exists/);

    const select = await runQuery(one, 'SELECT name FROM hr.people WHERE id = 2', { ResultConfiguration: OUTPUT });
    const { QueryExecution } = await two.getQueryExecution({ QueryExecutionId: select.QueryExecutionId });
    expect(QueryExecution).toEqual(select);
    expect(QueryExecution.Statistics.DataScannedInBytes).toBe(PEOPLE_CSV.length);
    expect(await resultRows(two, select.QueryExecutionId)).toEqual([['name'], ['Grace']]);
    expect((await two.batchGetQueryExecution({ QueryExecutionIds: [select.QueryExecutionId, 'unknown'] }))).toEqual({
      QueryExecutions: [select],
      UnprocessedQueryExecutionIds: [{ QueryExecutionId: 'unknown', ErrorCode: 'INVALID_INPUT', ErrorMessage: 'QueryExecution unknown was not found' }],
    });
    const listed = await one.listQueryExecutions({ MaxResults: 50 });
    expect(listed.QueryExecutionIds).toHaveLength(5);
    expect(listed.QueryExecutionIds[0]).toBe(select.QueryExecutionId);
    expect(await two.listQueryExecutions({ MaxResults: 50 })).toEqual(listed);
    // A page token from one continues the list on two.
    const first = await one.listQueryExecutions({ MaxResults: 2 });
    const rest = await two.listQueryExecutions({ MaxResults: 50, NextToken: first.NextToken });
    expect([...first.QueryExecutionIds, ...rest.QueryExecutionIds]).toEqual(listed.QueryExecutionIds);

    // Dropped through two: gone for one.
    expect((await runQuery(two, 'DROP TABLE hr.people')).Status.State).toBe('SUCCEEDED');
    expect((await runQuery(one, 'SELECT * FROM hr.people')).Status.StateChangeReason).toMatch(/^TABLE_NOT_FOUND/);
  });

  it('the same CREATE TABLE through both at once creates it once: the other fails as Athena fails it', async () => {
    const { service } = await environment();
    const [one, two] = [service(), service()];
    await Promise.all([one, two].map((queries) => queries.listQueryExecutions())); // both open and caught up
    const outcomes = await Promise.all([runQuery(one, PEOPLE_TABLE), runQuery(two, PEOPLE_TABLE)]);
    expect(outcomes.map((e) => e.Status.State).sort()).toEqual(['FAILED', 'SUCCEEDED']);
    expect(outcomes.find((e) => e.Status.State === 'FAILED')!.Status.StateChangeReason).toBe('AlreadyExistsException: Table default.people already exists');
    expect(await queryRows(two, 'SELECT id FROM people ORDER BY id')).toEqual([['id'], ['1'], ['2'], ['3']]);
  });

  it('a query queued on one is stopped through the other: when its turn comes it is not run, and stays CANCELLED', async () => {
    const { service, s3 } = await environment();
    let engineReady!: (engine: DuckDbEngine) => void;
    const [waiting, other] = [service(new Promise<DuckDbEngine>((resolve) => (engineReady = resolve))), service()];
    const { QueryExecutionId } = await waiting.startQueryExecution({ QueryString: 'SELECT 1', ResultConfiguration: OUTPUT });
    expect((await other.getQueryExecution({ QueryExecutionId })).QueryExecution.Status.State).toBe('QUEUED'); // its service runs: not interrupted
    await other.stopQueryExecution({ QueryExecutionId });
    // The engine comes: the stopped query's turn, then the next one's (queued behind it on the same engine).
    engineReady(await nodeEngine());
    expect((await runQuery(waiting, 'SELECT 2', { ResultConfiguration: OUTPUT })).Status.State).toBe('SUCCEEDED');
    for (const queries of [waiting, other]) {
      expect((await queries.getQueryExecution({ QueryExecutionId })).QueryExecution.Status).toMatchObject({ State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' });
    }
    const written = (await s3.listObjectsV2({ Bucket: 'results', Prefix: 'shared/' })).Contents?.map((o) => o.Key) ?? [];
    expect(written.filter((key) => key.includes(QueryExecutionId))).toEqual([]);
  });

  it('a query scanning on one and stopped through the other ends at its next read, with no call to its service, and writes nothing', async () => {
    const { opened, service, s3 } = await environment();
    // The table's object reads wait at a gate: the query is scanning, as long as the test keeps it shut.
    let reading!: () => void;
    const scanning = new Promise<void>((resolve) => (reading = resolve));
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const gated = new Proxy(s3, {
      get(target, name) {
        const value = Reflect.get(target, name, target) as unknown;
        if (name !== 'getObject') return typeof value === 'function' ? value.bind(target) : value;
        return async (request: Parameters<ObjectStore['getObject']>[0], caller?: Parameters<ObjectStore['getObject']>[1]) => {
          if (request.Bucket === 'data') {
            reading();
            await gate;
          }
          return target.getObject(request, caller);
        };
      },
    });
    const runner = opened(undefined, gated);
    const other = service();
    expect((await runQuery(other, PEOPLE_TABLE)).Status.State).toBe('SUCCEEDED');
    const { QueryExecutionId } = await runner.queries.startQueryExecution({ QueryString: 'SELECT count(*) FROM people', ResultConfiguration: OUTPUT });
    // Queued behind it on the same engine: once it is done, so is the stopped query's run.
    const { QueryExecutionId: next } = await runner.queries.startQueryExecution({ QueryString: 'SELECT 2', ResultConfiguration: OUTPUT });
    await scanning;
    await other.stopQueryExecution({ QueryExecutionId });
    // The runner's store learns of the stop by itself: no call is made to its service from here on.
    const executions: QueryCollection<{ id: string; state: string }> = { name: 'athena-executions', list: 'executions', id: (e) => e.id };
    const held = (await runner.store.open(executions)).records;
    await vi.waitFor(() => expect(held.get(QueryExecutionId)?.state).toBe('CANCELLED'), { timeout: 30_000, interval: 10 });
    openGate();
    let state: string | undefined;
    while ((state = (await other.getQueryExecution({ QueryExecutionId: next })).QueryExecution.Status.State) === 'QUEUED' || state === 'RUNNING') {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(state).toBe('SUCCEEDED');
    expect((await other.getQueryExecution({ QueryExecutionId })).QueryExecution.Status).toMatchObject({ State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' });
    const written = (await s3.listObjectsV2({ Bucket: 'results', Prefix: 'shared/' })).Contents?.map((o) => o.Key) ?? [];
    expect(written.filter((key) => key.includes(QueryExecutionId))).toEqual([]);
    expect(written.filter((key) => key.includes(next))).toHaveLength(2);
  });

  it('a query its service left queued when it stopped is reported FAILED by the other', async () => {
    const { service } = await environment();
    const [stopping, other] = [service(NEVER), service()];
    const { QueryExecutionId } = await stopping.startQueryExecution({ QueryString: 'SELECT 1', ResultConfiguration: OUTPUT });
    expect((await other.getQueryExecution({ QueryExecutionId })).QueryExecution.Status.State).toBe('QUEUED');
    await stopping.close();
    const { QueryExecution } = await other.getQueryExecution({ QueryExecutionId });
    expect(QueryExecution.Status).toMatchObject({ State: 'FAILED', StateChangeReason: INTERRUPTED, AthenaError: { ErrorCategory: 1 } });
    expect(QueryExecution.Status.CompletionDateTime).toBeInstanceOf(Date);
    // Recorded so: a service opened now reads the same.
    const later = service();
    expect((await later.getQueryExecution({ QueryExecutionId })).QueryExecution).toEqual(QueryExecution);
  });
});
