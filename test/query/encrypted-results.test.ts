// Results encrypted independently of the source, as the requested EncryptionConfiguration says:
// ciphertext at rest under each option, decrypting to the expected CSV; encrypting them needs
// kms:GenerateDataKey, reading them kms:Decrypt
// (https://docs.aws.amazon.com/athena/latest/ug/encrypting-query-results-stored-in-s3.html).

import { describe, expect, it } from 'vitest';
import { S3EncryptionClient } from '../../src/index.js';
import type { EncryptionConfiguration } from '../../src/query/result-objects.js';
import { ALICE, allowAlice, PEOPLE_CSV, PEOPLE_TABLE, policy, queryRows, resultRows, runQuery, setup } from './query-fixture.js';

const EXPECTED_CSV = '"name","amount"\n"Ada, Countess","10.5"\n"Grace","20.0"\n"Linus",\n';
const SQL = 'SELECT name, amount FROM people ORDER BY id';

async function plainSource() {
  const env = setup();
  const { KeyMetadata: key } = await env.kms.createKey();
  await env.s3.createBucket({ Bucket: 'data' });
  await env.s3.createBucket({ Bucket: 'results' });
  await env.s3.putObject({ Bucket: 'data', Key: 'people/p.csv', Body: PEOPLE_CSV }); // the source is not encrypted
  expect((await runQuery(env.queries, PEOPLE_TABLE)).Status.State).toBe('SUCCEEDED');
  return { ...env, key };
}

describe('encrypted query results', () => {
  it('SSE_S3, SSE_KMS and CSE_KMS results are ciphertext at rest and decrypt to the expected CSV', async () => {
    const { queries, s3, kms, key } = await plainSource();
    const options: Array<[EncryptionConfiguration, Record<string, unknown>]> = [
      [{ EncryptionOption: 'SSE_S3' }, { ServerSideEncryption: 'AES256' }],
      [{ EncryptionOption: 'SSE_KMS', KmsKey: key.Arn }, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn }],
      // The client-side envelope is stored, like every new object, under SSE-S3, the bucket's base level.
      [{ EncryptionOption: 'CSE_KMS', KmsKey: key.KeyId }, { ServerSideEncryption: 'AES256', Metadata: expect.objectContaining({ 'x-amz-wrap-alg': 'kms+context' }) }],
    ];
    for (const [EncryptionConfiguration, headers] of options) {
      const execution = await runQuery(queries, SQL, { ResultConfiguration: { OutputLocation: 's3://results/enc/', EncryptionConfiguration } });
      expect(execution.Status.State).toBe('SUCCEEDED');
      expect(execution.ResultConfiguration.EncryptionConfiguration).toEqual({ ...EncryptionConfiguration });
      const resultKey = `enc/${execution.QueryExecutionId}.csv`;
      for (const object of [resultKey, `${resultKey}.metadata`]) {
        expect(await s3.headObject({ Bucket: 'results', Key: object }), EncryptionConfiguration.EncryptionOption).toMatchObject(headers);
        const atRest = Buffer.from((await s3.storedBytes('results', object))!);
        expect(atRest.includes('Countess'), `${object} is ciphertext at rest`).toBe(false);
        expect(atRest.includes('"name"')).toBe(false);
      }
      const body = EncryptionConfiguration.EncryptionOption === 'CSE_KMS'
        ? (await new S3EncryptionClient({ s3, kms, kmsKeyId: key.Arn }).getObject({ Bucket: 'results', Key: resultKey })).Body
        : (await s3.getObject({ Bucket: 'results', Key: resultKey })).Body;
      expect(await body.transformToString()).toBe(EXPECTED_CSV);
      expect(await resultRows(queries, execution.QueryExecutionId)).toEqual([['name', 'amount'], ['Ada, Countess', '10.5'], ['Grace', '20.0'], ['Linus', null]]);
    }
    // The CSE_KMS result is sealed on the client: S3 holds only the v2 envelope, so a plain GET returns ciphertext.
    const cse = await runQuery(queries, SQL, { ResultConfiguration: { OutputLocation: 's3://results/cse/', EncryptionConfiguration: { EncryptionOption: 'CSE_KMS', KmsKey: key.Arn } } });
    expect(await (await s3.getObject({ Bucket: 'results', Key: `cse/${cse.QueryExecutionId}.csv` })).Body.transformToString()).not.toContain('Countess');
  });

  it('kms:Decrypt without kms:GenerateDataKey: results may go to an unencrypted location, not an SSE-KMS or CSE-KMS one', async () => {
    const { queries, iam, s3, key } = await plainSource();
    allowAlice(iam, key.Arn, ['kms:Decrypt']);
    expect(await queryRows(queries, SQL, { ResultConfiguration: { OutputLocation: 's3://results/open/' } }, ALICE)).toHaveLength(4);
    for (const EncryptionOption of ['SSE_KMS', 'CSE_KMS'] as const) {
      const failed = await runQuery(queries, SQL, { ResultConfiguration: { OutputLocation: `s3://results/${EncryptionOption}/`, EncryptionConfiguration: { EncryptionOption, KmsKey: key.Arn } } }, ALICE);
      expect(failed.Status, EncryptionOption).toMatchObject({ State: 'FAILED', AthenaError: { ErrorCategory: 2 } });
      expect(failed.Status.StateChangeReason).toMatch(/^Access denied when writing output to url: s3:\/\/results\//);
      expect(failed.Status.StateChangeReason).toMatch(/kms:GenerateDataKey/);
      expect((await s3.listObjectsV2({ Bucket: 'results', Prefix: `${EncryptionOption}/` })).Contents).toEqual([]);
    }
    allowAlice(iam, key.Arn, ['kms:Decrypt', 'kms:GenerateDataKey']);
    const written = await runQuery(queries, SQL, { ResultConfiguration: { OutputLocation: 's3://results/SSE_KMS/', EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: key.Arn } } }, ALICE);
    expect(written.Status.State).toBe('SUCCEEDED');
    // Reading the results back needs kms:Decrypt: the caller of GetQueryResults, not the one who ran the query.
    allowAlice(iam, key.Arn, ['kms:GenerateDataKey']);
    await expect(queries.getQueryResults({ QueryExecutionId: written.QueryExecutionId }, ALICE))
      .rejects.toMatchObject({ name: 'InvalidRequestException', message: expect.stringMatching(/AccessDenied.*kms:Decrypt/) });
    expect(await resultRows(queries, written.QueryExecutionId)).toHaveLength(4);
  });
});
