// The AWS CLI v2 (Debian's awscli) against the service's athena target: a CSV put SSE-KMS with
// `aws s3api put-object`, `aws athena start-query-execution` for the table and a SELECT with SSE_KMS
// results, `aws athena get-query-execution` polled to SUCCEEDED, `aws athena get-query-results`;
// a malformed call is the CLI's InvalidRequestException.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { AWS_CLI } from './cli-process.js';
import { ROOT, startTestService, type TestService } from './service-fixture.js';

const newDirectory = temporaryDirectories('kms-wasm-athena-cli-');

describe.skipIf(AWS_CLI === undefined)('the AWS CLI v2 against the service\'s athena target', () => {
  let t: TestService;
  let aws: (...args: string[]) => Promise<string>;
  let keyId: string;
  beforeAll(async () => {
    t = await startTestService();
    const files = newDirectory();
    const env = {
      PATH: process.env.PATH!, HOME: files, AWS_ACCESS_KEY_ID: ROOT.accessKeyId, AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '',
    };
    aws = async (...args) => (await promisify(execFile)(AWS_CLI!, [...args, '--endpoint-url', t.service.url, '--output', 'json'], { env })).stdout;
    keyId = JSON.parse(await aws('kms', 'create-key')).KeyMetadata.KeyId;
    for (const bucket of ['data', 'results']) await aws('s3api', 'create-bucket', '--bucket', bucket);
    const csv = join(files, 'cities.csv');
    writeFileSync(csv, 'Helsinki,664028\nLondon,8982000\nOslo,709037\n');
    await aws('s3api', 'put-object', '--bucket', 'data', '--key', 'cities/cities.csv', '--body', csv, '--server-side-encryption', 'aws:kms', '--ssekms-key-id', keyId);
  });

  /** `aws athena start-query-execution`, then get-query-execution until the query ends; its QueryExecution. */
  async function query(sql: string, ...extra: string[]) {
    const { QueryExecutionId } = JSON.parse(await aws('athena', 'start-query-execution', '--query-string', sql,
      '--result-configuration', 'OutputLocation=s3://results/cli/', ...extra));
    for (;;) {
      const { QueryExecution } = JSON.parse(await aws('athena', 'get-query-execution', '--query-execution-id', QueryExecutionId));
      if (!['QUEUED', 'RUNNING'].includes(QueryExecution.Status.State)) return QueryExecution;
    }
  }

  it('start-query-execution (CREATE EXTERNAL TABLE, SELECT with SSE_KMS results), get-query-execution, get-query-results', async () => {
    const ddl = await query("CREATE EXTERNAL TABLE cities (name string, population bigint) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://data/cities/'");
    expect(ddl.Status.State, ddl.Status.StateChangeReason).toBe('SUCCEEDED');
    const select = await query('SELECT name FROM cities WHERE population < 1000000 ORDER BY name',
      '--result-configuration', `OutputLocation=s3://results/cli/,EncryptionConfiguration={EncryptionOption=SSE_KMS,KmsKey=${keyId}}`);
    expect(select.Status.State, select.Status.StateChangeReason).toBe('SUCCEEDED');
    // The CLI renders the epoch-seconds timestamps as ISO dates of today.
    expect(new Date(select.Status.SubmissionDateTime).toISOString().slice(0, 10)).toBe(new Date().toISOString().slice(0, 10));
    const results = JSON.parse(await aws('athena', 'get-query-results', '--query-execution-id', select.QueryExecutionId));
    expect(results.ResultSet.Rows.map((row: { Data: Array<{ VarCharValue: string }> }) => row.Data.map((d) => d.VarCharValue)))
      .toEqual([['name'], ['Helsinki'], ['Oslo']]);
    const head = JSON.parse(await aws('s3api', 'head-object', '--bucket', 'results', '--key', `cli/${select.QueryExecutionId}.csv`));
    expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: expect.stringContaining(keyId) });
  });

  it('a query id the service does not know: InvalidRequestException from the CLI', async () => {
    const refused = await aws('athena', 'get-query-results', '--query-execution-id', 'no-such-query').catch((e: { stderr: string }) => e.stderr);
    expect(refused).toMatch(/InvalidRequestException.*GetQueryResults.*no-such-query/);
  });
});
