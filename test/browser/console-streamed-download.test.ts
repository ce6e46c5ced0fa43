// The console's streamed download in headless Chromium (no File System Access picker, as in a
// browser without one): with /console/?stream-downloads-from-mib=0 every download whose bytes
// authenticate as they go — a framed client-side body, or one the service decrypts — is handed to
// the console's service worker and saved by the browser as it arrives (what a file larger than the
// browser's Blob storage needs). A tampered frame fails the browser's download, with the page's
// error; an AES/GCM/NoPadding body (authenticated only at its end) still goes through the Blob.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Download, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { flipStoredByte, nodeEncryptionClient, sha256, signIn, uploadThroughPage } from './client-side-steps.js';
import { openConsole } from './console-page.js';

const KiB = 1024;
const newDirectory = temporaryDirectories('kms-wasm-console-streamed-');

describe('the console in Chromium: streamed downloads through its service worker', async () => {
  const plaintexts = new Map<string, Buffer>();
  const opened = await openConsole(async (service) => {
    const keyArn = (await service.kms().send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await service.kms().send(new CreateAliasCommand({ AliasName: 'alias/streamed', TargetKeyId: keyArn }));
    await service.s3().send(new CreateBucketCommand({ Bucket: 'streamed' }));
    const serverSide = randomBytes(3 * 1024 * KiB + 11);
    plaintexts.set('sse-kms.bin', serverSide);
    await service.s3().send(new PutObjectCommand({ Bucket: 'streamed', Key: 'sse-kms.bin', Body: serverSide, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
    const gcm = randomBytes(300 * KiB);
    plaintexts.set('from-node.bin', gcm);
    await nodeEncryptionClient(service, keyArn).putObject({ Bucket: 'streamed', Key: 'from-node.bin', Body: gcm });
  });
  const { service, pageErrors } = opened;
  let page: Page;
  let s3: S3Client;
  const downloads: Download[] = [];
  const files = newDirectory();

  beforeAll(async () => {
    page = opened.page;
    s3 = service.s3();
    page.on('download', (download) => downloads.push(download));
    await page.goto(`${page.url()}?stream-downloads-from-mib=0`);
    await signIn(page, 'streamed');
    await page.evaluate(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true, writable: true }));
    const bytes = randomBytes(5 * 1024 * KiB + 3);
    plaintexts.set('page.bin', bytes);
    writeFileSync(join(files, 'page.bin'), bytes);
    await uploadThroughPage(page, [join(files, 'page.bin')], 'alias/streamed');
  }, 600_000);

  /** Clicks Download on `key`'s row and waits for the browser's download to end (or for the page's error, if none starts). */
  async function download(key: string): Promise<{ download?: Download; error?: string }> {
    const before = downloads.length;
    await page.locator('#error').evaluate((banner: HTMLElement) => { banner.hidden = true; banner.textContent = ''; });
    await page.getByRole('button', { name: `Download ${key}`, exact: true }).click();
    await expect.poll(async () => downloads.length > before || await page.locator('#error').isVisible(), { timeout: 240_000, interval: 100 }).toBe(true);
    const started = downloads[before];
    if (started) await started.failure(); // waits for the download to end, saved or failed
    const error = await page.locator('#error').isVisible() ? (await page.locator('#error').textContent())! : undefined;
    return { download: started, error };
  }

  it.each(['page.bin', 'sse-kms.bin'])('%s: saved through the service worker as it arrives, byte for byte', async (key) => {
    const { download: saved, error } = await download(key);
    expect(error).toBeUndefined();
    expect(saved!.url()).toMatch(/\/console\/streamed-download\/[0-9a-f-]{36}$/);
    expect(saved!.suggestedFilename()).toBe(key);
    expect(await saved!.failure()).toBeNull();
    const bytes = readFileSync((await saved!.path())!);
    expect(sha256(bytes)).toBe(sha256(plaintexts.get(key)!));
    expect(pageErrors).toEqual([]);
  });

  it('an AES/GCM/NoPadding body, authenticated only at its end, is saved as a Blob instead', async () => {
    const { download: saved, error } = await download('from-node.bin');
    expect(error).toBeUndefined();
    expect(saved!.url()).toMatch(/^blob:/);
    expect(sha256(readFileSync((await saved!.path())!))).toBe(sha256(plaintexts.get('from-node.bin')!));
  });

  it('a tampered frame fails the browser\'s download and the page says why', async () => {
    const restore = await flipStoredByte(s3, 'streamed', 'page.bin', (n) => Math.floor(n * 0.75)); // a frame well after the first bytes were saved
    try {
      const { download: failed, error } = await download('page.bin');
      expect(error).toMatch(/^page\.bin does not decrypt, and nothing was saved: .*(does not authenticate|AuthenticationError|tag)/i);
      expect(failed).toBeDefined();
      expect(await failed!.failure()).not.toBeNull();
      expect(await failed!.path().catch(() => null)).toBeNull();
    } finally {
      await restore();
    }
  });
});
