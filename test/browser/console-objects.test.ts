// The console's Buckets panel in headless Chromium against an in-process `kms-wasm serve`: buckets,
// a bucket's objects over several ListObjectsV2 pages with each object's encryption as HeadObject
// reports it, and delete (checked through the AWS SDK in Node).
import { createHash, randomBytes } from 'node:crypto';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { failure, ROOT } from '../service/service-fixture.js';
import { openConsole } from './console-page.js';

describe('the console in Chromium: buckets and objects', async () => {
  let keyArn = '';
  const opened = await openConsole(async (service) => {
    const s3 = service.s3();
    keyArn = (await service.kms().send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'empty' }));
    const put = (Key: string, extra: object = {}) => s3.send(new PutObjectCommand({ Bucket: 'photos', Key, Body: `body of ${Key}`, ...extra }));
    await put('sse-s3.txt', { ServerSideEncryption: 'AES256' });
    await put('dir/sse kms+ü.txt', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn });
    await put('dsse.txt', { ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: keyArn });
    const customerKey = randomBytes(32);
    await put('sse-c.txt', { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64') });
    // The metadata S3EncryptionClient writes (src/s3/s3-encryption-client.ts); the page reads only these headers.
    await put('client-side.bin', { Metadata: { 'x-amz-key-v2': 'AAAA', 'x-amz-cek-alg': 'AES/GCM/NoPadding', 'x-amz-iv': 'AAAAAAAAAAAAAAAA' } });
    // More than one page of ListObjectsV2 (1,000 keys a page).
    for (let i = 0; i < 1001; i += 50) await Promise.all(Array.from({ length: Math.min(50, 1001 - i) }, (_, j) => put(`many/${String(i + j).padStart(4, '0')}`)));
  });
  const { service, pageErrors } = opened;
  let page: Page;
  beforeAll(async () => {
    page = opened.page;
    await page.getByLabel('Access key ID').fill(ROOT.accessKeyId);
    await page.getByLabel('Secret access key').fill(ROOT.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
  });

  const encryptionOf = (key: string) => page.locator(`#objects-body tr[data-key="${key}"] .encryption`).textContent();

  it('lists the buckets; choosing one lists all its objects, each with its encryption', async () => {
    await expect.poll(() => page.locator('#buckets-list button').allTextContents()).toEqual(['empty', 'photos']);
    await page.getByRole('button', { name: 'photos' }).click();
    await expect.poll(() => page.locator('#objects-body tr').count(), { timeout: 60_000 }).toBe(1006);
    expect(await page.getByRole('button', { name: 'photos' }).getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('#objects-heading').textContent()).toBe('Objects in photos');
    expect(await encryptionOf('sse-s3.txt')).toBe('SSE-S3');
    expect(await encryptionOf('dir/sse kms+ü.txt')).toBe(`SSE-KMS (${keyArn})`);
    expect(await encryptionOf('dsse.txt')).toBe(`DSSE-KMS (${keyArn})`);
    expect(await encryptionOf('sse-c.txt')).toBe('SSE-C (customer key)');
    expect(await encryptionOf('client-side.bin')).toBe('client-side (AES/GCM/NoPadding)');
    // An object put without encryption headers gets SSE-S3, every bucket's base level (as on Amazon S3 since 5 January 2023).
    expect(await encryptionOf('many/0000')).toBe('SSE-S3');
    expect(await page.locator('#objects-body tr[data-key="many/1000"] td').nth(1).textContent()).toBe(String('body of many/1000'.length));
  });

  it('deletes an object (a key with a space, a slash and a non-ASCII letter), and the listing follows', async () => {
    await page.getByRole('button', { name: 'Delete dir/sse kms+ü.txt' }).click();
    await expect.poll(() => page.locator('#objects-body tr').count(), { timeout: 60_000 }).toBe(1005);
    expect((await failure(service.s3().send(new HeadObjectCommand({ Bucket: 'photos', Key: 'dir/sse kms+ü.txt' })))).status).toBe(404);
    await service.s3().send(new HeadObjectCommand({ Bucket: 'photos', Key: 'sse-s3.txt' }));
  });

  it('an empty bucket says so; no script error or failed load on the way', async () => {
    await page.getByRole('button', { name: 'empty' }).click();
    await expect.poll(() => page.locator('#objects-empty').isVisible()).toBe(true);
    // The one failed load is the SSE-C object's HEAD without its key (S3 answers 400).
    expect(pageErrors.every((e) => /Failed to load resource: .* 400 /.test(e))).toBe(true);
    expect(pageErrors.filter((e) => !/ 400 /.test(e))).toEqual([]);
  });
});
