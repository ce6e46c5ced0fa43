// The console in headless Chromium against an in-process `kms-wasm serve`: sign-in (kept in
// sessionStorage, the page signing its own requests), then the Keys panel: create a key with an alias,
// disable/enable, schedule deletion with a waiting period, AWS's errors shown as AWS words them, a
// phone's width. Each change the page makes is checked through the AWS SDK in Node.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, ROOT } from '../service/service-fixture.js';
import { openConsole } from './console-page.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const screenshots = `${root}build/screenshots/`;

describe('the console in Chromium: sign-in and keys', async () => {
  const opened = await openConsole();
  const { service, pageErrors } = opened;
  let page: Page;
  beforeAll(() => {
    page = opened.page;
    mkdirSync(screenshots, { recursive: true });
  });
  const storage = () => page.evaluate(() => ({
    session: Object.keys(sessionStorage), local: localStorage.length, cookie: document.cookie,
  }));
  const rowOf = (alias: string) => page.locator('#keys-body tr', { hasText: alias });
  const describeKey = async (keyId: string) => (await service.kms().send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!;

  it('a wrong secret is refused in AWS\'s words and nothing is kept', async () => {
    await page.getByLabel('Access key ID').fill(ROOT.accessKeyId);
    await page.getByLabel('Secret access key').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^SignatureDoesNotMatch: /);
    expect(await storage()).toEqual({ session: [], local: 0, cookie: '' });
    await page.screenshot({ path: `${screenshots}console-sign-in-error.png` });
  });

  it('signs in by keyboard alone; the credentials are in sessionStorage only and survive a reload', async () => {
    await page.getByLabel('Access key ID').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(ROOT.accessKeyId);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(ROOT.secretAccessKey);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#signed-in-as').textContent()).toBe(`arn:aws:iam::${ACCOUNT}:root`);
    expect(await page.getByRole('alert').isHidden()).toBe(true);
    expect(await storage()).toEqual({ session: ['kms-wasm-console-session'], local: 0, cookie: '' });
    // Focus moves to the Keys heading, so a keyboard user lands where the page changed.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('keys-heading');
    await page.reload();
    await expect.poll(() => page.locator('#signed-in-as').textContent()).toBe(`arn:aws:iam::${ACCOUNT}:root`);
    // Every request the page made was signed by it: the service logged each under the root's ARN.
    const kmsCalls = service.log.filter((line) => / kms:/.test(line));
    expect(kmsCalls.length).toBeGreaterThan(0);
    expect(kmsCalls.filter((line) => !line.includes(` arn:aws:iam::${ACCOUNT}:root 200 `))).toEqual([]);
    // The STS calls: the wrong secret's (no principal, refused), then the two sign-ins (one per page load).
    // (The log names a Query call's operation "?": it is read before the form body is.)
    expect(service.log.filter((line) => / sts:/.test(line)).map((line) => line.split(' ').slice(3, 5).join(' ')))
      .toEqual(['- 403', ...Array(2).fill(`arn:aws:iam::${ACCOUNT}:root 200`)]);
  });

  it('creates a key with an alias and a description; its row shows state and rotation', async () => {
    await page.getByLabel('Alias', { exact: true }).fill('console-test');
    await page.getByLabel('Description', { exact: true }).fill('made in the <b>page</b>');
    await page.getByLabel('Description', { exact: true }).press('Enter');
    const row = rowOf('alias/console-test');
    await expect.poll(() => row.count()).toBe(1);
    const keyId = (await row.getAttribute('data-key-id'))!;
    expect(await row.locator('td').allTextContents()).toEqual(['alias/console-test', keyId, 'Enabled', 'made in the <b>page</b>', 'Disabled', 'PolicyDisableSchedule deletion']);
    const key = await describeKey('alias/console-test');
    expect([key.KeyId, key.Description, key.KeyState]).toEqual([keyId, 'made in the <b>page</b>', 'Enabled']);
    // The form is cleared for the next key.
    expect(await page.getByLabel('Alias', { exact: true }).inputValue()).toBe('');
  });

  it('an alias already taken: AlreadyExistsException as the service says it, and the page says the key has no alias', async () => {
    await page.getByLabel('Alias', { exact: true }).fill('alias/console-test');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^AlreadyExistsException: .*alias\/console-test.*\(key [0-9a-f-]{36} was created without the alias\)$/);
    await page.screenshot({ path: `${screenshots}console-error.png` });
    // The next action clears the error.
    await page.getByRole('button', { name: 'Refresh keys' }).click();
    await expect.poll(() => page.getByRole('alert').isHidden()).toBe(true);
  });

  it('disables and enables the key', async () => {
    await page.getByRole('button', { name: 'Disable alias/console-test' }).click();
    await expect.poll(() => rowOf('alias/console-test').locator('.state').textContent()).toBe('Disabled');
    expect((await describeKey('alias/console-test')).KeyState).toBe('Disabled');
    await page.getByRole('button', { name: 'Enable alias/console-test' }).click();
    await expect.poll(() => rowOf('alias/console-test').locator('.state').textContent()).toBe('Enabled');
    expect((await describeKey('alias/console-test')).KeyState).toBe('Enabled');
  });

  it('schedules deletion with the waiting period typed in the dialog (7–30 days, as KMS allows), and cancels it', async () => {
    await page.getByRole('button', { name: 'Schedule deletion alias/console-test' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.isVisible()).toBe(true);
    // Escape closes the dialog and changes nothing.
    await page.keyboard.press('Escape');
    expect(await dialog.isVisible()).toBe(false);
    expect((await describeKey('alias/console-test')).KeyState).toBe('Enabled');

    await page.getByRole('button', { name: 'Schedule deletion alias/console-test' }).click();
    // 6 days is below KMS's minimum: the form refuses it and nothing is sent.
    await page.getByLabel('Waiting period (days, 7–30)').fill('6');
    await dialog.getByRole('button', { name: 'Schedule deletion' }).click();
    expect(await dialog.isVisible()).toBe(true);
    await page.getByLabel('Waiting period (days, 7–30)').fill('7');
    const before = Date.now();
    await dialog.getByRole('button', { name: 'Schedule deletion' }).click();
    await expect.poll(() => rowOf('alias/console-test').locator('.state').textContent()).toMatch(/^PendingDeletion \(deletes \d{4}-\d{2}-\d{2}\)$/);
    const key = await describeKey('alias/console-test');
    expect(key.KeyState).toBe('PendingDeletion');
    // https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html: deleted PendingWindowInDays after the call.
    expect(Math.round((key.DeletionDate!.getTime() - before) / 86_400_000)).toBe(7);
    expect(await rowOf('alias/console-test').locator('td').nth(4).textContent()).toBe('—');
    await page.screenshot({ path: `${screenshots}console-keys.png` });

    await page.getByRole('button', { name: 'Cancel deletion alias/console-test' }).click();
    await expect.poll(() => rowOf('alias/console-test').locator('.state').textContent()).toBe('Disabled');
    expect((await describeKey('alias/console-test')).KeyState).toBe('Disabled');
  });

  it('fits a phone\'s width: no sideways scrolling, each key a card of labelled fields', async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(await page.locator('#keys-table thead').isVisible()).toBe(false);
    await page.screenshot({ path: `${screenshots}console-keys-phone.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out: the session is gone and the sign-in form is back', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByLabel('Access key ID').isVisible()).toBe(true);
    expect(await storage()).toEqual({ session: [], local: 0, cookie: '' });
    // No script error, no CSP violation; the only failed loads are the two refusals above (the wrong
    // secret's 403, the taken alias's 400): nothing else, not even a favicon, was asked of the service.
    expect(pageErrors).toEqual([403, 400].map((status) => expect.stringMatching(new RegExp(`^Failed to load resource: .* ${status} `))));
  });
});
