// The console's client-side upload in headless Chromium against an in-process `kms-wasm serve`:
// files chosen or dropped are encrypted in the page's transfer workers (kms-wasm's framed envelope,
// a data key from the service's KMS) and uploaded as multipart parts, with a progress bar and
// Cancel. Checked from Node: S3EncryptionClient decrypts what the page stored; nothing the service
// stored, logged or received holds a 16-byte run of the plaintext or the data key.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, HeadObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Page, Request } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { decryptMessage, kmsDataKeyResolver } from '../../src/index.js';
import { indexPlaintextRuns } from '../helpers/plaintext-runs.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { failure } from '../service/service-fixture.js';
import { filesUnder, nodeEncryptionClient, nodeKms, openConsoleWithKey, sha256, signIn, uploadThroughPage } from './client-side-steps.js';

const MiB = 1024 * 1024;
const screenshots = fileURLToPath(new URL('../../build/screenshots/', import.meta.url));
const newDirectory = temporaryDirectories('kms-wasm-console-cse-');

describe('the console in Chromium: client-side upload', async () => {
  const opened = await openConsoleWithKey('alias/uploads', 'vault');
  const { service, pageErrors } = opened;
  let keyArn = '';
  let page: Page;
  let s3: S3Client;
  const files = newDirectory();
  const plaintexts = new Map<string, Buffer>();
  /** Every request the page (and its workers) sent, with its body. */
  const requests: Request[] = [];
  const dataKeys: Buffer[] = [];
  const writeFile = (name: string, bytes: Buffer) => {
    writeFileSync(join(files, name), bytes);
    plaintexts.set(name, bytes);
    return join(files, name);
  };
  beforeAll(async () => {
    page = opened.page;
    keyArn = opened.keyArn();
    s3 = service.s3();
    page.on('request', (request) => requests.push(request));
    page.on('response', async (response) => {
      if (response.request().headers()['x-amz-target'] === 'TrentService.GenerateDataKey' && response.ok()) {
        dataKeys.push(Buffer.from((await response.json() as { Plaintext: string }).Plaintext, 'base64'));
      }
    });
    await signIn(page, 'vault');
  });

  it('uploads chosen files (three multipart parts, one part, empty): encrypted in the page, the progress bar advancing', async () => {
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { progressSeen: number[] }).progressSeen = seen;
      new MutationObserver((records) => records.forEach((r) => seen.push(Number((r.target as HTMLProgressElement).value))))
        .observe(document.getElementById('transfers')!, { subtree: true, attributes: true, attributeFilter: ['value'] });
    });
    const paths = [writeFile('report.bin', randomBytes(17 * MiB + 123)), writeFile('note.txt', Buffer.from('a short note, encrypted in the browser\n')), writeFile('empty', Buffer.alloc(0))];
    await uploadThroughPage(page, paths, 'alias/uploads');
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
    // report.bin's bar stood between empty and full (after its first and second parts) and ended full.
    expect(seen.filter((v) => v > 0 && v < 17 * MiB + 123).length).toBeGreaterThanOrEqual(2);
    expect(seen).toContain(17 * MiB + 123);
    expect(await page.locator('#transfers li[data-upload="report.bin"] .transfer-status').textContent()).toMatch(/^Uploaded 17\.0 MiB, encrypted in this page under alias\/uploads/);
    await expect.poll(() => page.locator('#objects-body tr[data-key="report.bin"] .encryption').textContent()).toBe('client-side (kms-wasm/framed-envelope-v1), SSE-S3') // S3's base level applies to client-side objects too;
    const parts = requests.filter((r) => r.method() === 'PUT' && /[?&]partNumber=/.test(r.url()) && r.url().includes('/vault/report.bin'));
    expect(parts.map((r) => new URL(r.url()).searchParams.get('partNumber'))).toEqual(['1', '2', '3']);
    const sizes = await Promise.all(parts.map(async (r) => Number((await r.allHeaders())['content-length'])));
    expect(sizes.slice(0, 2)).toEqual([8 * MiB, 8 * MiB]);
  }, 300_000);

  it('S3EncryptionClient in Node decrypts each uploaded object; the stored metadata is the S3 Encryption Client\'s', async () => {
    const cse = nodeEncryptionClient(service, keyArn);
    for (const [name, plaintext] of plaintexts) {
      const { Body } = await cse.getObject({ Bucket: 'vault', Key: name });
      expect(sha256(await Body.transformToByteArray()), name).toBe(sha256(plaintext));
    }
    const { Metadata } = await s3.send(new HeadObjectCommand({ Bucket: 'vault', Key: 'report.bin' }));
    expect(Metadata).toMatchObject({
      'x-amz-cek-alg': 'kms-wasm/framed-envelope-v1', 'x-amz-wrap-alg': 'kms+context', 'x-amz-matdesc': '{"aws:x-amz-cek-alg":"kms-wasm/framed-envelope-v1"}',
      'x-amz-unencrypted-content-length': String(17 * MiB + 123),
    });
    // The body alone is a complete kms-wasm message: its header carries the same wrapped key and context.
    const body = await (await s3.send(new GetObjectCommand({ Bucket: 'vault', Key: 'note.txt' }))).Body!.transformToByteArray();
    expect(Buffer.from(await decryptMessage(kmsDataKeyResolver(nodeKms(service)), body)).toString()).toBe('a short note, encrypted in the browser\n');
  });

  it('uploads a dropped file', async () => {
    const dropped = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['dropped onto the page'], 'dropped.txt'));
      return transfer;
    });
    await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: dropped });
    await expect.poll(() => page.locator('#transfers li[data-upload="dropped.txt"]').getAttribute('data-state'), { timeout: 60_000 }).toBe('uploaded');
    const { Body } = await nodeEncryptionClient(service, keyArn).getObject({ Bucket: 'vault', Key: 'dropped.txt' });
    expect(await Body.transformToString()).toBe('dropped onto the page');
  });

  it('the service never held plaintext or the data key: not in its files, its log, or any byte the page sent it', async () => {
    expect(dataKeys.length).toBe(4);
    const stored = filesUnder(service.dir);
    expect(stored.reduce((n, f) => n + f.bytes.length, 0)).toBeGreaterThan(17 * MiB);
    // Everything the browser sent (headers and bodies, KMS's calls included, where GenerateDataKey's answer is never sent back).
    const wire = Buffer.concat(opened.sent);
    expect(wire.length).toBeGreaterThan(17 * MiB);
    const sent = [{ path: 'the wire from the browser', bytes: wire }];
    const log = { path: 'request log', bytes: Buffer.from(service.log.join('\n')) };
    const report = plaintexts.get('report.bin')!;
    // A MiB from the start and from the end of the large file, and the note: one index (a window across their joins is no plaintext, and is never found either).
    const index = indexPlaintextRuns(Buffer.concat([report.subarray(0, MiB), report.subarray(16 * MiB), plaintexts.get('note.txt')!]));
    for (const { path, bytes } of [...stored, ...sent, log]) expect(index.findIn(bytes), path).toBe(-1);
    for (const key of dataKeys) {
      for (const { path, bytes } of [...stored, ...sent, log]) {
        for (const form of [key, Buffer.from(key.toString('base64')), Buffer.from(key.toString('hex'))]) expect(bytes.indexOf(form), path).toBe(-1);
      }
    }
    // The check finds what it looks for: the note's plaintext, and a data key, where they are.
    expect(index.findIn(Buffer.concat([Buffer.from('xx'), plaintexts.get('note.txt')!.subarray(3, 19)]))).toBe(2);
    expect(index.findIn(Buffer.concat([Buffer.from('xyz'), report.subarray(MiB - 16, MiB)]))).toBe(3);
    expect(index.findIn(report.subarray(MiB - 15, MiB + 1))).toBe(-1);
    expect(Buffer.from(JSON.stringify({ k: dataKeys[0]!.toString('base64') })).indexOf(dataKeys[0]!.toString('base64'))).toBeGreaterThan(0);
  });

  it('Cancel aborts the multipart upload: the row says so, the upload is gone, no object was stored', async () => {
    const uploadIds: string[] = [];
    page.on('response', async (response) => {
      if (response.request().method() === 'POST' && response.url().endsWith('/vault/big.bin?uploads=')) uploadIds.push(/<UploadId>([^<]+)</.exec(await response.text())![1]!);
    });
    // The second part waits until Cancel is clicked, so the upload cannot finish first.
    let release!: () => void;
    const cancelled = new Promise<void>((resolve) => { release = resolve; });
    let held = false;
    await page.route((url) => url.pathname === '/vault/big.bin' && url.searchParams.get('partNumber') === '2', async (route) => {
      held = true;
      await cancelled;
      await route.continue().catch(() => undefined); // the worker that sent it has ended
    });
    await page.getByLabel('KMS key').fill('alias/uploads');
    await page.getByLabel('Files').setInputFiles([writeFile('big.bin', randomBytes(24 * MiB))]);
    await page.getByRole('button', { name: 'Encrypt and upload' }).click();
    const row = page.locator('#transfers li[data-upload="big.bin"]');
    await expect.poll(() => row.locator('progress').evaluate((bar: HTMLProgressElement) => bar.value), { timeout: 120_000, interval: 50 }).toBeGreaterThan(0);
    mkdirSync(screenshots, { recursive: true });
    await row.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${screenshots}console-upload.png` }); // docs/ is refreshed from it (scripts/console-screenshots.mjs)
    await expect.poll(() => held, { timeout: 120_000 }).toBe(true);
    // Two parts are in flight per file: the third goes out while the second is still held.
    const partSent = (n: string) => requests.some((r) => r.url().includes('/vault/big.bin?') && new URL(r.url()).searchParams.get('partNumber') === n);
    await expect.poll(() => partSent('3'), { timeout: 120_000 }).toBe(true);
    await page.getByRole('button', { name: 'Cancel upload of big.bin' }).click();
    release();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 60_000 }).not.toBe(null);
    expect(await row.locator('.transfer-status').textContent()).toBe('Cancelled: the multipart upload was aborted');
    expect(await row.getAttribute('data-state')).toBe('cancelled');
    expect(uploadIds).toHaveLength(1);
    const refused = await failure(s3.send(new UploadPartCommand({ Bucket: 'vault', Key: 'big.bin', UploadId: uploadIds[0]!, PartNumber: 9, Body: 'late' })));
    expect(refused.name).toBe('NoSuchUpload');
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket: 'vault', Key: 'big.bin' })))).status).toBe(404);
    expect(requests.some((r) => r.method() === 'DELETE' && r.url().includes(`uploadId=${encodeURIComponent(uploadIds[0]!)}`))).toBe(true);
  }, 300_000);

  it('a key KMS refuses fails the upload in AWS\'s words, before any multipart upload starts', async () => {
    const before = requests.length;
    await uploadThroughPage(page, [writeFile('refused.txt', Buffer.from('never sent'))], 'alias/no-such-key', 'failed');
    expect(await page.locator('#transfers li[data-upload="refused.txt"] .transfer-status').textContent()).toMatch(/^Failed: NotFoundException: /);
    expect(await page.locator('#error').textContent()).toMatch(/^NotFoundException: /);
    expect(requests.slice(before).filter((r) => r.url().includes('refused.txt'))).toEqual([]);
  });

  it('no script error or failed load on the way but the refusals above', async () => {
    expect(pageErrors.filter((e) => !/Failed to load resource: .* (400|404)/.test(e))).toEqual([]);
  });
});
