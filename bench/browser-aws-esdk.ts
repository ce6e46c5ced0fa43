// The Chromium half of the Encryption SDK section of `npm run bench`: bench/browser/aws-esdk-page.ts
// bundled (with @aws-crypto/client-browser) and run in headless Chromium (Debian's package, as the
// browser tests use it) on a page that imports the built browser bundle dist/browser.js. Returns the page's medians
// as the same Measurement rows the Node sections print.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import type { Measurement } from '../src/cli/bench/report.js';
import { launchChromium } from '../test/helpers/chromium.js';
import type { PageTiming } from './browser/aws-esdk-page.js';

const KiB = 1024;
const MiB = 1024 * KiB;
export const BROWSER_SIZES = [4 * KiB, MiB, 16 * MiB];
const ROUNDS = 7;
const NAMES: Record<PageTiming['implementation'], string> = { 'kms-wasm': 'kms-wasm aws-esdk (Chromium)', 'client-browser': '@aws-crypto/client-browser (Chromium)' };

const PAGE = `<!doctype html><meta charset="utf-8"><title>kms-wasm Encryption SDK bench</title>
<script type="importmap">{"imports":{"kms-wasm":"/dist/index.js"}}</script>
<script type="module" src="/page.js"></script>`;

/**
 * client-browser's serializer loads asn1.js (DER for ECDSA signatures), which loads Node's `buffer`
 * through safer-buffer. The bench's suite 0x0478 signs nothing, so a stand-in that fails if called
 * is enough, rather than a Buffer polyfill among the dev dependencies.
 */
const NO_NODE_BUFFER: Plugin = {
  name: 'no-node-buffer',
  setup(bundle) {
    bundle.onResolve({ filter: /^buffer$/ }, () => ({ path: 'buffer', namespace: 'no-node-buffer' }));
    bundle.onLoad({ filter: /.*/, namespace: 'no-node-buffer' }, () => ({
      contents: "function Buffer() { throw new Error('no Node Buffer in this page'); }\nBuffer.prototype = Uint8Array.prototype;\nmodule.exports = { Buffer };",
      loader: 'js',
    }));
  },
};

/**
 * client-browser 4.x and client-node 5.x (top level) share package names, so npm nests a copy of
 * client-browser's common packages under each of its parts; bundled as they lie, those copies would
 * be different classes, and its `instanceof` checks fail across them. One copy each is taken.
 */
const ONE_COPY_EACH: Plugin = {
  name: 'one-copy-each',
  setup(bundle) {
    const home = (name: string) => readdirSync('node_modules/@aws-crypto')
      .map((part) => resolve('node_modules/@aws-crypto', part))
      .find((part) => existsSync(`${part}/node_modules/${name}/package.json`));
    bundle.onResolve({ filter: /^@aws-crypto\/(material-management|serialize|raw-keyring|kms-keyring|cache-material)$/ }, (args) => {
      if (args.pluginData === 'one copy') return undefined;
      return bundle.resolve(args.path, { kind: args.kind, resolveDir: home(args.path) ?? args.resolveDir, pluginData: 'one copy' });
    });
  },
};

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: ['bench/browser/aws-esdk-page.ts'], bundle: true, write: false, format: 'esm', platform: 'browser',
    target: 'es2022', external: ['kms-wasm'], plugins: [NO_NODE_BUFFER, ONE_COPY_EACH], logLevel: 'warning',
  });
  return result.outputFiles[0]!.text;
}

function serve(pageScript: string): Promise<Server> {
  const routes: Record<string, [string, () => string | Buffer]> = {
    '/': ['text/html', () => PAGE],
    '/page.js': ['text/javascript', () => pageScript],
    '/dist/index.js': ['text/javascript', () => readFileSync('dist/browser.js')],
  };
  const server = createServer((request, response) => {
    const route = routes[request.url ?? ''];
    if (route) response.writeHead(200, { 'content-type': route[0] }).end(route[1]());
    else response.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** kms-wasm and client-browser in one Chromium page, as rows with ratios to client-browser and kms-wasm's cycles per byte. */
export async function measureInChromium(clockHz: number): Promise<Measurement[]> {
  const server = await serve(await bundlePage());
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => 'measureAwsEsdk' in window);
    // A string, not a function, so no bundler rewrites what runs in the page.
    const timings = await page.evaluate(`window.measureAwsEsdk(${JSON.stringify(BROWSER_SIZES)}, ${ROUNDS})`) as PageTiming[];
    const rows: Measurement[] = timings.map(({ implementation, operation, bytes, medianMs }) => {
      const bytesPerSecond = bytes / (medianMs / 1000);
      return { implementation: NAMES[implementation], family: 'AWS Encryption SDK', operation, bytes, opsPerSecond: 1000 / medianMs,
        mibPerSecond: bytesPerSecond / MiB, ratio: null, cyclesPerByte: implementation === 'kms-wasm' ? clockHz / bytesPerSecond : null };
    });
    for (const row of rows) {
      const base = rows.find((r) => r.implementation === NAMES['client-browser'] && r.operation === row.operation && r.bytes === row.bytes)!;
      row.ratio = row.mibPerSecond / base.mibPerSecond;
    }
    // Rows in the Node section's order: kms-wasm's, then the reference's.
    return [...rows.filter((r) => r.implementation === NAMES['kms-wasm']), ...rows.filter((r) => r.implementation !== NAMES['kms-wasm'])];
  } finally {
    await browser.close();
    server.close();
  }
}
