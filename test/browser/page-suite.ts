// Runs in Chromium: the Wycheproof known-answer suite plus a WebCrypto differential check, against
// the built browser bundle (imported as 'kms-wasm' through the page's import map).
import * as lib from 'kms-wasm';
import { checkGcmVector, checkXtsVector, describeVector, gcmVectors, xtsVectors } from '../shared/known-answers.js';

interface SuiteResult { passed: number; failed: number; failures: string[] }

async function fetchJson(path: string) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return response.json();
}

/** gcm() against crypto.subtle AES-GCM for random keys, IVs, AADs and lengths. */
async function checkAgainstWebCrypto(cases: number): Promise<string[]> {
  const failures: string[] = [];
  for (let i = 0; i < cases; i++) {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const iv = crypto.getRandomValues(new Uint8Array(i % 4 === 0 ? 1 + (i % 60) : 12));
    const aad = crypto.getRandomValues(new Uint8Array(i % 37));
    const plaintext = crypto.getRandomValues(new Uint8Array(Math.min(65536, (i * 977) % 70000)));
    const cryptoKey = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
    const expected = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, cryptoKey, plaintext));
    const actual = lib.gcm(key, iv, aad).encrypt(plaintext);
    if (actual.length !== expected.length || actual.some((b, j) => b !== expected[j])) {
      failures.push(`WebCrypto case ${i}: iv ${iv.length}, aad ${aad.length}, text ${plaintext.length}`);
    }
  }
  return failures;
}

/** The worker pool (Web Workers) gives the same bytes as the single-thread ciphers. */
async function checkPool(): Promise<string[]> {
  const failures: string[] = [];
  const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  const key = crypto.getRandomValues(new Uint8Array(32));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plaintext = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => i * 7);
  const sealed = await lib.parallelGcm(key, iv).encrypt(plaintext);
  if (!same(sealed, lib.gcm(key, iv).encrypt(plaintext))) failures.push('parallelGcm differs from gcm');
  if (!same(await lib.parallelGcm(key, iv).decrypt(sealed), plaintext)) failures.push('parallelGcm round trip failed');
  const xtsKey = crypto.getRandomValues(new Uint8Array(64));
  const sectors = plaintext.subarray(0, 4096 * 600);
  const xtsSealed = await lib.parallelXts(xtsKey).encryptSectors(sectors, 9n);
  if (!same(xtsSealed, lib.xts(xtsKey).encryptSectors(sectors, 9n))) failures.push('parallelXts differs from xts');
  await lib.terminateWorkers();
  return failures;
}

async function run(): Promise<SuiteResult> {
  await lib.ready();
  const result: SuiteResult = { passed: 0, failed: 0, failures: [] };
  const record = (label: string, check: () => void) => {
    try {
      check();
      result.passed++;
    } catch (error) {
      result.failed++;
      result.failures.push(`${label}: ${(error as Error).message}`);
    }
  };
  for (const v of gcmVectors(await fetchJson('/vectors/wycheproof_aes_gcm_test.json'))) {
    record(`GCM ${describeVector(v)}`, () => checkGcmVector(lib, v));
  }
  for (const v of xtsVectors(await fetchJson('/vectors/wycheproof_aes_xts_test.json'))) {
    record(`XTS ${describeVector(v)}`, () => checkXtsVector(lib, v));
  }
  const webCryptoFailures = await checkAgainstWebCrypto(200);
  result.failures.push(...webCryptoFailures);
  result.failed += webCryptoFailures.length;
  result.passed += 200 - webCryptoFailures.length;
  const poolFailures = await checkPool();
  result.failures.push(...poolFailures);
  result.failed += poolFailures.length;
  result.passed += 3 - poolFailures.length;
  return result;
}

const target = window as unknown as { suiteResult?: SuiteResult; suiteError?: string };
run().then(
  (result) => { target.suiteResult = result; },
  (error: Error) => { target.suiteError = `${error.name}: ${error.message}\n${error.stack ?? ''}`; },
);
