// athena:* actions: each QueryService operation is the IAM action of its name on the workgroup
// arn:aws:athena:REGION:ACCOUNT:workgroup/primary (Service Authorization Reference, Amazon Athena),
// decided by the one access rule: root unless denied, a user by its identity policies, an explicit
// Deny wins, nobody of another account. And the region check: a table whose bucket is in another
// region fails the query as S3's PermanentRedirect, writing nothing.

import { describe, expect, it } from 'vitest';
import { Iam, KeyManagementService, ObjectStore, type Caller } from '../../src/index.js';
import { QueryService } from '../../src/query/query-service.js';
import { ACCOUNT, ALICE, policy, PRIMARY_WORKGROUP_ARN, runQuery, setup } from './query-fixture.js';

const BOB: Caller = { principal: `arn:aws:iam::${ACCOUNT}:user/bob` };
const OUTPUT = { OutputLocation: 's3://results/athena/' };
const OPERATIONS = ['StartQueryExecution', 'GetQueryExecution', 'GetQueryResults', 'StopQueryExecution', 'ListQueryExecutions', 'BatchGetQueryExecution'] as const;

async function withResults() {
  const env = setup();
  await env.s3.createBucket({ Bucket: 'results' });
  return env;
}

/** Each operation called as `caller` on the execution `id`; the error's name, or 'ok'. */
async function outcomes(queries: QueryService, id: string, caller: Caller) {
  const calls: Record<(typeof OPERATIONS)[number], () => Promise<unknown>> = {
    StartQueryExecution: () => queries.startQueryExecution({ QueryString: 'SELECT 1', ResultConfiguration: OUTPUT }, caller),
    GetQueryExecution: () => queries.getQueryExecution({ QueryExecutionId: id }, caller),
    GetQueryResults: () => queries.getQueryResults({ QueryExecutionId: id }, caller),
    StopQueryExecution: () => queries.stopQueryExecution({ QueryExecutionId: id }, caller),
    ListQueryExecutions: () => queries.listQueryExecutions({}, caller),
    BatchGetQueryExecution: () => queries.batchGetQueryExecution({ QueryExecutionIds: [id] }, caller),
  };
  const result: Record<string, string> = {};
  for (const operation of OPERATIONS) result[operation] = await calls[operation]().then(() => 'ok', (error: Error) => error.name);
  return result;
}

const allow = (iam: Iam, caller: Caller, statements: object[]) =>
  iam.putPrincipalPolicy({ PrincipalArn: caller.principal, PolicyName: 'athena', PolicyDocument: policy(statements) });
const S3_RESULTS = { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::results/*' };

describe('athena:* permissions', () => {
  it('each operation needs its own action on the primary workgroup: missing it is AccessDeniedException', async () => {
    const { queries, iam } = await withResults();
    const done = await runQuery(queries, 'SELECT 1 AS one', { ResultConfiguration: OUTPUT });
    expect(done.Status.State).toBe('SUCCEEDED');
    for (const missing of OPERATIONS) {
      allow(iam, ALICE, [S3_RESULTS, { Effect: 'Allow', Action: OPERATIONS.filter((o) => o !== missing).map((o) => `athena:${o}`), Resource: PRIMARY_WORKGROUP_ARN }]);
      const expected = Object.fromEntries(OPERATIONS.map((o) => [o, o === missing ? 'AccessDeniedException' : 'ok']));
      expect(await outcomes(queries, done.QueryExecutionId, ALICE), missing).toEqual(expected);
    }
  });

  it('the refusal names the caller, the action and the workgroup ARN, and queues nothing', async () => {
    const { queries, iam } = await withResults();
    const refused = queries.startQueryExecution({ QueryString: 'SELECT 1', ResultConfiguration: OUTPUT }, ALICE);
    await expect(refused).rejects.toMatchObject({ name: 'AccessDeniedException', message: `User: ${ALICE.principal} is not authorized to perform: `
      + `athena:StartQueryExecution on resource: ${PRIMARY_WORKGROUP_ARN} because no identity-based policy allows the athena:StartQueryExecution action` });
    expect((await queries.listQueryExecutions({})).QueryExecutionIds).toEqual([]);
    // A policy on another workgroup's ARN does not reach the primary one.
    allow(iam, ALICE, [{ Effect: 'Allow', Action: 'athena:*', Resource: `arn:aws:athena:us-east-1:${ACCOUNT}:workgroup/analysts` }]);
    await expect(queries.listQueryExecutions({}, ALICE)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    // Nor one in another region.
    allow(iam, ALICE, [{ Effect: 'Allow', Action: 'athena:*', Resource: `arn:aws:athena:eu-west-1:${ACCOUNT}:workgroup/primary` }]);
    await expect(queries.listQueryExecutions({}, ALICE)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    // Only "primary" exists: naming another workgroup is InvalidRequestException, whatever the policy.
    allow(iam, ALICE, [{ Effect: 'Allow', Action: 'athena:*', Resource: '*' }]);
    await expect(queries.startQueryExecution({ QueryString: 'SELECT 1', ResultConfiguration: OUTPUT, WorkGroup: 'analysts' }, ALICE))
      .rejects.toMatchObject({ name: 'InvalidRequestException', message: 'WorkGroup analysts is not found.' });
    await expect(queries.listQueryExecutions({ WorkGroup: 'analysts' }, ALICE)).rejects.toMatchObject({ name: 'InvalidRequestException' });
    expect((await queries.listQueryExecutions({ WorkGroup: 'primary' }, ALICE)).QueryExecutionIds).toEqual([]);
  });

  it('an explicit Deny wins over athena:*; the account root may do anything unless denied', async () => {
    const { queries, iam } = await withResults();
    const done = await runQuery(queries, 'SELECT 1 AS one', { ResultConfiguration: OUTPUT });
    allow(iam, ALICE, [S3_RESULTS, { Effect: 'Allow', Action: 'athena:*', Resource: '*' },
      { Effect: 'Deny', Action: 'athena:GetQueryResults', Resource: PRIMARY_WORKGROUP_ARN }]);
    const outcome = await outcomes(queries, done.QueryExecutionId, ALICE);
    expect(outcome.GetQueryResults).toBe('AccessDeniedException');
    await expect(queries.getQueryResults({ QueryExecutionId: done.QueryExecutionId }, ALICE))
      .rejects.toMatchObject({ message: expect.stringMatching(/with an explicit deny in an identity-based policy$/) });
    expect(outcome.GetQueryExecution).toBe('ok');
    const root = { principal: `arn:aws:iam::${ACCOUNT}:root` };
    expect(Object.values(await outcomes(queries, done.QueryExecutionId, root)).every((o) => o === 'ok')).toBe(true);
    allow(iam, root, [{ Effect: 'Deny', Action: 'athena:StopQueryExecution', Resource: '*' }]);
    expect((await outcomes(queries, done.QueryExecutionId, root)).StopQueryExecution).toBe('AccessDeniedException');
  });

  it("one user reads another's execution only when allowed on the workgroup; its results still need the reader's own S3 access", async () => {
    const { queries, iam } = await withResults();
    allow(iam, ALICE, [S3_RESULTS, { Effect: 'Allow', Action: 'athena:*', Resource: PRIMARY_WORKGROUP_ARN }]);
    const alices = await runQuery(queries, 'SELECT 42 AS answer', { ResultConfiguration: OUTPUT }, ALICE);
    expect(alices.Status.State).toBe('SUCCEEDED');
    // Bob has no athena permission: he cannot see, read or stop Alice's execution.
    const denied = await outcomes(queries, alices.QueryExecutionId, BOB);
    expect(Object.values(denied).every((o) => o === 'AccessDeniedException')).toBe(true);
    // Allowed to read executions on the workgroup, he sees hers (as in Athena), but her results are
    // objects in S3: without s3:GetObject on them, GetQueryResults fails with S3's refusal.
    allow(iam, BOB, [{ Effect: 'Allow', Action: ['athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:ListQueryExecutions'], Resource: PRIMARY_WORKGROUP_ARN }]);
    expect((await queries.getQueryExecution({ QueryExecutionId: alices.QueryExecutionId }, BOB)).QueryExecution.Status.State).toBe('SUCCEEDED');
    expect((await queries.listQueryExecutions({}, BOB)).QueryExecutionIds).toEqual([alices.QueryExecutionId]);
    await expect(queries.getQueryResults({ QueryExecutionId: alices.QueryExecutionId }, BOB))
      .rejects.toMatchObject({ name: 'InvalidRequestException', message: expect.stringMatching(/^Unable to read the query results at s3:\/\/results\/athena\/.*: AccessDenied: /) });
    await expect(queries.stopQueryExecution({ QueryExecutionId: alices.QueryExecutionId }, BOB)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    allow(iam, BOB, [{ Effect: 'Allow', Action: 'athena:GetQueryResults', Resource: PRIMARY_WORKGROUP_ARN }, { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::results/*' }]);
    expect((await queries.getQueryResults({ QueryExecutionId: alices.QueryExecutionId }, BOB)).ResultSet.Rows.map((r) => r.Data[0]!.VarCharValue)).toEqual(['answer', '42']);
  });
});

describe('the region check', () => {
  it('a table whose bucket is in another region fails the query with S3\'s PermanentRedirect, writing nothing', async () => {
    const iam = new Iam();
    // The data's store is in us-west-2; the query service runs in us-east-1 over it.
    const west = new KeyManagementService({ account: ACCOUNT, region: 'us-west-2', iam });
    const s3 = new ObjectStore({ kms: west, iam });
    const east = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', iam });
    const queries = new QueryService({ s3, kms: east, iam });
    expect(s3.region).toBe('us-west-2');
    await s3.createBucket({ Bucket: 'data' });
    await s3.createBucket({ Bucket: 'results' });
    await s3.putObject({ Bucket: 'data', Key: 't/a.csv', Body: '1\n2\n', ServerSideEncryption: 'AES256' });
    expect((await runQuery(queries, "CREATE EXTERNAL TABLE t (n int) LOCATION 's3://data/t/'", { ResultConfiguration: OUTPUT })).Status.State).toBe('SUCCEEDED');
    const failed = await runQuery(queries, 'SELECT sum(n) FROM t', { ResultConfiguration: OUTPUT });
    expect(failed.Status).toMatchObject({ State: 'FAILED', AthenaError: { ErrorCategory: 2 }, StateChangeReason: 'HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3://data/t/: '
      + 'The bucket is in this region: us-west-2. Please use this region to retry the request (Service: Amazon S3; Status Code: 301; Error Code: PermanentRedirect)' });
    expect(failed.Statistics.DataScannedInBytes).toBe(0);
    expect((await s3.listObjectsV2({ Bucket: 'results' })).Contents).toEqual([]);
    // The same data queried from its own region.
    const local = new QueryService({ s3, kms: west, iam });
    await runQuery(local, "CREATE EXTERNAL TABLE t (n int) LOCATION 's3://data/t/'", { ResultConfiguration: OUTPUT });
    expect((await runQuery(local, 'SELECT sum(n) FROM t', { ResultConfiguration: OUTPUT })).Status.State).toBe('SUCCEEDED');
  });
});
