// A 256 MiB file through the console in headless Chromium: encrypted and uploaded in the page, then
// downloaded and decrypted in the page, the saved bytes' SHA-256 equal to the file's. The page's JS
// heap is sampled throughout (CDP Performance.getMetrics) and printed with the times, for the
// project's notes; nothing here asserts a time or a heap size. KMS_WASM_LARGE=1 adds a 1 GiB file.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { CDPSession, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { signIn, uploadThroughPage } from './client-side-steps.js';
import { openConsole } from './console-page.js';

const MiB = 1024 * 1024;
const sizes = [256 * MiB, ...(process.env.KMS_WASM_LARGE ? [1024 * MiB] : [])];
const newDirectory = temporaryDirectories('kms-wasm-console-large-');

/** Writes `bytes` random bytes to `path` a MiB at a time; resolves to their SHA-256. */
async function randomFile(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let written = 0; written < bytes; written += MiB) {
    const chunk = randomBytes(Math.min(MiB, bytes - written));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished(out);
  return hash.digest('hex');
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Samples the page's JS heap (used bytes) every 250 ms until stopped; resolves to the largest. */
function sampleHeap(cdp: CDPSession): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { metrics } = await cdp.send('Performance.getMetrics');
      peak = Math.max(peak, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return { stop: async () => { running = false; await loop; return peak; } };
}

describe('the console in Chromium: large files, client-side', async () => {
  const opened = await openConsole(async (service) => {
    const keyArn = (await service.kms().send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await service.kms().send(new CreateAliasCommand({ AliasName: 'alias/large', TargetKeyId: keyArn }));
    await service.s3().send(new CreateBucketCommand({ Bucket: 'large' }));
  });
  let page: Page;
  let cdp: CDPSession;
  const files = newDirectory();
  beforeAll(async () => {
    page = opened.page;
    await signIn(page, 'large');
    await page.evaluate(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true, writable: true }));
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
  });

  it.each(sizes)('%d bytes: uploaded and downloaded through the page, the same bytes back', async (size) => {
    const name = `large-${size / MiB}MiB.bin`;
    const path = join(files, name);
    const expected = await randomFile(path, size);
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const baseline = metrics.find((m) => m.name === 'JSHeapUsedSize')!.value;

    let heap = sampleHeap(cdp);
    let started = performance.now();
    await uploadThroughPage(page, [path], 'alias/large');
    const uploadSeconds = (performance.now() - started) / 1000;
    const uploadPeak = await heap.stop();

    heap = sampleHeap(cdp);
    started = performance.now();
    const download = page.waitForEvent('download', { timeout: 1_800_000 });
    await page.getByRole('button', { name: `Download ${name}`, exact: true }).click();
    const saved = await (await download).path();
    const downloadSeconds = (performance.now() - started) / 1000;
    const downloadPeak = await heap.stop();

    expect(await page.locator('#error').isVisible()).toBe(false);
    expect(await sha256OfFile(saved)).toBe(expected);
    const mib = (bytes: number) => (bytes / MiB).toFixed(1);
    console.log(`console, ${size / MiB} MiB in Chromium: upload ${uploadSeconds.toFixed(1)} s (${mib(size / uploadSeconds)} MiB/s), download ${downloadSeconds.toFixed(1)} s`
      + ` (${mib(size / downloadSeconds)} MiB/s); page JS heap ${mib(baseline)} MiB before, peak ${mib(uploadPeak)} MiB uploading, ${mib(downloadPeak)} MiB downloading`);
  }, 3_600_000);
});
