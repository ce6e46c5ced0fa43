// QueryService in a browser: headless Chromium (Debian's package) loads a page that holds a KMS, an
// ObjectStore and a QueryService, with DuckDB WASM's asynchronous bindings as the engine (its
// database in a Worker). The page is bundled from browser-page.ts with kms-wasm's browser build
// (dist/browser.js: run `npm run build` first) and @duckdb/duckdb-wasm's browser build; DuckDB's
// worker script and .wasm are served from node_modules, as a page would serve its own copies.

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const duckdbDist = `${root}node_modules/@duckdb/duckdb-wasm/dist/`;
const PAGE = '<!doctype html><meta charset="utf-8"><title>QueryService in a page</title><script type="module" src="/page.js"></script>';

async function serve(): Promise<Server> {
  const page = (await build({
    entryPoints: [`${root}test/query/browser-page.ts`], bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'warning',
    alias: { 'kms-wasm': `${root}dist/browser.js` }, // what a browser app's bundler takes for 'kms-wasm'
  })).outputFiles[0]!.text;
  const routes = new Map<string, [string, () => string | Buffer]>([
    ['/', ['text/html', () => PAGE]],
    ['/page.js', ['text/javascript', () => page]],
    ['/duckdb/duckdb-browser-eh.worker.js', ['text/javascript', () => readFileSync(`${duckdbDist}duckdb-browser-eh.worker.js`)]],
    ['/duckdb/duckdb-eh.wasm', ['application/wasm', () => readFileSync(`${duckdbDist}duckdb-eh.wasm`)]],
  ]);
  const server = createServer((request, response) => {
    const route = routes.get(request.url ?? '');
    if (!route) response.writeHead(404).end();
    else response.writeHead(200, { 'content-type': route[0] }).end(route[1]());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface PageOutcome {
  created: string;
  select: { state: string; reason: string | null; rows: Array<Array<string | null>> };
  storedEncryption: string | null;
  sourceIntact: boolean;
  refused: { state: string; reason: string | null };
  resultKeys: string[];
  selectId: string;
  refusedId: string;
}

describe('QueryService in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  beforeAll(async () => {
    server = await serve();
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('queries SSE-KMS objects in the page with DuckDB WASM in a worker, as the caller', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => 'queryInPage' in window);
    // A string, not a function: the test transform must not touch code that runs in the page.
    const outcome = await page.evaluate('window.queryInPage()') as PageOutcome;
    expect(errors).toEqual([]);
    expect(outcome.created).toBe('SUCCEEDED');
    expect(outcome.select).toEqual({ state: 'SUCCEEDED', reason: null, rows: [['id', 'name', 'amount'], ['1', 'Ada, Countess', '10.5'], ['2', 'Grace', '20.0'], ['3', 'Linus', null]] });
    expect(outcome.storedEncryption).toBe('aws:kms');
    expect(outcome.sourceIntact).toBe(true);
    // Without kms:Decrypt on the table's key, Alice's query fails naming the object and KMS's refusal, and writes nothing.
    expect(outcome.refused.state).toBe('FAILED');
    expect(outcome.refused.reason).toMatch(/^HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3:\/\/data\/people\/part-0\.csv: .*Error Code: AccessDenied/);
    expect(outcome.resultKeys.some((key) => key.includes(outcome.refusedId))).toBe(false);
    expect(outcome.resultKeys).toContain(`athena/${outcome.selectId}.csv`);
  }, 300_000);
});
