// Athena through several `kms-wasm serve --postgres` processes on one database, with
// @aws-sdk/client-athena: each server's DIR holds only the root key, the catalog and the execution
// history live in the database (PostgresQueryStore), the data and results in the shared object
// store. A database and table created through one server are queried through the other; an
// execution started on one is read (GetQueryExecution, GetQueryResults) and listed
// (ListQueryExecutions) through the other, also once the first has stopped; a server started later
// on another DIR finds the table and the history. A server SIGKILLed with queries queued and running
// leaves them FAILED (interrupted) for the others: its database session ended, and with it the
// advisory lock its executions name. A long scan started on one server and stopped through the
// other ends CANCELLED on the first with no further request to it (it follows the database's change
// notices while it scans), writes no result, and both servers exit cleanly with their listening
// sessions closed. A DIR a directory server used, started with --postgres, serves none of what it
// holds (keys, objects, the Athena catalog and history: nothing of DIR but root.key is carried over)
// and is left as it was, so a directory server started on it again has it all.
// The servers are the built command (dist/cli.js): `npm run build` first.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as Athena from '@aws-sdk/client-athena';
import * as Kms from '@aws-sdk/client-kms';
import { S3 } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { INTERRUPTED } from '../../src/query/execution-history.js';
import { freshDatabase, POSTGRES_URL, suiteDatabase } from '../helpers/postgres.js';
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
  /** A server on `dir` (a new one holding the suite's root key, by default), on the suite's database or `postgres` (null: a directory server). */
  const start = async (dir?: string, postgres: string | null = database.url) => {
    if (dir === undefined) {
      dir = newDirectory();
      writeFileSync(join(dir, 'root.key'), rootKey, { mode: 0o600 });
    }
    const started = await run(['serve', '--port', '0', '--account', ACCOUNT, '--dir', dir, ...(postgres === null ? [] : ['--postgres', postgres])], rootEnv);
    servers.push(started);
    expect(started.url, started.stderr()).not.toBe('');
    const client = { endpoint: started.url, region: REGION, credentials: ROOT, maxAttempts: 1 };
    return { started, athena: new Athena.AthenaClient(client), s3: new S3({ ...client, forcePathStyle: true }), kms: new Kms.KMSClient(client) };
  };
  const stop = async ({ started }: { started: Started }) => {
    started.child.kill('SIGTERM');
    expect(await started.exited, started.stderr()).toBe(0);
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

  it('a scan started on one server and stopped through the other ends at once on the first, with no request to it, and writes nothing', async () => {
    const [runner, stopper] = [await start(), await start()];
    const s3 = new S3({ endpoint: stopper.started.url, region: REGION, credentials: ROOT, maxAttempts: 1, forcePathStyle: true });
    await s3.createBucket({ Bucket: 'long' });
    await s3.createBucket({ Bucket: 'stopped' });
    await s3.putObject({ Bucket: 'long', Key: 'rows/part-0.csv', Body: (await csvOf(16 << 20)).body, ServerSideEncryption: 'AES256' });
    await runQuery(stopper.athena, "CREATE EXTERNAL TABLE long (id bigint, name string, amount double) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://long/rows/'");
    const output = { OutputLocation: 's3://stopped/athena/' };
    const begin = async (QueryString: string) => (await runner.athena.send(new Athena.StartQueryExecutionCommand({ QueryString, ResultConfiguration: output }))).QueryExecutionId!;
    // Eight scans of the 16 MiB object in one query, then one queued behind it on the runner's engine: once that one is done, so is the stopped one's run.
    const scan = await begin(Array.from({ length: 8 }, (_, i) => `SELECT ${i} AS pass, sum(amount) AS total FROM long`).join(' UNION ALL '));
    const next = await begin('SELECT 2 AS two');
    // From here on every request goes to the stopper.
    const stateOf = async (QueryExecutionId: string) => (await executionOf(stopper.athena, QueryExecutionId)).Status!.State;
    let state;
    while ((state = await stateOf(scan)) === 'QUEUED') await new Promise((resolve) => setTimeout(resolve, 10));
    expect(state).toBe('RUNNING');
    await stopper.athena.send(new Athena.StopQueryExecutionCommand({ QueryExecutionId: scan }));
    while (['QUEUED', 'RUNNING'].includes((state = await stateOf(next))!)) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(state).toBe('SUCCEEDED');
    expect((await executionOf(stopper.athena, scan)).Status).toMatchObject({ State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' });
    const written = ((await s3.listObjectsV2({ Bucket: 'stopped' })).Contents ?? []).map((object) => object.Key).sort();
    expect(written).toEqual([`athena/${next}.csv`, `athena/${next}.csv.metadata`]); // the stopped scan's results never written

    // Shut down: each exits 0 (nothing left open keeps it running) and its listening session is gone.
    const listening = async () => Number((await database.sql.query(`SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND query = 'LISTEN "kms_wasm_query_changes"'`)).rows[0].n);
    const before = await listening();
    expect(before).toBeGreaterThanOrEqual(2);
    for (const server of [runner, stopper]) await stop(server);
    await vi.waitFor(async () => expect(await listening()).toBe(before - 2), { timeout: 30_000, interval: 50 });
  });

  it('a DIR a directory server used serves none of its keys, objects, catalog or history with --postgres, and is left as it was', async () => {
    const dir = newDirectory();
    const directory = await start(dir, null);
    const { KeyMetadata } = await directory.kms.send(new Kms.CreateKeyCommand({}));
    await directory.s3.createBucket({ Bucket: 'data' });
    await directory.s3.createBucket({ Bucket: 'results' });
    await directory.s3.putObject({ Bucket: 'data', Key: 'sales/part-0.csv', Body: ROWS, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KeyMetadata!.KeyId });
    expect((await runQuery(directory.athena, 'CREATE DATABASE shop')).Status!.State).toBe('SUCCEEDED');
    expect((await runQuery(directory.athena, TABLE, 'shop')).Status!.State).toBe('SUCCEEDED');
    const select = await runQuery(directory.athena, 'SELECT name FROM shop.sales ORDER BY id');
    expect(await rows(directory.athena, select.QueryExecutionId!)).toEqual([['name'], ['Ada'], ['Grace'], ['Linus']]);
    await stop(directory);
    // Every file of DIR and its hash, but the locks' (a server on DIR takes its serve lock, --postgres or not).
    const files = () => Object.fromEntries(readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.parentPath !== join(dir, 'locks'))
      .map((entry) => { const path = join(entry.parentPath, entry.name); return [path.slice(dir.length), createHash('sha256').update(readFileSync(path)).digest('hex')]; }));
    const before = files();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['/root.key', '/athena-catalog.json', '/athena-executions.json']));

    // On a new database: DIR's root key seals its rows, and nothing else of DIR is served.
    const own = await freshDatabase({ flushCommits: false });
    try {
      const moved = await start(dir, own.url);
      expect((await moved.kms.send(new Kms.ListKeysCommand({}))).Keys).toEqual([]);
      expect((await moved.s3.listBuckets({})).Buckets ?? []).toEqual([]);
      expect((await moved.athena.send(new Athena.ListQueryExecutionsCommand({}))).QueryExecutionIds).toEqual([]);
      await expect(moved.athena.send(new Athena.GetQueryExecutionCommand({ QueryExecutionId: select.QueryExecutionId }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
      expect((await runQuery(moved.athena, 'SELECT name FROM sales', 'shop')).Status).toMatchObject({
        State: 'FAILED', StateChangeReason: expect.stringMatching(/^SCHEMA_NOT_FOUND: Schema shop does not exist/),
      });
      await stop(moved);
    } finally {
      await own.drop();
    }
    expect(files()).toEqual(before);

    // Back to a directory server: all of it is there.
    const back = await start(dir, null);
    expect((await back.kms.send(new Kms.ListKeysCommand({}))).Keys!.map((key) => key.KeyId)).toEqual([KeyMetadata!.KeyId]);
    expect((await back.athena.send(new Athena.ListQueryExecutionsCommand({}))).QueryExecutionIds![0]).toBe(select.QueryExecutionId);
    const again = await runQuery(back.athena, 'SELECT sum(amount) AS total FROM sales', 'shop');
    expect(await rows(back.athena, again.QueryExecutionId!)).toEqual([['total'], ['37.5']]);
    await stop(back);
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
