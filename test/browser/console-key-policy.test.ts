// The console's key policy editor in headless Chromium against an in-process `kms-wasm serve`: a
// key's policy shown as JSON, edited and saved with PutKeyPolicy (checked through the AWS SDK in
// Node); a document KMS refuses is answered inside the dialog in AWS's words, the text kept and the
// stored policy unchanged.
import { CreateAliasCommand, CreateKeyCommand, GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, ROOT } from '../service/service-fixture.js';
import { openConsole } from './console-page.js';

describe('the console in Chromium: key policy editor', async () => {
  let keyId = '';
  const opened = await openConsole(async (service) => {
    keyId = (await service.kms().send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await service.kms().send(new CreateAliasCommand({ AliasName: 'alias/policy-test', TargetKeyId: keyId }));
  });
  const { service, pageErrors } = opened;
  let page: Page;
  const storedPolicy = async () => JSON.parse((await service.kms().send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy!) as { Statement: { Sid?: string }[] };
  const dialog = () => page.getByRole('dialog', { name: 'Key policy of alias/policy-test' });
  const editor = () => page.getByLabel('Policy (JSON)');

  beforeAll(async () => {
    page = opened.page;
    await page.getByLabel('Access key ID').fill(ROOT.accessKeyId);
    await page.getByLabel('Secret access key').fill(ROOT.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
  });

  async function openEditor(): Promise<void> {
    await page.getByRole('button', { name: 'Policy alias/policy-test' }).click();
    await expect.poll(() => dialog().isVisible()).toBe(true);
  }

  it('shows the key\'s policy as JSON, in the dialog, with the editor focused', async () => {
    await openEditor();
    expect(JSON.parse(await editor().inputValue())).toEqual(await storedPolicy());
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('policy-text');
    expect(await page.locator('#policy-error').isVisible()).toBe(false);
  });

  it.each([
    ['text that is not JSON', '{"Version": "2012-10-17", "Statement": ['],
    ['an Effect that is neither Allow nor Deny', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Maybe', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] })],
  ])('%s: MalformedPolicyDocumentException inside the dialog; the text kept, the policy unchanged', async (_what, text) => {
    const before = await storedPolicy();
    await editor().fill(text);
    await dialog().getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => page.locator('#policy-error').textContent()).toMatch(/^MalformedPolicyDocumentException: /);
    expect(await dialog().isVisible()).toBe(true);
    expect(await editor().inputValue()).toBe(text);
    expect(await editor().getAttribute('aria-invalid')).toBe('true');
    expect(await storedPolicy()).toEqual(before);
  });

  it('a valid edit is saved with PutKeyPolicy and the dialog closes; opened again, it shows the new policy', async () => {
    const policy = await storedPolicy();
    policy.Statement.push({ Sid: 'ConsoleEdit', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:Decrypt', Resource: '*' } as never);
    await editor().fill(JSON.stringify(policy));
    await dialog().getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => dialog().isVisible()).toBe(false);
    expect((await storedPolicy()).Statement.map((s) => s.Sid)).toContain('ConsoleEdit');
    await openEditor();
    expect(await page.locator('#policy-error').isVisible()).toBe(false);
    expect(await editor().getAttribute('aria-invalid')).toBe(null);
    expect(JSON.parse(await editor().inputValue())).toEqual(await storedPolicy());
  });

  it('Cancel (or Escape) closes the dialog and stores nothing', async () => {
    const before = await storedPolicy();
    await editor().fill('{}');
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    expect(await dialog().isVisible()).toBe(false);
    await openEditor();
    await page.keyboard.press('Escape');
    expect(await dialog().isVisible()).toBe(false);
    expect(await storedPolicy()).toEqual(before);
  });

  it('no script error; the failed loads are the two refusals', async () => {
    expect(pageErrors.filter((e) => !/Failed to load resource: .* 400 /.test(e))).toEqual([]);
    expect(pageErrors.length).toBe(2);
  });
});
