// The console's Queries panel in headless Chromium against an in-process `kms-wasm serve`: a table
// declared and queried over an SSE-KMS object through the service's Athena API, the result rows
// shown (a NULL marked as such), a failed query's state and reason, and a user without athena:*
// permissions refused in AWS's words.
import * as IamSdk from '@aws-sdk/client-iam';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ROOT, type Credentials } from '../service/service-fixture.js';
import { openConsole } from './console-page.js';

const SALES = '1,Ada,10.5\n2,Grace,\\N\n'; // Hive text: \N is NULL

describe('the console in Chromium: queries', async () => {
  let noAthena: Credentials;
  const opened = await openConsole(async (service) => {
    const s3 = service.s3();
    const keyArn = (await service.kms().send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    for (const Bucket of ['data', 'results']) await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'sales/a.csv', Body: SALES, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
    const iam = service.iam();
    await iam.send(new IamSdk.CreateUserCommand({ UserName: 'no-athena' }));
    const { AccessKey } = await iam.send(new IamSdk.CreateAccessKeyCommand({ UserName: 'no-athena' }));
    noAthena = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  });
  const { pageErrors } = opened;

  async function signIn(page: Page, credentials: Credentials) {
    await page.getByLabel('Access key ID').fill(credentials.accessKeyId);
    await page.getByLabel('Secret access key').fill(credentials.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#signed-in').isVisible()).toBe(true);
  }

  async function run(page: Page, sql: string) {
    await page.getByLabel('SQL').fill(sql);
    await page.getByLabel('Output location').fill('s3://results/console/');
    await page.getByRole('button', { name: 'Run query' }).click();
    await expect.poll(() => page.locator('#query-status').textContent(), { timeout: 120_000 }).toMatch(/^(SUCCEEDED|FAILED|CANCELLED)/);
    return page.locator('#query-status').textContent();
  }

  it('declares a table over an SSE-KMS object, queries it and shows the rows', async () => {
    const page = opened.page;
    await signIn(page, ROOT);
    expect(await run(page, "CREATE EXTERNAL TABLE sales (id int, name string, amount double) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://data/sales/'"))
      .toBe('SUCCEEDED (0 bytes scanned)');
    expect(await run(page, 'SELECT name, amount FROM sales ORDER BY id')).toBe(`SUCCEEDED (${SALES.length} bytes scanned)`);
    expect(await page.locator('#query-results th').allTextContents()).toEqual(['name', 'amount']);
    expect(await page.locator('#query-results tbody tr').evaluateAll((rows) => rows.map((row) => Array.from(row.children).map((td) => (td.classList.contains('null') ? null : td.textContent)))))
      .toEqual([['Ada', '10.5'], ['Grace', null]]);
  });

  it("a failed query shows its state and Athena's reason", async () => {
    expect(await run(opened.page, 'SELECT * FROM nowhere')).toMatch(/^FAILED: TABLE_NOT_FOUND: Table 'awsdatacatalog.default.nowhere' does not exist/);
    expect(await opened.page.locator('#query-results tr').count()).toBe(0);
  });

  it('a user without athena:* permissions is refused in AWS words; no script error on the way', async () => {
    const page = opened.page;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, noAthena);
    await page.getByLabel('SQL').fill('SELECT 1');
    await page.getByLabel('Output location').fill('s3://results/console/');
    await page.getByRole('button', { name: 'Run query' }).click();
    await expect.poll(() => page.locator('#error').textContent()).toMatch(/^AccessDeniedException: User: arn:aws:iam::\d+:user\/no-athena is not authorized to perform: athena:StartQueryExecution/);
    // The failed loads are the refused requests (HTTP 400 and the no-athena user's 403s from the other panels).
    expect(pageErrors.filter((e) => !/Failed to load resource: .* 40[03] /.test(e))).toEqual([]);
  });
});
