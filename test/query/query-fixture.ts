// Shared set-up for the QueryService tests: a KMS, an ObjectStore and an Iam in one account, and
// helpers that run a query to its end and read all its result rows.

import { expect } from 'vitest';
import { Iam, KeyManagementService, ObjectStore, type Caller } from '../../src/index.js';
import { QueryService } from '../../src/query/node-query-service.js';
import type { StartQueryExecutionRequest } from '../../src/query/query-service.js';

export const ACCOUNT = '111122223333';
export const ALICE: Caller = { principal: `arn:aws:iam::${ACCOUNT}:user/alice` };
export const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
/** The workgroup every query runs in; the resource of each athena:* action. */
export const PRIMARY_WORKGROUP_ARN = `arn:aws:athena:us-east-1:${ACCOUNT}:workgroup/primary`;

export function setup(options: { dir?: string } = {}) {
  const iam = new Iam();
  const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', iam });
  const s3 = new ObjectStore({ kms, iam });
  const queries = new QueryService({ s3, kms, iam, dir: options.dir });
  return { iam, kms, s3, queries };
}

/** Lets ALICE use Athena's query operations and read and write both buckets; KMS actions as given, through the key policy's delegation to IAM. */
export function allowAlice(iam: Iam, keyArn: string, kmsActions: string[]) {
  iam.putPrincipalPolicy({ PrincipalArn: ALICE.principal, PolicyName: 'athena-user', PolicyDocument: policy([
    { Effect: 'Allow', Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults'], Resource: PRIMARY_WORKGROUP_ARN },
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:DeleteObject'], Resource: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*', 'arn:aws:s3:::results', 'arn:aws:s3:::results/*'] },
    ...(kmsActions.length ? [{ Effect: 'Allow', Action: kmsActions, Resource: keyArn }] : []),
  ]) });
}

type QueryOptions = Omit<StartQueryExecutionRequest, 'QueryString'> & { Database?: string };

/** Starts the query and polls until it ends; returns its QueryExecution. */
export async function runQuery(queries: QueryService, sql: string, options: QueryOptions = {}, caller?: Caller) {
  const { Database, ...rest } = options;
  const { QueryExecutionId } = await queries.startQueryExecution({
    QueryString: sql, QueryExecutionContext: { Database: Database ?? 'default' },
    ResultConfiguration: { OutputLocation: 's3://results/athena/' }, ...rest,
  }, caller);
  for (;;) {
    const { QueryExecution } = await queries.getQueryExecution({ QueryExecutionId });
    if (!['QUEUED', 'RUNNING'].includes(QueryExecution.Status.State)) return QueryExecution;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs a query that must succeed and returns all its rows (header first), NULL as null. */
export async function queryRows(queries: QueryService, sql: string, options: QueryOptions = {}, caller?: Caller) {
  const execution = await runQuery(queries, sql, options, caller);
  expect(execution.Status, execution.Status.StateChangeReason).toMatchObject({ State: 'SUCCEEDED' });
  return resultRows(queries, execution.QueryExecutionId, caller);
}

export async function resultRows(queries: QueryService, id: string, caller?: Caller) {
  const rows: Array<Array<string | null>> = [];
  let NextToken: string | undefined;
  do {
    const page = await queries.getQueryResults({ QueryExecutionId: id, NextToken }, caller);
    rows.push(...page.ResultSet.Rows.map((row) => row.Data.map((d) => ('VarCharValue' in d ? d.VarCharValue! : null))));
    NextToken = page.NextToken;
  } while (NextToken);
  return rows;
}

export const PEOPLE_CSV = 'id,name,city,amount\n1,"Ada, Countess",London,10.5\n2,Grace,"New\nYork",20\n3,Linus,Helsinki,not-a-number\n';
export const PEOPLE_TABLE = `CREATE EXTERNAL TABLE people (id int, name string, city string, amount double)
  ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' WITH SERDEPROPERTIES ('separatorChar' = ',', 'quoteChar' = '"')
  STORED AS TEXTFILE LOCATION 's3://data/people/' TBLPROPERTIES ('skip.header.line.count' = '1')`;
export const PEOPLE_ROWS = [['id', 'name', 'city', 'amount'], ['1', 'Ada, Countess', 'London', '10.5'], ['2', 'Grace', 'New\nYork', '20.0'], ['3', 'Linus', 'Helsinki', null]];
