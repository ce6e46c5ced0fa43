// A 256 MiB file through the console in headless Chromium: encrypted and uploaded in the page, then
// downloaded and decrypted in the page, the saved bytes' SHA-256 equal to the file's. The page's JS
// heap (CDP Performance.getMetrics), the transfer workers' heaps (CDP Runtime.getHeapUsage in each
// worker: the V8 heap, and the ArrayBuffers' backing stores, which hold the file's bytes) and the
// service's RSS (it runs in this process) are sampled throughout and printed with the times, for the
// project's notes; nothing here asserts a time or a heap size. KMS_WASM_LARGE=1 adds a 1 GiB file,
// KMS_WASM_CONSOLE_MIB=<n> a file of n MiB (5120: S3's largest single part times one, 5 GiB).
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
const sizes = [256 * MiB, ...(process.env.KMS_WASM_LARGE ? [1024 * MiB] : []), ...(process.env.KMS_WASM_CONSOLE_MIB ? [Number(process.env.KMS_WASM_CONSOLE_MIB) * MiB] : [])];
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

interface Peaks {
  page: number;
  workerHeap: number;
  workerBuffers: number;
  serverRss: number;
}

/**
 * Samples every 250 ms until stopped: the page's JS heap (used bytes), each transfer worker's V8 heap
 * and ArrayBuffer backing stores (Runtime.getHeapUsage, sent to the workers the page session is
 * attached to), and this process's RSS (the service's). Resolves to the largest of each.
 */
function sampleMemory(cdp: CDPSession, workers: Set<string>): { stop(): Promise<Peaks> } {
  const peaks: Peaks = { page: 0, workerHeap: 0, workerBuffers: 0, serverRss: 0 };
  let running = true;
  let id = 1;
  const onMessage = ({ message }: { message: string }) => {
    const usage = (JSON.parse(message) as { result?: { usedSize?: number; backingStorageSize?: number } }).result;
    peaks.workerHeap = Math.max(peaks.workerHeap, usage?.usedSize ?? 0);
    peaks.workerBuffers = Math.max(peaks.workerBuffers, usage?.backingStorageSize ?? 0);
  };
  cdp.on('Target.receivedMessageFromTarget', onMessage);
  const loop = (async () => {
    while (running) {
      for (const sessionId of workers) {
        // A worker may end between the listing and the message.
        void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: id++, method: 'Runtime.getHeapUsage' }) }).catch(() => undefined);
      }
      const { metrics } = await cdp.send('Performance.getMetrics');
      peaks.page = Math.max(peaks.page, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
      peaks.serverRss = Math.max(peaks.serverRss, process.memoryUsage().rss);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return { stop: async () => { running = false; await loop; cdp.off('Target.receivedMessageFromTarget', onMessage); return peaks; } };
}

describe('the console in Chromium: large files, client-side', async () => {
  const opened = await openConsole(async (service) => {
    const keyArn = (await service.kms().send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await service.kms().send(new CreateAliasCommand({ AliasName: 'alias/large', TargetKeyId: keyArn }));
    await service.s3().send(new CreateBucketCommand({ Bucket: 'large' }));
  });
  let page: Page;
  let cdp: CDPSession;
  const workers = new Set<string>();
  const files = newDirectory();
  beforeAll(async () => {
    page = opened.page;
    await signIn(page, 'large');
    await page.evaluate(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true, writable: true }));
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    // Each transfer worker, as it starts, gets a session of its own, reached through this one (not flattened).
    cdp.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => { if (targetInfo.type === 'worker') workers.add(sessionId); });
    cdp.on('Target.detachedFromTarget', ({ sessionId }) => workers.delete(sessionId!));
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  });

  it.each(sizes)('%d bytes: uploaded and downloaded through the page, the same bytes back', async (size) => {
    const name = `large-${size / MiB}MiB.bin`;
    const path = join(files, name);
    const expected = await randomFile(path, size);
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const baseline = metrics.find((m) => m.name === 'JSHeapUsedSize')!.value;

    let memory = sampleMemory(cdp, workers);
    let started = performance.now();
    await uploadThroughPage(page, [path], 'alias/large');
    const uploadSeconds = (performance.now() - started) / 1000;
    const uploadPeaks = await memory.stop();

    memory = sampleMemory(cdp, workers);
    started = performance.now();
    const download = page.waitForEvent('download', { timeout: 1_800_000 });
    await page.getByRole('button', { name: `Download ${name}`, exact: true }).click();
    const saved = await (await download).path();
    const downloadSeconds = (performance.now() - started) / 1000;
    const downloadPeaks = await memory.stop();

    expect(await page.locator('#error').isVisible()).toBe(false);
    expect(await sha256OfFile(saved)).toBe(expected);
    const mib = (bytes: number) => (bytes / MiB).toFixed(1);
    const peaks = (p: Peaks) => `page JS heap ${mib(p.page)}, worker heap ${mib(p.workerHeap)} + ArrayBuffers ${mib(p.workerBuffers)}, server RSS ${mib(p.serverRss)}`;
    console.log(`console, ${size / MiB} MiB in Chromium: upload ${uploadSeconds.toFixed(1)} s (${mib(size / uploadSeconds)} MiB/s), download ${downloadSeconds.toFixed(1)} s`
      + ` (${mib(size / downloadSeconds)} MiB/s); page JS heap ${mib(baseline)} MiB before; peaks (MiB) uploading: ${peaks(uploadPeaks)}; downloading: ${peaks(downloadPeaks)}`);
    // The sampling reached the worker each way (a figure of 0 would mean it measured nothing).
    expect(uploadPeaks.workerHeap).toBeGreaterThan(0);
    expect(downloadPeaks.workerHeap).toBeGreaterThan(0);
  }, 3_600_000);
});
