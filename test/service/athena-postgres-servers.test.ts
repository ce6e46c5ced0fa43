// Athena through several `kms-wasm serve --postgres` processes on one database, with
// @aws-sdk/client-athena: each server's DIR holds only the root key, the catalog and the execution
// history live in the database (PostgresQueryStore), the data and results in the shared object
// store. A database and table created through one server are queried through the other; an
// execution started on one is read (GetQueryExecution, GetQueryResults) and listed
// (ListQueryExecutions) through the other, also once the first has stopped; a server started later
// on another DIR finds the table and the history. A server SIGKILLed with queries queued and running
// leaves them FAILED (interrupted) for the others: its database session ended, and with it the
// advisory lock its executions name.
// The servers are the built command (dist/cli.js): `npm run build` first.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as Athena from '@aws-sdk/client-athena';
import { S3 } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { INTERRUPTED } from '../../src/query/execution-history.js';
import { POSTGRES_URL, suiteDatabase } from '../helpers/postgres.js';
import { csvOf } from '../query/large-csv.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { run, type Started } from './cli-process.js';
import { ACCOUNT, REGION, ROOT } from './service-fixture.js';

const newDirectory = temporaryDirectories('kms-wasm-pg-athena-');
const rootEnv = { KMS_WASM_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, KMS_WASM_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey };
const ROWS = 'id,name,amount\n1,Ada,10.5\n2,Grace,20\n3,Linus,7\n';
const TABLE = `CREATE EXTERNAL TABLE sales (id int, name string, amount double)
  ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://data/sales/' TBLPROPERTIES ('skip.header.line.count' = '1')`;

describe.skipIf(!POSTGRES_URL)('Athena on kms-wasm serve --postgres', () => {
  const database = suiteDatabase();
  const servers: Started[] = [];
  afterAll(async () => {
    for (const server of servers) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  const rootKey = crypto.getRandomValues(new Uint8Array(32));
  const start = async () => {
    const dir = newDirectory();
    writeFileSync(join(dir, 'root.key'), rootKey, { mode: 0o600 });
    const started = await run(['serve', '--port', '0', '--account', ACCOUNT, '--dir', dir, '--postgres', database.url], rootEnv);
    servers.push(started);
    expect(started.url, started.stderr()).not.toBe('');
    return { started, athena: new Athena.AthenaClient({ endpoint: started.url, region: REGION, credentials: ROOT, maxAttempts: 1 }) };
  };

  /** Starts the query and polls GetQueryExecution until it leaves QUEUED and RUNNING. */
  const startQuery = async (client: Athena.AthenaClient, sql: string, database = 'default') => (await client.send(new Athena.StartQueryExecutionCommand({
    QueryString: sql, QueryExecutionContext: { Database: database }, ResultConfiguration: { OutputLocation: 's3://results/athena/' },
  }))).QueryExecutionId!;
  const executionOf = async (client: Athena.AthenaClient, QueryExecutionId: string) =>
    (await client.send(new Athena.GetQueryExecutionCommand({ QueryExecutionId }))).QueryExecution!;

  async function runQuery(client: Athena.AthenaClient, sql: string, database = 'default') {
    const QueryExecutionId = await startQuery(client, sql, database);
    for (;;) {
      const { QueryExecution } = await client.send(new Athena.GetQueryExecutionCommand({ QueryExecutionId }));
      if (!['QUEUED', 'RUNNING'].includes(QueryExecution!.Status!.State!)) return QueryExecution!;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  const rows = async (client: Athena.AthenaClient, QueryExecutionId: string) =>
    (await client.send(new Athena.GetQueryResultsCommand({ QueryExecutionId }))).ResultSet!.Rows!.map((row) => row.Data!.map((d) => d.VarCharValue));

  it('two servers share the catalog and the execution history; a server started later finds both', async () => {
    const [one, two] = [await start(), await start()];
    const s3 = new S3({ endpoint: one.started.url, region: REGION, credentials: ROOT, maxAttempts: 1, forcePathStyle: true });
    await s3.createBucket({ Bucket: 'data' });
    await s3.createBucket({ Bucket: 'results' });
    await s3.putObject({ Bucket: 'data', Key: 'sales/part-0.csv', Body: ROWS, ServerSideEncryption: 'AES256' });

    expect((await runQuery(one.athena, 'CREATE DATABASE shop')).Status!.State).toBe('SUCCEEDED');
    expect((await runQuery(two.athena, TABLE, 'shop')).Status!).toMatchObject({ State: 'SUCCEEDED' });
    const select = await runQuery(one.athena, 'SELECT name, amount FROM sales ORDER BY id', 'shop');
    expect(select.Status, select.Status!.StateChangeReason).toMatchObject({ State: 'SUCCEEDED' });
    const expected = [['name', 'amount'], ['Ada', '10.5'], ['Grace', '20.0'], ['Linus', '7.0']];
    expect(await rows(one.athena, select.QueryExecutionId!)).toEqual(expected);

    // Read and listed through two, as one reports it.
    const { QueryExecution } = await two.athena.send(new Athena.GetQueryExecutionCommand({ QueryExecutionId: select.QueryExecutionId }));
    expect(QueryExecution).toEqual(select);
    expect(await rows(two.athena, select.QueryExecutionId!)).toEqual(expected);
    const listed = (await one.athena.send(new Athena.ListQueryExecutionsCommand({}))).QueryExecutionIds;
    expect(listed).toHaveLength(3);
    expect(listed![0]).toBe(select.QueryExecutionId);
    expect((await two.athena.send(new Athena.ListQueryExecutionsCommand({}))).QueryExecutionIds).toEqual(listed);

    // One stops; two still reports its executions; a server started now on a new DIR finds the table and the history.
    one.started.child.kill('SIGTERM');
    expect(await one.started.exited).toBe(0);
    expect((await two.athena.send(new Athena.GetQueryExecutionCommand({ QueryExecutionId: select.QueryExecutionId }))).QueryExecution).toEqual(select);
    const three = await start();
    expect(await rows(three.athena, select.QueryExecutionId!)).toEqual(expected);
    const again = await runQuery(three.athena, 'SELECT sum(amount) AS total FROM shop.sales');
    expect(await rows(three.athena, again.QueryExecutionId!)).toEqual([['total'], ['37.5']]);
    expect((await two.athena.send(new Athena.ListQueryExecutionsCommand({ MaxResults: 1 }))).QueryExecutionIds).toEqual([again.QueryExecutionId]);
  });

  it('a server SIGKILLed with queries queued and running leaves them FAILED for the others, not before', async () => {
    const [doomed, survivor] = [await start(), await start()];
    const s3 = new S3({ endpoint: survivor.started.url, region: REGION, credentials: ROOT, maxAttempts: 1, forcePathStyle: true });
    await s3.createBucket({ Bucket: 'big' });
    await s3.putObject({ Bucket: 'big', Key: 'rows/part-0.csv', Body: (await csvOf(16 << 20)).body });
    await runQuery(survivor.athena, "CREATE EXTERNAL TABLE big (id bigint, name string, amount double) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' LOCATION 's3://big/rows/'");
    // Three scans, one at a time on the doomed server's engine: the last is still queued when it dies.
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await startQuery(doomed.athena, `SELECT count(*), ${i} FROM big`));
    expect((await executionOf(survivor.athena, ids[2]!)).Status!.State).toBe('QUEUED'); // its server runs: not interrupted
    doomed.started.child.kill('SIGKILL');
    await doomed.started.exited;
    const states = [];
    for (const id of ids) {
      const { Status } = await executionOf(survivor.athena, id);
      states.push(Status!.State);
      if (Status!.State === 'FAILED') expect(Status).toMatchObject({ StateChangeReason: INTERRUPTED, AthenaError: { ErrorCategory: 1 } });
    }
    expect(states[2]).toBe('FAILED');
    expect(states.every((state) => state === 'SUCCEEDED' || state === 'FAILED')).toBe(true); // none left queued or running
  });
});
