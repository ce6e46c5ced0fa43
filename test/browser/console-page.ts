// The console's browser tests' set-up: an in-process `kms-wasm serve` with the built console, a
// headless Chromium page open on /console/, and every script error, CSP violation or failed load
// the page reports. Await it in a describe block's (async) body, so that its hooks are that block's.
import { connect, createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { startTestService, type TestService } from '../service/service-fixture.js';

export const consoleDir = fileURLToPath(new URL('../../dist/console/', import.meta.url));

export interface ConsolePage {
  service: TestService;
  page: Page;
  pageErrors: string[];
  /** With `recordWire`: every byte the browser sent to the service, as it crossed the wire (bodies the DevTools protocol does not show, such as Blobs, included). */
  sent: Buffer[];
}

/** A loopback relay to `port` that keeps every byte clients send through it. */
async function recordingRelay(port: number, sent: Buffer[]): Promise<{ server: Server; url: string }> {
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    client.on('data', (bytes) => sent.push(bytes));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * The service starts now; the page opens (in beforeAll) once `prepare` has run against the service.
 * With `recordWire`, the page reaches the service through a relay that keeps what the browser sends.
 */
export async function openConsole(prepare: (service: TestService) => Promise<void> = async () => undefined, options: { recordWire?: boolean } = {}): Promise<ConsolePage> {
  const opened = { service: await startTestService(undefined, { consoleDir }), pageErrors: [] as string[], sent: [] as Buffer[] } as ConsolePage;
  const relay = options.recordWire ? await recordingRelay(opened.service.service.port, opened.sent) : undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    await prepare(opened.service);
    browser = await launchChromium();
    opened.page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    opened.page.on('pageerror', (error) => opened.pageErrors.push(error.message));
    // A CSP violation or a failed load is reported as a console error.
    opened.page.on('console', (message) => { if (message.type() === 'error') opened.pageErrors.push(message.text()); });
    await opened.page.goto(`${relay?.url ?? opened.service.service.url}/console/`);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    relay?.server.close();
  });
  return opened;
}
