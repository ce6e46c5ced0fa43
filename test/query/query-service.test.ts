import { describe, expect, it } from 'vitest';
import { PEOPLE_CSV, PEOPLE_ROWS, PEOPLE_TABLE, queryRows, resultRows, runQuery, setup } from './query-fixture.js';

async function withPeople() {
  const env = setup();
  await env.s3.createBucket({ Bucket: 'data' });
  await env.s3.createBucket({ Bucket: 'results' });
  await env.s3.putObject({ Bucket: 'data', Key: 'people/part-1.csv', Body: PEOPLE_CSV });
  await env.s3.putObject({ Bucket: 'data', Key: 'people/_SUCCESS', Body: 'not data' });
  const created = await runQuery(env.queries, PEOPLE_TABLE);
  expect(created.Status.State).toBe('SUCCEEDED');
  return env;
}

describe('QueryService', () => {
  it('creates a CSV table and answers a SELECT with a header row, typed columns and statistics', async () => {
    const { queries, s3 } = await withPeople();
    const execution = await runQuery(queries, 'SELECT id, name, city, amount FROM people ORDER BY id');
    expect(execution).toMatchObject({ StatementType: 'DML', Status: { State: 'SUCCEEDED' }, QueryExecutionContext: { Database: 'default' } });
    expect(execution.Statistics.DataScannedInBytes).toBe(PEOPLE_CSV.length);
    expect(await resultRows(queries, execution.QueryExecutionId)).toEqual(PEOPLE_ROWS);
    const page = await queries.getQueryResults({ QueryExecutionId: execution.QueryExecutionId, MaxResults: 2 });
    expect(page.ResultSet.ResultSetMetadata.ColumnInfo.map((c) => [c.Name, c.Type])).toEqual([['id', 'integer'], ['name', 'varchar'], ['city', 'varchar'], ['amount', 'double']]);
    expect(page.ResultSet.Rows).toHaveLength(2);
    expect(page.ResultSet.Rows[1]!.Data[1]).toEqual({ VarCharValue: 'Ada, Countess' });
    const rest = await queries.getQueryResults({ QueryExecutionId: execution.QueryExecutionId, MaxResults: 2, NextToken: page.NextToken });
    expect(rest.ResultSet.Rows[1]!.Data[3]).toEqual({}); // NULL has no VarCharValue
    expect(rest.NextToken).toBeUndefined();
    const location = execution.ResultConfiguration.OutputLocation;
    expect(location).toBe(`s3://results/athena/${execution.QueryExecutionId}.csv`);
    const stored = await s3.getObject({ Bucket: 'results', Key: `athena/${execution.QueryExecutionId}.csv` });
    expect(await stored.Body.transformToString()).toBe('"id","name","city","amount"\n"1","Ada, Countess","London","10.5"\n"2","Grace","New\nYork","20.0"\n"3","Linus","Helsinki",\n');
    await expect(s3.headObject({ Bucket: 'results', Key: `athena/${execution.QueryExecutionId}.csv.metadata` })).resolves.toBeDefined();
  });

  it('reads JSON lines and Hive-delimited text, a value that does not parse being NULL', async () => {
    const { queries, s3 } = setup();
    await s3.createBucket({ Bucket: 'data' });
    await s3.createBucket({ Bucket: 'results' });
    await s3.putObject({ Bucket: 'data', Key: 'events/a.json', Body: '{"id": 1, "kind": "login", "ok": true}\n{"id": 2, "kind": "logout", "ok": false}\n' });
    await s3.putObject({ Bucket: 'data', Key: 'events/b.json', Body: '{"id": "x", "kind": "odd"}\n' });
    await s3.putObject({ Bucket: 'data', Key: 'sales/s.txt', Body: '7|north|12\n8|south|oops\n' });
    expect((await runQuery(queries, 'CREATE DATABASE logs')).Status.State).toBe('SUCCEEDED');
    expect((await runQuery(queries, "CREATE EXTERNAL TABLE logs.events (id bigint, kind string, ok boolean) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://data/events/'")).Status.State).toBe('SUCCEEDED');
    expect((await runQuery(queries, "CREATE EXTERNAL TABLE sales (id int, region string, units int) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' LOCATION 's3://data/sales'", { Database: 'logs' })).Status.State).toBe('SUCCEEDED');
    expect(await queryRows(queries, 'SELECT id, kind, ok FROM events ORDER BY kind', { Database: 'logs' }))
      .toEqual([['id', 'kind', 'ok'], ['1', 'login', 'true'], ['2', 'logout', 'false'], [null, 'odd', null]]);
    expect(await queryRows(queries, 'SELECT region, sum(units) AS units FROM logs.sales GROUP BY region ORDER BY region'))
      .toEqual([['region', 'units'], ['north', '12'], ['south', null]]);
  });

  it('skips the header lines of each object of a CSV table, and reads an empty object as no rows', async () => {
    const { queries, s3 } = setup();
    await s3.createBucket({ Bucket: 'data' });
    await s3.createBucket({ Bucket: 'results' });
    await s3.putObject({ Bucket: 'data', Key: 'parts/a.csv', Body: 'id,name\n1,a\n2,b\n' });
    await s3.putObject({ Bucket: 'data', Key: 'parts/b.csv', Body: 'id,name\n3,c' });
    await s3.putObject({ Bucket: 'data', Key: 'parts/c.csv', Body: '' });
    await runQuery(queries, "CREATE EXTERNAL TABLE parts (id int, name string) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://data/parts/' TBLPROPERTIES ('skip.header.line.count' = '1')");
    expect(await queryRows(queries, 'SELECT id, name FROM parts ORDER BY id')).toEqual([['id', 'name'], ['1', 'a'], ['2', 'b'], ['3', 'c']]);
    await runQuery(queries, "CREATE EXTERNAL TABLE nothing (id int) LOCATION 's3://data/none/'");
    expect(await queryRows(queries, 'SELECT count(*) AS n FROM nothing')).toEqual([['n'], ['0']]);
  });

  it('refuses bad requests with InvalidRequestException naming the field, and unknown ids', async () => {
    const { queries } = setup();
    const start = (request: object) => queries.startQueryExecution({ QueryString: 'SELECT 1', ResultConfiguration: { OutputLocation: 's3://results/' }, ...request } as never);
    await expect(start({ QueryString: '' })).rejects.toMatchObject({ name: 'InvalidRequestException', AthenaErrorCode: 'INVALID_INPUT', message: expect.stringMatching(/QueryString/) });
    await expect(start({ ResultConfiguration: {} })).rejects.toMatchObject({ name: 'InvalidRequestException', message: expect.stringMatching(/No output location provided/) });
    await expect(start({ ResultConfiguration: { OutputLocation: 'https://results/' } })).rejects.toMatchObject({ message: expect.stringMatching(/OutputLocation/) });
    await expect(start({ ResultConfiguration: { OutputLocation: 's3://results/', EncryptionConfiguration: { EncryptionOption: 'SSE_C' } } }))
      .rejects.toMatchObject({ message: expect.stringMatching(/EncryptionOption/) });
    await expect(start({ ResultConfiguration: { OutputLocation: 's3://results/', EncryptionConfiguration: { EncryptionOption: 'SSE_KMS' } } }))
      .rejects.toMatchObject({ message: expect.stringMatching(/KmsKey: required for SSE_KMS/) });
    await expect(start({ QueryExecutionContext: { Database: 'no such' } })).rejects.toMatchObject({ message: expect.stringMatching(/QueryExecutionContext.Database/) });
    await expect(queries.getQueryExecution({ QueryExecutionId: 'nope' })).rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(queries.stopQueryExecution({ QueryExecutionId: 'nope' })).rejects.toMatchObject({ name: 'InvalidRequestException' });
  });

  it('fails queries Athena would fail, keeping the reason, and refuses their results', async () => {
    const { queries } = await withPeople();
    const failures: Array<[string, RegExp]> = [
      ['SELECT * FROM missing', /TABLE_NOT_FOUND: Table 'awsdatacatalog.default.missing' does not exist/],
      ["SELECT * FROM read_csv('/etc/hostname')", /file system operations are disabled/],
      ["SELECT 1) AS q; CREATE TABLE kept AS SELECT 1; SELECT (1", /^SYNTAX_ERROR: syntax error at or near "\)"/],
      ["SELECT * FROM '/etc/hostname'", /TABLE_NOT_FOUND/],
      ['COPY people TO \'/tmp/out.csv\'', /Only SELECT queries/],
      ['SELECT 1; SELECT 2', /Only one SQL statement/],
      ['SELECT nope FROM people', /nope/],
      [PEOPLE_TABLE, /AlreadyExistsException: Table default.people already exists/],
      ["CREATE EXTERNAL TABLE t (a int) STORED AS ORC LOCATION 's3://data/t/'", /STORED AS ORC is not supported/],
      ['DROP TABLE nothing', /Table not found default.nothing/],
    ];
    for (const [sql, reason] of failures) {
      const execution = await runQuery(queries, sql);
      expect(execution.Status, sql).toMatchObject({ State: 'FAILED', StateChangeReason: expect.stringMatching(reason), AthenaError: { ErrorCategory: 2, Retryable: false } });
      await expect(queries.getQueryResults({ QueryExecutionId: execution.QueryExecutionId }))
        .rejects.toMatchObject({ name: 'InvalidRequestException', message: 'Query did not finish successfully. Final query state: FAILED' });
    }
    expect((await runQuery(queries, 'SELECT count(*) FROM missing', { Database: 'nodb' })).Status.StateChangeReason).toMatch(/SCHEMA_NOT_FOUND/);
  });

  it('pages with MaxResults and NextToken, and refuses a token of another query or a bad MaxResults', async () => {
    const { queries } = await withPeople();
    const one = await runQuery(queries, 'SELECT id FROM people ORDER BY id');
    const two = await runQuery(queries, 'SELECT name FROM people');
    const first = await queries.getQueryResults({ QueryExecutionId: one.QueryExecutionId, MaxResults: 1 });
    expect(first.NextToken).toBeDefined();
    await expect(queries.getQueryResults({ QueryExecutionId: two.QueryExecutionId, NextToken: first.NextToken })).rejects.toMatchObject({ message: expect.stringMatching(/NextToken/) });
    await expect(queries.getQueryResults({ QueryExecutionId: one.QueryExecutionId, NextToken: '%%%' })).rejects.toMatchObject({ message: expect.stringMatching(/NextToken/) });
    for (const MaxResults of [0, 1001, 1.5]) {
      await expect(queries.getQueryResults({ QueryExecutionId: one.QueryExecutionId, MaxResults })).rejects.toMatchObject({ message: expect.stringMatching(/MaxResults/) });
    }
  });

  it('stops a queued query: CANCELLED, nothing written; stopping a finished one changes nothing', async () => {
    const { queries, s3 } = await withPeople();
    const start = (sql: string) => queries.startQueryExecution({ QueryString: sql, ResultConfiguration: { OutputLocation: 's3://results/stopped/' } });
    const running = await start('SELECT count(*) FROM people');
    const queued = await start('SELECT * FROM people');
    expect((await queries.getQueryExecution(queued)).QueryExecution.Status.State).toBe('QUEUED');
    await queries.stopQueryExecution(queued);
    const stopped = (await queries.getQueryExecution(queued)).QueryExecution;
    expect(stopped.Status).toMatchObject({ State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' });
    await expect(queries.getQueryResults(queued)).rejects.toMatchObject({ message: expect.stringMatching(/Final query state: CANCELLED/) });
    let state = (await queries.getQueryExecution(running)).QueryExecution.Status.State;
    while (state === 'QUEUED' || state === 'RUNNING') {
      await new Promise((resolve) => setTimeout(resolve, 5));
      state = (await queries.getQueryExecution(running)).QueryExecution.Status.State;
    }
    expect(state).toBe('SUCCEEDED');
    await queries.stopQueryExecution(running);
    expect((await queries.getQueryExecution(running)).QueryExecution.Status.State).toBe('SUCCEEDED');
    const listed = await s3.listObjectsV2({ Bucket: 'results', Prefix: 'stopped/' });
    expect(listed.Contents.map((c) => c.Key).sort()).toEqual([`stopped/${running.QueryExecutionId}.csv`, `stopped/${running.QueryExecutionId}.csv.metadata`]);
  });
});
