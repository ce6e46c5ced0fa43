// Tables over encrypted objects: every mode Athena reads gives the rows plaintext gives; SSE-C and
// CSE with a customer key fail the query; a caller the key policy does not let decrypt gets
// AccessDenied naming the key, and no result object (https://docs.aws.amazon.com/athena/latest/ug/encryption.html).

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { S3EncryptionClient } from '../../src/index.js';
import { CHUNK_BYTES } from '../../src/s3/cse-gcm-ranges.js';
import { csvOf } from './large-csv.js';
import { ALICE, allowAlice, PEOPLE_CSV, PEOPLE_ROWS, policy, queryRows, runQuery, setup } from './query-fixture.js';

const tableAt = (name: string, prefix: string) => `CREATE EXTERNAL TABLE ${name} (id int, name string, city string, amount double)
  ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' LOCATION 's3://data/${prefix}/' TBLPROPERTIES ('skip.header.line.count' = '1')`;

async function encryptedData() {
  const env = setup();
  const { s3, kms } = env;
  const { KeyMetadata: key } = await kms.createKey();
  await s3.createBucket({ Bucket: 'data' });
  await s3.createBucket({ Bucket: 'results' });
  await s3.putObject({ Bucket: 'data', Key: 'plain/p.csv', Body: PEOPLE_CSV });
  await s3.putObject({ Bucket: 'data', Key: 'sse-s3/p.csv', Body: PEOPLE_CSV, ServerSideEncryption: 'AES256' });
  await s3.putObject({ Bucket: 'data', Key: 'sse-kms/p.csv', Body: PEOPLE_CSV, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn });
  await s3.putObject({ Bucket: 'data', Key: 'bucket-key/p.csv', Body: PEOPLE_CSV, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn, BucketKeyEnabled: true });
  await s3.putObject({ Bucket: 'data', Key: 'dsse/p.csv', Body: PEOPLE_CSV, ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: key.Arn });
  await new S3EncryptionClient({ s3, kms, kmsKeyId: key.Arn }).putObject({ Bucket: 'data', Key: 'cse-kms/p.csv', Body: PEOPLE_CSV });
  for (const prefix of ['plain', 'sse-s3', 'sse-kms', 'bucket-key', 'dsse', 'cse-kms']) {
    expect((await runQuery(env.queries, tableAt(prefix.replace('-', '_'), prefix))).Status.State).toBe('SUCCEEDED');
  }
  return { ...env, key };
}

const resultKeys = async (s3: ReturnType<typeof setup>['s3'], prefix: string) =>
  (await s3.listObjectsV2({ Bucket: 'results', Prefix: prefix })).Contents.map((c) => c.Key);

describe('tables over encrypted objects', () => {
  it('SSE-S3, SSE-KMS with and without a bucket key, DSSE-KMS and CSE-KMS give the rows plaintext gives', async () => {
    const { queries } = await encryptedData();
    for (const table of ['plain', 'sse_s3', 'sse_kms', 'bucket_key', 'dsse', 'cse_kms']) {
      expect(await queryRows(queries, `SELECT * FROM ${table} ORDER BY id`), table).toEqual(PEOPLE_ROWS);
    }
    const joined = await queryRows(queries, 'SELECT p.name, c.city FROM plain p JOIN cse_kms c ON p.id = c.id JOIN dsse d ON d.id = p.id ORDER BY p.id');
    expect(joined).toHaveLength(4);
  });

  it('a user with kms:Decrypt reads SSE-KMS data as herself; without it the query FAILS with AccessDenied naming the key, writing nothing', async () => {
    const { queries, iam, s3, key } = await encryptedData();
    allowAlice(iam, key.Arn, ['kms:Decrypt']);
    expect(await queryRows(queries, 'SELECT * FROM sse_kms ORDER BY id', { ResultConfiguration: { OutputLocation: 's3://results/alice/' } }, ALICE)).toEqual(PEOPLE_ROWS);
    expect(await queryRows(queries, 'SELECT * FROM cse_kms ORDER BY id', { ResultConfiguration: { OutputLocation: 's3://results/alice/' } }, ALICE)).toEqual(PEOPLE_ROWS);
    allowAlice(iam, key.Arn, []);
    for (const table of ['sse_kms', 'bucket_key', 'dsse', 'cse_kms']) {
      const failed = await runQuery(queries, `SELECT count(*) FROM ${table}`, { ResultConfiguration: { OutputLocation: 's3://results/denied/' } }, ALICE);
      expect(failed.Status.State, table).toBe('FAILED');
      expect(failed.Status.StateChangeReason).toMatch(/^HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3:\/\/data\//);
      expect(failed.Status.StateChangeReason).toMatch(/AccessDenied/);
      expect(failed.Status.StateChangeReason).toContain(key.Arn);
      expect(failed.Status.StateChangeReason).toContain('kms:Decrypt');
    }
    expect(await resultKeys(s3, 'denied/')).toEqual([]);
    // Plain data needs no key: the same user still queries it.
    expect(await queryRows(queries, 'SELECT * FROM plain ORDER BY id', { ResultConfiguration: { OutputLocation: 's3://results/denied/' } }, ALICE)).toEqual(PEOPLE_ROWS);
  });

  it('an S3 permission the caller lacks fails the query too: the bucket policy decides, not the service', async () => {
    const { queries, iam, s3, key } = await encryptedData();
    allowAlice(iam, key.Arn, ['kms:Decrypt']);
    await s3.putBucketPolicy({ Bucket: 'data', Policy: policy([{ Effect: 'Deny', Principal: { AWS: ALICE.principal }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/sse-s3/*' }]) });
    const failed = await runQuery(queries, 'SELECT * FROM sse_s3', {}, ALICE);
    expect(failed.Status).toMatchObject({ State: 'FAILED', StateChangeReason: expect.stringMatching(/s3:\/\/data\/sse-s3\/p.csv.*explicit deny.*Error Code: AccessDenied/) });
    expect(await queryRows(queries, 'SELECT count(*) AS n FROM sse_kms', {}, ALICE)).toEqual([['n'], ['3']]);
  });

  it('a CSE-KMS object with a byte changed anywhere fails the query before the engine reads any of it, with no result object', async () => {
    const { queries, s3, kms, key } = await encryptedData();
    // Several 1 MiB chunks, after an intact object the table reads first.
    const { body, rows } = await csvOf(3 * CHUNK_BYTES + 1000);
    const cse = new S3EncryptionClient({ s3, kms, kmsKeyId: key.Arn });
    await cse.putObject({ Bucket: 'data', Key: 'cse-kms/q.csv', Body: body });
    const sealed = await (await s3.getObject({ Bucket: 'data', Key: 'cse-kms/q.csv' })).Body.transformToByteArray();
    const { Metadata } = await s3.headObject({ Bucket: 'data', Key: 'cse-kms/q.csv' });
    // Intact, it reads: p.csv's 3 people and q.csv's rows but the first (the table skips a header line in each object).
    expect((await queryRows(queries, 'SELECT count(*) AS n FROM cse_kms'))[1]).toEqual([String(3 + rows - 1)]);
    for (const at of [0, 2 * CHUNK_BYTES + 3, body.length - 1, sealed.length - 1]) {
      const tampered = sealed.slice();
      tampered[at]! ^= 0x04;
      await s3.putObject({ Bucket: 'data', Key: 'cse-kms/q.csv', Body: tampered, Metadata });
      const failed = await runQuery(queries, 'SELECT count(*) FROM cse_kms', { ResultConfiguration: { OutputLocation: 's3://results/tampered/' } });
      expect(failed.Status, `byte ${at}`).toMatchObject({ State: 'FAILED',
        StateChangeReason: expect.stringMatching(/^HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3:\/\/data\/cse-kms\/q.csv: cse-kms\/q.csv: the object or its IV was altered/) });
      expect(failed.Statistics?.DataScannedInBytes ?? 0, `byte ${at}: nothing of the table reached the engine`).toBe(0);
    }
    expect(await resultKeys(s3, 'tampered/')).toEqual([]);
  });

  it('a JSON-lines table over a CSE-KMS object of several pieces gives its rows; altered, it fails the query', async () => {
    const { queries, s3, kms, key } = await encryptedData();
    const lines: string[] = [];
    let idSum = 0;
    for (let id = 0, bytes = 0; bytes < 5 * CHUNK_BYTES; id++) {
      lines.push(`{"id": ${id}, "name": "user ${id % 97}"}\n`);
      bytes += lines.at(-1)!.length;
      idSum += id;
    }
    await new S3EncryptionClient({ s3, kms, kmsKeyId: key.Arn }).putObject({ Bucket: 'data', Key: 'events/e.json', Body: lines.join('') });
    await runQuery(queries, "CREATE EXTERNAL TABLE events (id bigint, name string) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://data/events/'");
    expect(await queryRows(queries, 'SELECT count(*) AS n, sum(id) AS ids, count(DISTINCT name) AS names FROM events'))
      .toEqual([['n', 'ids', 'names'], [String(lines.length), String(idSum), '97']]);
    const stored = await s3.getObject({ Bucket: 'data', Key: 'events/e.json' });
    const tampered = await stored.Body.transformToByteArray();
    tampered[4 * CHUNK_BYTES + 1]! ^= 0x20;
    await s3.putObject({ Bucket: 'data', Key: 'events/e.json', Body: tampered, Metadata: stored.Metadata });
    const failed = await runQuery(queries, 'SELECT count(*) FROM events', { ResultConfiguration: { OutputLocation: 's3://results/tampered-json/' } });
    expect(failed.Status).toMatchObject({ State: 'FAILED', StateChangeReason: expect.stringMatching(/events\/e.json: the object or its IV was altered/) });
    expect(await resultKeys(s3, 'tampered-json/')).toEqual([]);
  });

  it('an SSE-C object, or one encrypted on the client with a customer master key, fails the query', async () => {
    const { queries, s3 } = await encryptedData();
    const customerKey = Buffer.alloc(32, 7);
    await s3.putObject({ Bucket: 'data', Key: 'plain/sse-c.csv', Body: '9,x,y,1\n', SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: customerKey.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64') });
    const failed = await runQuery(queries, 'SELECT * FROM plain', { ResultConfiguration: { OutputLocation: 's3://results/sse-c/' } });
    expect(failed.Status).toMatchObject({ State: 'FAILED', StateChangeReason: expect.stringMatching(/s3:\/\/data\/plain\/sse-c.csv: .*SSE-C.*Error Code: InvalidRequest/) });
    await s3.deleteObject({ Bucket: 'data', Key: 'plain/sse-c.csv' });
    await new S3EncryptionClient({ s3, masterKey: new Uint8Array(32).fill(3) }).putObject({ Bucket: 'data', Key: 'plain/cse-c.csv', Body: '9,x,y,1\n' });
    const cseC = await runQuery(queries, 'SELECT * FROM plain', { ResultConfiguration: { OutputLocation: 's3://results/sse-c/' } });
    expect(cseC.Status.StateChangeReason).toMatch(/plain\/cse-c.csv: the object is encrypted on the client with a customer master key/);
    expect(await resultKeys(s3, 'sse-c/')).toEqual([]);
  });

  it('a principal of another account may not query at all: workgroups are not shared across accounts', async () => {
    const { queries, iam } = await encryptedData();
    const bob = { principal: 'arn:aws:iam::444455556666:user/bob' };
    iam.putPrincipalPolicy({ PrincipalArn: bob.principal, PolicyName: 'all', PolicyDocument: policy([{ Effect: 'Allow', Action: ['athena:*', 's3:*', 'kms:*'], Resource: '*' }]) });
    await expect(runQuery(queries, 'SELECT * FROM plain', {}, bob)).rejects.toMatchObject({ name: 'AccessDeniedException',
      message: expect.stringMatching(/bob is not authorized to perform: athena:StartQueryExecution on resource: arn:aws:athena:us-east-1:111122223333:workgroup\/primary because workgroups are not shared across accounts/) });
  });
});
