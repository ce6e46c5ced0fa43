// The page side of browser-query.test.ts, bundled by esbuild with kms-wasm's browser build and
// DuckDB WASM's browser build: a KMS, an ObjectStore and a QueryService all in the page, the engine
// an AsyncDuckDB whose database runs in a Worker. window.queryInPage() runs the scenario and
// returns what the test checks.

import * as duckdb from '@duckdb/duckdb-wasm';
import { DuckDbEngine, Iam, KeyManagementService, ObjectStore, QueryService, type Caller } from 'kms-wasm';

const ACCOUNT = '111122223333';
const ALICE: Caller = { principal: `arn:aws:iam::${ACCOUNT}:user/alice` };
const CSV = 'id,name,amount\n1,"Ada, Countess",10.5\n2,Grace,20\n3,Linus,\n';
const TABLE = `CREATE EXTERNAL TABLE people (id int, name string, amount double)
  ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' LOCATION 's3://data/people/' TBLPROPERTIES ('skip.header.line.count' = '1')`;

async function run(queries: QueryService, sql: string, caller?: Caller, encryption?: { EncryptionOption: 'SSE_KMS'; KmsKey: string }) {
  const { QueryExecutionId } = await queries.startQueryExecution({
    QueryString: sql, ResultConfiguration: { OutputLocation: 's3://results/athena/', EncryptionConfiguration: encryption },
  }, caller);
  for (;;) {
    const { QueryExecution } = await queries.getQueryExecution({ QueryExecutionId }, caller);
    if (!['QUEUED', 'RUNNING'].includes(QueryExecution.Status.State)) return QueryExecution;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rows(queries: QueryService, id: string, caller?: Caller) {
  const page = await queries.getQueryResults({ QueryExecutionId: id }, caller);
  return page.ResultSet.Rows.map((row) => row.Data.map((d) => d.VarCharValue ?? null));
}

async function queryInPage() {
  const worker = new Worker('/duckdb/duckdb-browser-eh.worker.js');
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate('/duckdb/duckdb-eh.wasm');
  const iam = new Iam();
  const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', iam });
  const s3 = new ObjectStore({ kms, iam });
  const queries = new QueryService({ s3, kms, iam, engine: DuckDbEngine.create(db) });
  const { KeyMetadata: key } = await kms.createKey();
  await s3.createBucket({ Bucket: 'data' });
  await s3.createBucket({ Bucket: 'results' });
  const body = new TextEncoder().encode(CSV);
  await s3.putObject({ Bucket: 'data', Key: 'people/part-0.csv', Body: body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key!.Arn });

  const created = await run(queries, TABLE);
  const select = await run(queries, 'SELECT id, name, amount FROM people ORDER BY id', undefined, { EncryptionOption: 'SSE_KMS', KmsKey: key!.Arn! });
  const result = select.Status.State === 'SUCCEEDED' ? await rows(queries, select.QueryExecutionId) : [];
  const stored = await s3.headObject({ Bucket: 'results', Key: `athena/${select.QueryExecutionId}.csv` });
  // The chunk handed to the engine's worker is a copy: the stored object is still whole and readable.
  const source = await (await s3.getObject({ Bucket: 'data', Key: 'people/part-0.csv' })).Body.transformToString();

  // Alice may use Athena and both buckets, but not the key: her query fails, as her GetObject would.
  iam.putPrincipalPolicy({ PrincipalArn: ALICE.principal, PolicyName: 'athena-user', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults'], Resource: '*' },
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*', 'arn:aws:s3:::results', 'arn:aws:s3:::results/*'] },
  ] }) });
  const refused = await run(queries, 'SELECT count(*) FROM people', ALICE);
  const results = await s3.listObjectsV2({ Bucket: 'results' });
  await db.terminate();
  return {
    created: created.Status.State,
    select: { state: select.Status.State, reason: select.Status.StateChangeReason ?? null, rows: result },
    storedEncryption: stored.ServerSideEncryption ?? null,
    sourceIntact: source === CSV,
    refused: { state: refused.Status.State, reason: refused.Status.StateChangeReason ?? null },
    resultKeys: results.Contents.map((o) => o.Key),
    selectId: select.QueryExecutionId,
    refusedId: refused.QueryExecutionId,
  };
}

(window as unknown as { queryInPage: typeof queryInPage }).queryInPage = queryInPage;
