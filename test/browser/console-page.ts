// The console's browser tests' set-up: an in-process `kms-wasm serve` with the built console, a
// headless Chromium page open on /console/, and every script error, CSP violation or failed load
// the page reports. Await it in a describe block's (async) body, so that its hooks are that block's.
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
}

/** The service starts now; the page opens (in beforeAll) once `prepare` has run against the service. */
export async function openConsole(prepare: (service: TestService) => Promise<void> = async () => undefined): Promise<ConsolePage> {
  const opened = { service: await startTestService(undefined, { consoleDir }), pageErrors: [] as string[] } as ConsolePage;
  let browser: Browser | undefined;
  beforeAll(async () => {
    await prepare(opened.service);
    browser = await launchChromium();
    opened.page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    opened.page.on('pageerror', (error) => opened.pageErrors.push(error.message));
    // A CSP violation or a failed load is reported as a console error.
    opened.page.on('console', (message) => { if (message.type() === 'error') opened.pageErrors.push(message.text()); });
    await opened.page.goto(`${opened.service.service.url}/console/`);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });
  return opened;
}
