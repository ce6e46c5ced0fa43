// @aws-sdk/client-athena against the service's `athena` target (AWS JSON 1.1, AmazonAthena.<Operation>):
// a table over SSE-KMS objects put through @aws-sdk/client-s3, a SELECT polled to SUCCEEDED, its
// results read in pages and stored SSE-KMS at rest; an IAM user without kms:Decrypt gets FAILED with
// AccessDenied and no result object; a user without athena:* permissions gets AccessDeniedException;
// malformed requests get InvalidRequestException with
// AthenaErrorCode (https://docs.aws.amazon.com/athena/latest/APIReference/API_InvalidRequestException.html).
// One service for the file: DuckDB's WASM compiles once per process.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as Athena from '@aws-sdk/client-athena';
import * as IamSdk from '@aws-sdk/client-iam';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import * as S3 from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { sendSigned } from './signed-request.js';
import { ACCOUNT, failure, REGION, ROOT, startTestService, type Credentials, type TestService } from './service-fixture.js';

const ROWS = 'id,name,amount\n1,Ada,10.5\n2,Grace,20\n3,Linus,7\n';
const TABLE = `CREATE EXTERNAL TABLE sales (id int, name string, amount double)
  ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://data/sales/' TBLPROPERTIES ('skip.header.line.count' = '1')`;
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('@aws-sdk/client-athena against the service', () => {
  let t: TestService;
  let keyArn: string;
  let athena: (credentials?: Credentials) => Athena.AthenaClient;
  let reader: Credentials;
  let noAthena: Credentials;
  /** The SELECT of the first test, looked up again after a restart. */
  let selectId: string;

  /** Starts the query and polls GetQueryExecution until it leaves QUEUED and RUNNING. */
  async function run(client: Athena.AthenaClient, sql: string, encryption?: Athena.EncryptionConfiguration) {
    const { QueryExecutionId } = await client.send(new Athena.StartQueryExecutionCommand({
      QueryString: sql, QueryExecutionContext: { Database: 'default' },
      ResultConfiguration: { OutputLocation: 's3://results/athena/', EncryptionConfiguration: encryption },
    }));
    for (;;) {
      const { QueryExecution } = await client.send(new Athena.GetQueryExecutionCommand({ QueryExecutionId }));
      if (!['QUEUED', 'RUNNING'].includes(QueryExecution!.Status!.State!)) return QueryExecution!;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  beforeAll(async () => {
    t = await startTestService();
    athena = (credentials = ROOT) => new Athena.AthenaClient({ endpoint: t.service.url, region: REGION, credentials, maxAttempts: 1 });
    keyArn = (await t.kms().send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const s3 = t.s3();
    for (const Bucket of ['data', 'results']) await s3.send(new S3.CreateBucketCommand({ Bucket }));
    const lines = ROWS.split('\n');
    // Two objects, so the table is more than one split; both SSE-KMS under the customer managed key.
    await s3.send(new S3.PutObjectCommand({ Bucket: 'data', Key: 'sales/a.csv', Body: lines.slice(0, 3).join('\n') + '\n',
      ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
    await s3.send(new S3.PutObjectCommand({ Bucket: 'data', Key: 'sales/b.csv', Body: `${lines[0]}\n${lines[3]}\n`,
      ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
    const iam = t.iam();
    const user = async (UserName: string, statements: object[]): Promise<Credentials> => {
      await iam.send(new IamSdk.CreateUserCommand({ UserName }));
      await iam.send(new IamSdk.PutUserPolicyCommand({ UserName, PolicyName: 'p', PolicyDocument: policy(statements) }));
      const { AccessKey } = await iam.send(new IamSdk.CreateAccessKeyCommand({ UserName }));
      return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
    };
    // Athena's query operations and everything on S3 and KMS but kms:Decrypt (the key policy defers to IAM for the account's users).
    reader = await user('reader', [
      { Effect: 'Allow', Action: ['s3:*', 'kms:*'], Resource: '*' },
      { Effect: 'Allow', Action: 'athena:*', Resource: `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/primary` },
      { Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' },
    ]);
    noAthena = await user('no-athena', [{ Effect: 'Allow', Action: ['s3:*', 'kms:*'], Resource: '*' }]);
  });

  it('CREATE EXTERNAL TABLE over SSE-KMS objects, a SELECT polled to SUCCEEDED, results in pages and SSE-KMS at rest', async () => {
    const client = athena();
    const ddl = await run(client, TABLE);
    expect(ddl.Status).toMatchObject({ State: 'SUCCEEDED' });
    expect(ddl.StatementType).toBe('DDL');

    const select = await run(client, 'SELECT name, amount FROM sales ORDER BY id', { EncryptionOption: 'SSE_KMS', KmsKey: keyArn });
    expect(select.Status!.State, select.Status!.StateChangeReason).toBe('SUCCEEDED');
    // Timestamps travel as epoch seconds and the SDK gives Dates back.
    expect(select.Status!.SubmissionDateTime).toBeInstanceOf(Date);
    expect(Math.abs(select.Status!.CompletionDateTime!.getTime() - Date.now())).toBeLessThan(10 * 60_000);
    expect(select.Statistics!.DataScannedInBytes).toBeGreaterThan(0);
    const id = select.QueryExecutionId!;
    selectId = id;
    expect(select.ResultConfiguration).toMatchObject({ OutputLocation: `s3://results/athena/${id}.csv`,
      EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: keyArn } });

    const rows: string[][] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new Athena.GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 2, NextToken }));
      if (pages === 0) expect(page.ResultSet!.ResultSetMetadata!.ColumnInfo!.map((c) => [c.Name, c.Type])).toEqual([['name', 'varchar'], ['amount', 'double']]);
      rows.push(...page.ResultSet!.Rows!.map((row) => row.Data!.map((d) => d.VarCharValue!)));
      NextToken = page.NextToken;
      pages += 1;
    } while (NextToken);
    expect(pages).toBe(2);
    expect(rows).toEqual([['name', 'amount'], ['Ada', '10.5'], ['Grace', '20.0'], ['Linus', '7.0']]);

    // At rest: SSE-KMS under the key, through S3's own view, and no plaintext in the service's files.
    const head = await t.s3().send(new S3.HeadObjectCommand({ Bucket: 'results', Key: `athena/${id}.csv` }));
    expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn });
    const files = (readdirSync(t.dir, { recursive: true }) as string[]).map((f) => join(t.dir, f)).filter((f) => statSync(f).isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(readFileSync(file).includes('Grace')).toBe(false);

    // Stopping a finished query answers 200 and leaves it as it ended (StopQueryExecution is idempotent).
    await client.send(new Athena.StopQueryExecutionCommand({ QueryExecutionId: id }));
    expect((await client.send(new Athena.GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution!.Status!.State).toBe('SUCCEEDED');
    expect((await client.send(new Athena.ListQueryExecutionsCommand({}))).QueryExecutionIds).toEqual([id, ddl.QueryExecutionId]);
    const batch = await client.send(new Athena.BatchGetQueryExecutionCommand({ QueryExecutionIds: [id, 'no-such-query'] }));
    expect(batch.QueryExecutions!.map((e) => e.QueryExecutionId)).toEqual([id]);
    expect(batch.UnprocessedQueryExecutionIds).toEqual([expect.objectContaining({ QueryExecutionId: 'no-such-query', ErrorCode: 'INVALID_INPUT' })]);
  });

  it('a user without kms:Decrypt: the query FAILS with AccessDenied naming the key and writes no result', async () => {
    const failed = await run(athena(reader), 'SELECT count(*) FROM sales');
    expect(failed.Status).toMatchObject({ State: 'FAILED', AthenaError: { ErrorCategory: 2 } });
    expect(failed.Status!.StateChangeReason).toMatch(/AccessDenied/);
    expect(failed.Status!.StateChangeReason).toContain(keyArn.split('/')[1]);
    const listed = await t.s3().send(new S3.ListObjectsV2Command({ Bucket: 'results', Prefix: `athena/${failed.QueryExecutionId}` }));
    expect(listed.KeyCount).toBe(0);
    expect(await failure(athena(reader).send(new Athena.GetQueryResultsCommand({ QueryExecutionId: failed.QueryExecutionId }))))
      .toMatchObject({ name: 'InvalidRequestException', status: 400, message: expect.stringMatching(/FAILED/) });
  });

  it('a user without athena:* permissions gets AccessDeniedException (HTTP 400) naming the action and the workgroup', async () => {
    const denied = await failure(athena(noAthena).send(new Athena.StartQueryExecutionCommand({ QueryString: 'SELECT 1',
      ResultConfiguration: { OutputLocation: 's3://results/athena/' } })));
    expect(denied).toMatchObject({ name: 'AccessDeniedException', status: 400, message:
      `User: arn:aws:iam::${ACCOUNT}:user/no-athena is not authorized to perform: athena:StartQueryExecution on resource: `
      + `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/primary because no identity-based policy allows the athena:StartQueryExecution action` });
    expect(await failure(athena(noAthena).send(new Athena.ListQueryExecutionsCommand({}))))
      .toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('athena:ListQueryExecutions') });
  });

  it('malformed requests: InvalidRequestException with AthenaErrorCode, HTTP 400, never a 500', async () => {
    const client = athena();
    const refused = async (call: Promise<unknown>) => {
      try {
        await call;
      } catch (error) {
        return error as Athena.InvalidRequestException;
      }
      throw new Error('expected the call to fail');
    };
    const noOutput = await refused(client.send(new Athena.StartQueryExecutionCommand({ QueryString: 'SELECT 1' })));
    expect(noOutput).toBeInstanceOf(Athena.InvalidRequestException);
    expect(noOutput).toMatchObject({ AthenaErrorCode: 'INVALID_INPUT', $metadata: { httpStatusCode: 400 }, message: expect.stringMatching(/output location/) });
    expect(await refused(client.send(new Athena.StartQueryExecutionCommand({ QueryString: 'SELECT 1',
      ResultConfiguration: { OutputLocation: 's3://results/', EncryptionConfiguration: { EncryptionOption: 'SSE_KMS' } } }))))
      .toMatchObject({ name: 'InvalidRequestException', message: expect.stringMatching(/KmsKey/) });
    expect(await refused(client.send(new Athena.GetQueryExecutionCommand({ QueryExecutionId: 'no-such-query' }))))
      .toMatchObject({ name: 'InvalidRequestException', AthenaErrorCode: 'INVALID_INPUT' });
    const { QueryExecutionId } = await run(client, 'SELECT 1');
    expect(await refused(client.send(new Athena.GetQueryResultsCommand({ QueryExecutionId, MaxResults: 5000 }))))
      .toMatchObject({ name: 'InvalidRequestException', message: expect.stringMatching(/MaxResults/) });

    // What the SDK would not send: the wrong JSON types, a missing member, a body that is not JSON.
    const raw = async (target: string, body: string) => {
      const response = await sendSigned(t.service.url, { service: 'athena', region: REGION, credentials: ROOT, body,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonAthena.${target}` } });
      return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
    };
    for (const [target, body, field] of [
      ['StartQueryExecution', '{"QueryString": 7}', 'QueryString'],
      ['StartQueryExecution', '{"QueryString": "SELECT 1", "ResultConfiguration": {"OutputLocation": "s3://results/", "EncryptionConfiguration": "SSE_S3"}}', 'EncryptionConfiguration'],
      ['StartQueryExecution', '[]', 'request body'],
      ['GetQueryExecution', '{}', 'QueryExecutionId'],
      ['GetQueryResults', '{"QueryExecutionId": "x", "MaxResults": 1.5}', 'MaxResults'],
      ['BatchGetQueryExecution', '{"QueryExecutionIds": [1]}', 'QueryExecutionIds'],
    ]) {
      expect(await raw(target!, body!), `${target} ${body}`).toEqual({ status: 400,
        body: { __type: 'InvalidRequestException', AthenaErrorCode: 'INVALID_INPUT', Message: expect.stringContaining(field!) } });
    }
    // On the wire, timestamps are epoch seconds (AWS JSON 1.1), not ISO strings.
    const described = await raw('GetQueryExecution', JSON.stringify({ QueryExecutionId }));
    expect(described.status).toBe(200);
    const status = (described.body.QueryExecution as { Status: Record<string, unknown> }).Status;
    expect(status.SubmissionDateTime).toEqual(expect.any(Number));
    expect(Math.abs((status.SubmissionDateTime as number) - Date.now() / 1000)).toBeLessThan(600);
    expect(await raw('StartQueryExecution', '{not json')).toMatchObject({ status: 400, body: { __type: 'SerializationException' } });
    expect(await raw('DropEverything', '{}')).toMatchObject({ status: 400, body: { __type: 'UnknownOperationException' } });
    // Unsigned: routed to Athena by its target alone, and answered in Athena's shape.
    const unsigned = await fetch(t.service.url, { method: 'POST', body: '{}',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonAthena.ListQueryExecutions' } });
    expect({ status: unsigned.status, body: await unsigned.json() }).toMatchObject({ status: 403, body: { __type: 'MissingAuthenticationToken', Message: expect.any(String) } });
    expect(t.log.filter((line) => line.includes('athena:') && / 500 /.test(line))).toEqual([]);
  });

  it('the execution history survives a restart of the service on the same directory', async () => {
    const before = await athena().send(new Athena.GetQueryExecutionCommand({ QueryExecutionId: selectId }));
    const listed = (await athena().send(new Athena.ListQueryExecutionsCommand({}))).QueryExecutionIds;
    await t.service.close();
    t = await startTestService(t.dir);
    const client = new Athena.AthenaClient({ endpoint: t.service.url, region: REGION, credentials: ROOT, maxAttempts: 1 });
    const after = await client.send(new Athena.GetQueryExecutionCommand({ QueryExecutionId: selectId }));
    expect(after.QueryExecution).toEqual(before.QueryExecution);
    expect((await client.send(new Athena.ListQueryExecutionsCommand({}))).QueryExecutionIds).toEqual(listed);
    const page = await client.send(new Athena.GetQueryResultsCommand({ QueryExecutionId: selectId }));
    expect(page.ResultSet!.Rows!.length).toBe(4);
  });
});
