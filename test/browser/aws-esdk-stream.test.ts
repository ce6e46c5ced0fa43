// AWS Encryption SDK messages streamed through a Chromium page in bounded memory. A message the
// Encryption SDK for JavaScript makes in Node (encryptStream, suite 0x0478, raw AES keyring) is
// streamed over HTTP into the page, which decrypts it with awsEsdkDecryptStream from fetch()'s body;
// then the page streams a plaintext of the same size through awsEsdkEncryptStream and
// awsEsdkDecryptStream. Every byte is checked, and the page's heap (JS objects, array buffers and
// the WASM memory: performance.memory with --enable-precise-memory-info, after a full GC) is sampled
// every 16 MiB: what it retains must stay below 16 MiB (measured: 1–2 MiB; a consumer that kept the
// chunks fails at 48 MiB), whatever the message size. 48 MiB by default; 256 MiB
// with KMS_WASM_LARGE=1 (the size, about a minute on a 2-core machine).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawAesPair } from '../helpers/aws-esdk-keyrings.js';
import { launchChromium } from '../helpers/chromium.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MiB = 1024 * 1024;
const MESSAGE_BYTES = process.env.KMS_WASM_LARGE === '1' ? 256 * MiB : 48 * MiB;
/** What the page may retain beyond its baseline while a message streams through it. */
const HEAP_BOUND = 16 * MiB;
const wrappingKey = crypto.getRandomValues(new Uint8Array(32));
const keyrings = rawAesPair(wrappingKey);
const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/** Plaintext byte at offset o is o mod 251 (a period prime to every chunk and frame size), so any misplaced byte shows. */
function* patternChunks(total: number, chunk = MiB): Generator<Uint8Array> {
  for (let at = 0; at < total; at += chunk) {
    const bytes = new Uint8Array(Math.min(chunk, total - at));
    for (let i = 0; i < bytes.length; i++) bytes[i] = (at + i) % 251;
    yield bytes;
  }
}

function serve(): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === '/dist/index.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(root + 'dist/browser.js'));
    } else if (request.url === '/blank') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><title>blank</title>');
    } else if (request.url === '/esdk-message') {
      // Encrypted as it is sent: neither side ever holds the whole message.
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const encrypt = esdk.encryptStream(keyrings.theirs, { suiteId: 0x0478, encryptionContext: { origin: 'node' } });
      pipeline(Readable.from(patternChunks(MESSAGE_BYTES)), encrypt, response).catch(() => response.destroy());
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface StreamReport { bytes: number; intact: boolean; baseline: number; peak: number; samples: number }

describe(`AWS Encryption SDK streams in Chromium (${MESSAGE_BYTES / MiB} MiB)`, () => {
  let server: Server;
  let browser: Browser;

  beforeAll(async () => {
    server = await serve();
    browser = await launchChromium(['--js-flags=--expose-gc', '--enable-precise-memory-info']);
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('decrypts an Encryption SDK message from fetch() and round trips its own, every byte checked, the heap bounded', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/blank`);
    // A string, not a function: the test transform must not touch code that runs in the page.
    const reports = await page.evaluate(`(async ({ total, wrappingKey }) => {
      const lib = await import('/dist/index.js');
      await lib.ready();
      const keyring = new lib.RawAesKeyring({ keyNamespace: 'kms-wasm-test', keyName: 'aes-key-1',
        wrappingKey: Uint8Array.from(atob(wrappingKey), (c) => c.charCodeAt(0)) });
      const MiB = 1024 * 1024;
      // Retained bytes: garbage collected (twice, around a task, so array buffers are swept too).
      const retained = async () => {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 0));
        gc();
        return performance.memory.usedJSHeapSize;
      };
      const plaintextSource = () => {
        let at = 0;
        return new ReadableStream({
          pull(controller) {
            if (at >= total) return controller.close();
            const bytes = new Uint8Array(Math.min(MiB, total - at));
            for (let i = 0; i < bytes.length; i++) bytes[i] = (at + i) % 251;
            at += bytes.length;
            controller.enqueue(bytes);
          },
        });
      };
      const consume = async (stream) => {
        const baseline = await retained();
        let bytes = 0, intact = true, peak = baseline, samples = 0, nextSample = 16 * MiB;
        for await (const chunk of stream) {
          for (let i = 0; i < chunk.length; i++) if (chunk[i] !== (bytes + i) % 251) { intact = false; break; }
          bytes += chunk.length;
          if (bytes >= nextSample) {
            peak = Math.max(peak, await retained());
            samples++;
            nextSample += 16 * MiB;
          }
        }
        return { bytes, intact, baseline, peak, samples };
      };
      const fromNode = await fetch('/esdk-message');
      const decrypted = await consume(fromNode.body.pipeThrough(lib.awsEsdkDecryptStream({ keyring })));
      const roundTrip = await consume(plaintextSource()
        .pipeThrough(lib.awsEsdkEncryptStream({ keyring, encryptionContext: { origin: 'page' } }))
        .pipeThrough(lib.awsEsdkDecryptStream({ keyring })));
      return [decrypted, roundTrip];
    })(${JSON.stringify({ total: MESSAGE_BYTES, wrappingKey: Buffer.from(wrappingKey).toString('base64') })})`) as StreamReport[];
    await page.close();
    expect(pageErrors).toEqual([]);
    for (const report of reports) {
      expect(report.bytes).toBe(MESSAGE_BYTES);
      expect(report.intact).toBe(true);
      expect(report.samples).toBe(Math.floor(MESSAGE_BYTES / (16 * MiB)));
      expect(report.peak - report.baseline, `retained ${report.peak - report.baseline} bytes`).toBeLessThan(HEAP_BOUND);
    }
  }, 600_000);
});
