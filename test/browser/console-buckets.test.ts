// The console's bucket management in headless Chromium against an in-process `kms-wasm serve`:
// create a bucket (it is chosen), S3's refusals in S3's words (a name S3 does not allow, a name
// taken, a bucket that is not empty), delete an empty bucket; each checked through the AWS SDK.
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { failure, ROOT } from '../service/service-fixture.js';
import { openConsole } from './console-page.js';

describe('the console in Chromium: buckets', async () => {
  const opened = await openConsole(async (service) => {
    await service.s3().send(new CreateBucketCommand({ Bucket: 'full' }));
    await service.s3().send(new PutObjectCommand({ Bucket: 'full', Key: 'kept', Body: 'x' }));
  });
  const { service, pageErrors } = opened;
  let page: Page;
  const bucketNames = () => page.locator('#buckets-list button').allTextContents();
  const banner = () => page.locator('#error').textContent();

  beforeAll(async () => {
    page = opened.page;
    await page.getByLabel('Access key ID').fill(ROOT.accessKeyId);
    await page.getByLabel('Secret access key').fill(ROOT.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'full', exact: true }).waitFor();
  });

  async function create(name: string): Promise<void> {
    await page.getByLabel('Bucket name').fill(name);
    await page.getByRole('button', { name: 'Create bucket' }).click();
  }

  it('creates a bucket, which is then listed and chosen', async () => {
    await create('made-in-page');
    await expect.poll(bucketNames).toEqual(['full', 'made-in-page']);
    expect(await page.getByRole('button', { name: 'made-in-page', exact: true }).getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('#objects-heading').textContent()).toBe('Objects in made-in-page');
    await service.s3().send(new HeadBucketCommand({ Bucket: 'made-in-page' }));
    expect(await page.getByLabel('Bucket name').inputValue()).toBe('');
  });

  it.each([
    ['a name S3 does not allow', 'Not_Allowed', /^InvalidBucketName: /],
    ['a name already taken', 'full', /^BucketAlreadyOwnedByYou: /],
  ])('%s: refused in S3\'s words, nothing created', async (_what, name, error) => {
    await create(name);
    await expect.poll(banner).toMatch(error);
    expect(await bucketNames()).toEqual(['full', 'made-in-page']);
  });

  it('deletes the chosen bucket when empty; a bucket with objects is refused (BucketNotEmpty) and kept', async () => {
    await page.getByRole('button', { name: 'full', exact: true }).click();
    await page.getByRole('button', { name: 'Delete bucket full' }).click();
    await expect.poll(banner).toMatch(/^BucketNotEmpty: /);
    await service.s3().send(new HeadBucketCommand({ Bucket: 'full' }));
    await page.getByRole('button', { name: 'made-in-page', exact: true }).click();
    await page.getByRole('button', { name: 'Delete bucket made-in-page' }).click();
    await expect.poll(bucketNames).toEqual(['full']);
    expect(await page.locator('#objects').isVisible()).toBe(false);
    expect((await failure(service.s3().send(new HeadBucketCommand({ Bucket: 'made-in-page' })))).status).toBe(404);
  });

  it('no script error; the failed loads are the three refusals', async () => {
    expect(pageErrors.filter((e) => !/Failed to load resource: .* (400|409) /.test(e))).toEqual([]);
  });
});
