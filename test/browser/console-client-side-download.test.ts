// The console's client-side download in headless Chromium against an in-process `kms-wasm serve`:
// an object the page uploaded, and one S3EncryptionClient put from Node (AES/GCM/NoPadding), are
// fetched as streams, decrypted in the page and saved — as a Blob download, or through the File
// System Access API (here a file of the origin's private file system stands in for the picker's).
// A flipped byte anywhere in a stored body fails the download loudly, and nothing is saved.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Download, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { flipStoredByte, nodeEncryptionClient, sha256, signIn, uploadThroughPage } from './client-side-steps.js';
import { openConsole } from './console-page.js';

const KiB = 1024;
const newDirectory = temporaryDirectories('kms-wasm-console-download-');

describe('the console in Chromium: client-side download', async () => {
  const plaintexts = new Map<string, Buffer>();
  const opened = await openConsole(async (service) => {
    const keyArn = (await service.kms().send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await service.kms().send(new CreateAliasCommand({ AliasName: 'alias/uploads', TargetKeyId: keyArn }));
    await service.s3().send(new CreateBucketCommand({ Bucket: 'vault' }));
    // Encrypted in Node by S3EncryptionClient: AES/GCM/NoPadding, the v2 metadata.
    const cse = nodeEncryptionClient(service, keyArn);
    for (const [name, bytes] of [['from-node.bin', randomBytes(3 * 1024 * KiB + 7)], ['from-node-small.bin', randomBytes(200 * KiB)]] as const) {
      plaintexts.set(name, bytes);
      await cse.putObject({ Bucket: 'vault', Key: name, Body: bytes });
    }
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
    await signIn(page, 'vault');
    // Chromium's own picker cannot be answered headless: the Blob download unless a test says otherwise.
    await page.evaluate(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true, writable: true }));
    const paths = [['page.bin', randomBytes(9 * 1024 * KiB + 5)], ['page-small.bin', randomBytes(200 * KiB)]].map(([name, bytes]) => {
      plaintexts.set(name as string, bytes as Buffer);
      writeFileSync(join(files, name as string), bytes as Buffer);
      return join(files, name as string);
    });
    await uploadThroughPage(page, paths, 'alias/uploads');
  }, 600_000);

  /** Clicks Download on `key`'s row; resolves to the saved file's bytes, or to the error the page shows. */
  async function download(key: string): Promise<{ bytes?: Buffer; error?: string }> {
    const before = downloads.length;
    await page.locator('#error').evaluate((banner: HTMLElement) => { banner.hidden = true; banner.textContent = ''; });
    await page.getByRole('button', { name: `Download ${key}`, exact: true }).click();
    await expect.poll(async () => downloads.length > before || await page.locator('#error').isVisible(), { timeout: 240_000, interval: 100 }).toBe(true);
    if (downloads.length > before) return { bytes: readFileSync((await downloads[before]!.path())!) };
    return { error: (await page.locator('#error').textContent())! };
  }

  it.each(['page.bin', 'page-small.bin', 'from-node.bin', 'from-node-small.bin'])('%s: fetched, decrypted in the page and saved, byte for byte', async (key) => {
    const { bytes, error } = await download(key);
    expect(error).toBeUndefined();
    expect(bytes!.length).toBe(plaintexts.get(key)!.length);
    expect(sha256(bytes!)).toBe(sha256(plaintexts.get(key)!));
    expect(downloads.at(-1)!.suggestedFilename()).toBe(key);
  });

  const flip = (key: string, at: (length: number) => number) => flipStoredByte(s3, 'vault', key, at);

  // The framed body: the header (its message id), a frame's ciphertext, the final frame's tag.
  // The GCM body: the first byte, the middle, the tag; its plaintext reached the page before the tag failed.
  it.each([
    ['page-small.bin', 'the header', () => 20],
    ['page-small.bin', 'a middle frame', (n: number) => Math.floor(n / 2)],
    ['page-small.bin', 'the final tag', (n: number) => n - 1],
    ['from-node-small.bin', 'the first byte', () => 0],
    ['from-node-small.bin', 'the middle', (n: number) => Math.floor(n / 2)],
    ['from-node-small.bin', 'the tag', (n: number) => n - 1],
  ])('%s with a flipped byte in %s: the download fails loudly and nothing is saved', async (key, _where, at) => {
    const restore = await flip(key, at);
    try {
      const before = downloads.length;
      const { error } = await download(key);
      expect(error).toMatch(new RegExp(`^${key.replace('.', '\\.')} does not decrypt, and nothing was saved: .*(does not authenticate|AuthenticationError|tag)`, 'i'));
      await page.waitForTimeout(500);
      expect(downloads.length).toBe(before);
    } finally {
      await restore();
    }
  });

  describe('with the File System Access API', () => {
    beforeAll(async () => {
      // The picker's file, in the origin's private file system (which a test can read back).
      await page.evaluate(() => Object.defineProperty(window, 'showSaveFilePicker', {
        configurable: true, writable: true,
        value: async ({ suggestedName }: { suggestedName: string }) => (await navigator.storage.getDirectory()).getFileHandle(suggestedName, { create: true }),
      }));
    });
    const savedFile = (name: string) => page.evaluate(async (file) => {
      const saved = await (await (await navigator.storage.getDirectory()).getFileHandle(file)).getFile();
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await saved.arrayBuffer()));
      return { size: saved.size, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
    }, name);

    it('streams the plaintext into the chosen file', async () => {
      const before = downloads.length;
      await page.getByRole('button', { name: 'Download page.bin', exact: true }).click();
      const expected = plaintexts.get('page.bin')!;
      await expect.poll(() => savedFile('page.bin').then((f) => f.size), { timeout: 240_000, interval: 200 }).toBe(expected.length);
      expect((await savedFile('page.bin')).sha256).toBe(sha256(expected));
      expect(downloads.length).toBe(before);
    });

    it.each(['page-small.bin', 'from-node-small.bin'])('%s tampered: the chosen file is left empty', async (key) => {
      const restore = await flip(key, (n) => Math.floor(n / 2));
      try {
        await page.getByRole('button', { name: `Download ${key}`, exact: true }).click();
        await expect.poll(() => page.locator('#error').textContent(), { timeout: 120_000 }).toMatch(/does not decrypt, and nothing was saved/);
        expect(await savedFile(key)).toMatchObject({ size: 0 });
      } finally {
        await restore();
      }
    });
  });

  it('no script error on the way; the failed loads are none', async () => {
    expect(pageErrors).toEqual([]);
  });
});
