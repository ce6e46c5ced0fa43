// The known-answer suite in headless Chromium (Debian's package, driven by playwright-core), loading
// kms-wasm as a browser app gets it: bundled by esbuild with its defaults from the package's default
// entry (scripts/browser-bundle.mjs), served on 127.0.0.1 as /kms-wasm.js: proof that the embedded
// WASM loader works where users run it, with no fs path and no fetch of a .wasm file.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleForBrowser } from '../../scripts/browser-bundle.mjs';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vectorsDir } from '../helpers/vectors.js';
import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { pemToDer, rawAesPair, rawRsaPair, rsaPemKeys } from '../helpers/aws-esdk-keyrings.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const VECTOR_FILES = ['wycheproof_aes_gcm_test.json', 'wycheproof_aes_xts_test.json'];
const PAGE = `<!doctype html><meta charset="utf-8"><title>kms-wasm known answers</title>
<script type="importmap">{"imports":{"kms-wasm":"/kms-wasm.js"}}</script>
<script type="module" src="/page-suite.js"></script>`;

async function bundlePageSuite(): Promise<string> {
  const result = await build({
    entryPoints: [root + 'test/browser/page-suite.ts'],
    bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2022', external: ['kms-wasm'],
  });
  return result.outputFiles[0]!.text;
}

/** A page that loads nothing, so that the test sees what importing the package changes. */
const BLANK_PAGE = '<!doctype html><meta charset="utf-8"><title>blank</title>';

/** Headers that make a page cross-origin isolated, which lets the pool share memory with its workers. */
const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

function serve(pageSuite: string, library: string): Promise<Server> {
  const routes = new Map<string, [string, () => string | Buffer, Record<string, string>?]>([
    ['/', ['text/html', () => PAGE]],
    ['/isolated', ['text/html', () => PAGE, ISOLATION_HEADERS]],
    ['/page-suite.js', ['text/javascript', () => pageSuite]],
    ['/blank', ['text/html', () => '<!doctype html><meta charset="utf-8"><title>blank</title>']],
    ['/kms-wasm.js', ['text/javascript', () => library]],
    ['/blank', ['text/html', () => BLANK_PAGE]],
    ['/global-changes.js', ['text/javascript', () => readFileSync(root + 'test/helpers/global-changes.js')]],
    ...VECTOR_FILES.map((f): [string, [string, () => Buffer]] => [`/vectors/${f}`, ['application/json', () => readFileSync(vectorsDir + f)]]),
  ]);
  const server = createServer((request, response) => {
    const route = routes.get(request.url ?? '');
    if (!route) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': route[0], ...route[2] }).end(route[1]());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('headless Chromium', () => {
  let server: Server;
  let browser: Browser;

  beforeAll(async () => {
    server = await serve(await bundlePageSuite(), (await bundleForBrowser("export * from 'kms-wasm';\n")).code);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  // The plain page's pool posts parts to its workers; the isolated page's shares memory with them.
  it.each(['/', '/isolated'])('at %s: passes the Wycheproof suite, matches WebCrypto, runs the worker pool, the KMS, envelopes and the object store, loading the bundled package', async (path) => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}${path}`);
    await page.waitForFunction(() => {
      const w = window as unknown as { suiteResult?: unknown; suiteError?: unknown };
      return w.suiteResult !== undefined || w.suiteError !== undefined;
    }, undefined, { timeout: 60_000 });
    const { suiteResult, suiteError } = await page.evaluate(() => {
      const w = window as unknown as { suiteResult?: { passed: number; failed: number; failures: string[] }; suiteError?: string };
      return { suiteResult: w.suiteResult, suiteError: w.suiteError };
    });
    expect(pageErrors).toEqual([]);
    expect(suiteError).toBeUndefined();
    expect(suiteResult!.failures).toEqual([]);
    expect(suiteResult!.passed).toBe(105 + 41 + 200 + 4 + 5);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(path === '/isolated');
    await page.close();
  });

  // window.onmessage would receive every message posted to the page, from any frame or opener.
  it('importing the bundled package changes no global of the page (no onmessage), nor does running the worker pool', async () => {
    const page = await browser.newPage();
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/blank`);
    // A string, not a function: the test runner would rewrite a function's import() before Playwright sends it.
    const changes = await page.evaluate("import('/global-changes.js').then((m) => m.globalChanges('/kms-wasm.js'))");
    expect(changes).toEqual({ onImport: [], afterPool: [], roundTrip: true });
    await page.close();
  });

  // The Encryption SDK for JavaScript on Node makes messages the page decrypts with kms-wasm (raw AES
  // and raw RSA keyrings, WebCrypto RSA, the JavaScript SHA-384), and decrypts the page's messages.
  it('decrypts AWS Encryption SDK messages made in Node and makes messages the Encryption SDK decrypts', async () => {
    const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const wrappingKey = crypto.getRandomValues(new Uint8Array(32));
    const pairs = { aes: rawAesPair(wrappingKey), rsa: await rawRsaPair() };
    const plaintext = new Uint8Array(100_003).map((_, i) => (i * 31) % 251);
    const context = { origin: 'node' };
    const fromNode: { kind: 'aes' | 'rsa'; message: string }[] = [];
    for (const kind of ['aes', 'rsa'] as const) {
      for (const suiteId of [0x0478, 0x0578]) {
        const { result } = await esdk.encrypt(pairs[kind].theirs, plaintext, { suiteId: suiteId as AlgorithmSuiteIdentifier, encryptionContext: context });
        fromNode.push({ kind, message: Buffer.from(result).toString('base64') });
      }
    }
    const input = {
      fromNode, plaintext: Buffer.from(plaintext).toString('base64'), wrappingKey: Buffer.from(wrappingKey).toString('base64'),
      spki: Buffer.from(pemToDer(rsaPemKeys().publicKey)).toString('base64'), pkcs8: Buffer.from(pemToDer(rsaPemKeys().privateKey)).toString('base64'),
    };
    const page = await browser.newPage();
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/blank`);
    // A string, not a function: the test transform must not touch code that runs in the page.
    const output = await page.evaluate(`(async (input) => {
      const lib = await import('/kms-wasm.js');
      await lib.ready();
      const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const base64 = (u8) => { let s = ''; for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000)); return btoa(s); };
      const algorithm = { name: 'RSA-OAEP', hash: 'SHA-256' };
      const keyrings = {
        aes: new lib.RawAesKeyring({ keyNamespace: 'kms-wasm-test', keyName: 'aes-key-1', wrappingKey: bytes(input.wrappingKey) }),
        rsa: new lib.RawRsaKeyring({ keyNamespace: 'kms-wasm-test', keyName: 'rsa-key-1',
          publicKey: await crypto.subtle.importKey('spki', bytes(input.spki), algorithm, false, ['encrypt']),
          privateKey: await crypto.subtle.importKey('pkcs8', bytes(input.pkcs8), algorithm, false, ['decrypt']) }),
      };
      const decrypted = [];
      for (const { kind, message } of input.fromNode) {
        const parts = [];
        const stream = new Blob([bytes(message)]).stream().pipeThrough(lib.awsEsdkDecryptStream({ keyring: keyrings[kind] }));
        for await (const chunk of stream) parts.push(chunk);
        decrypted.push(base64(new Uint8Array(await new Blob(parts).arrayBuffer())));
      }
      const made = [];
      for (const kind of ['aes', 'rsa']) {
        for (const suiteId of [0x0478, 0x0578]) {
          const { message } = await lib.encryptAwsEsdkMessage(bytes(input.plaintext), { keyring: keyrings[kind], suiteId, encryptionContext: { origin: 'page' } });
          made.push({ kind, suiteId, message: base64(message) });
        }
      }
      return { decrypted, made };
    })(${JSON.stringify(input)})`) as { decrypted: string[]; made: { kind: 'aes' | 'rsa'; suiteId: number; message: string }[] };
    await page.close();
    expect(output.decrypted).toEqual(fromNode.map(() => input.plaintext));
    expect(output.made).toHaveLength(4);
    for (const { kind, suiteId, message } of output.made) {
      const { plaintext: opened, messageHeader } = await esdk.decrypt(pairs[kind].theirs, Buffer.from(message, 'base64'));
      expect(Buffer.from(opened).equals(Buffer.from(plaintext)), `${kind} 0x${suiteId.toString(16)}`).toBe(true);
      expect(messageHeader.suiteId).toBe(suiteId);
      expect(messageHeader.encryptionContext).toMatchObject({ origin: 'page' });
    }
  });
  // IndexedDbKeyStore: a page's keys, aliases and audit trail survive a reload; a record altered in
  // the database, or a wrong passphrase, is refused (StoreIntegrityError), as FileKeyStore refuses them.
  it('IndexedDbKeyStore: keys survive a reload, sealed: an altered record or a wrong passphrase is refused', async () => {
    const page = await browser.newPage();
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/blank`);
    // Strings, not functions: the test transform must not touch code that runs in the page.
    const made = await page.evaluate(`(async () => {
      const lib = await import('/kms-wasm.js');
      await lib.ready();
      const results = {};
      for (const [name, passphrase] of [['random-root', undefined], ['passphrase-root', 'correct horse battery']]) {
        const store = new lib.IndexedDbKeyStore({ name, passphrase });
        const kms = new lib.KeyManagementService({ account: '111122223333', region: 'us-east-1', store });
        const { KeyMetadata } = await kms.createKey({ Description: 'survives a reload' });
        await kms.createAlias({ AliasName: 'alias/page', TargetKeyId: KeyMetadata.KeyId });
        const { CiphertextBlob } = await kms.encrypt({ KeyId: 'alias/page', Plaintext: new TextEncoder().encode('kept') });
        await store.close();
        results[name] = { keyId: KeyMetadata.KeyId, blob: Array.from(CiphertextBlob) };
      }
      return results;
    })()`) as Record<string, { keyId: string; blob: number[] }>;
    await page.reload();
    const reopened = await page.evaluate(`(async (made) => {
      const lib = await import('/kms-wasm.js');
      await lib.ready();
      const failure = (promise) => promise.then(() => 'accepted', (error) => error.name);
      const results = {};
      for (const [name, passphrase] of [['random-root', undefined], ['passphrase-root', 'correct horse battery']]) {
        const store = new lib.IndexedDbKeyStore({ name, passphrase });
        const kms = new lib.KeyManagementService({ account: '111122223333', region: 'us-east-1', store });
        const { Plaintext, KeyId } = await kms.decrypt({ CiphertextBlob: new Uint8Array(made[name].blob) });
        results[name] = {
          plaintext: new TextDecoder().decode(Plaintext), keyId: KeyId,
          aliases: (await kms.listAliases({})).Aliases.map((a) => a.AliasName),
          audit: await kms.verifyAuditTrail(),
          events: (await kms.listAuditRecords({})).map((r) => r.eventName),
        };
        await store.close();
      }
      const wrong = new lib.KeyManagementService({ account: '111122223333', region: 'us-east-1',
        store: new lib.IndexedDbKeyStore({ name: 'passphrase-root', passphrase: 'not the passphrase' }) });
      results.wrongPassphrase = await failure(wrong.listKeys({}));
      // Flip one byte of the stored key record, as anything with access to the page's storage could.
      const db = await new Promise((resolve, reject) => { const r = indexedDB.open('random-root'); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
      await new Promise((resolve, reject) => {
        const tx = db.transaction('keys', 'readwrite');
        const keys = tx.objectStore('keys');
        keys.getAll().onsuccess = (event) => { const row = event.target.result[0]; row.sealed[40] ^= 1; keys.put(row); };
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
      const altered = new lib.KeyManagementService({ account: '111122223333', region: 'us-east-1', store: new lib.IndexedDbKeyStore({ name: 'random-root' }) });
      results.altered = await failure(altered.listKeys({}));
      return results;
    })(${JSON.stringify(made)})`) as Record<string, unknown>;
    await page.close();
    for (const name of ['random-root', 'passphrase-root']) {
      expect(reopened[name]).toMatchObject({
        plaintext: 'kept', keyId: expect.stringContaining(made[name]!.keyId), aliases: ['alias/page'],
        audit: { valid: true, records: 5 }, events: ['CreateKey', 'CreateAlias', 'Encrypt', 'Decrypt', 'ListAliases'],
      });
    }
    expect(reopened.wrongPassphrase).toBe('StoreIntegrityError');
    expect(reopened.altered).toBe('StoreIntegrityError');
  });
});
