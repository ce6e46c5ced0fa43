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
  const { sharedMemory } = await lib.workerPoolInfo();
  if (sharedMemory !== crossOriginIsolated) failures.push(`pool shares memory: ${sharedMemory}, page cross-origin isolated: ${crossOriginIsolated}`);
  await lib.terminateWorkers();
  return failures;
}

/** The KMS, envelope and object layers in the browser: memory stores, WebCrypto RSA for BYOK, Web streams. */
async function checkServices(): Promise<string[]> {
  const failures: string[] = [];
  const expectEqual = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) failures.push(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const kms = new lib.KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const { KeyMetadata } = await kms.createKey({ Description: 'browser' });
  const { CiphertextBlob } = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new TextEncoder().encode('kms in a page'), EncryptionContext: { page: 'test' } });
  expectEqual('kms decrypt', decode((await kms.decrypt({ CiphertextBlob, EncryptionContext: { page: 'test' } })).Plaintext), 'kms in a page');
  expectEqual('audit chain', (await kms.verifyAuditTrail()).valid, true);

  const { KeyMetadata: external } = await kms.createKey({ Origin: 'EXTERNAL' });
  const params = await kms.getParametersForImport({ KeyId: external.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
  const wrappingKey = await crypto.subtle.importKey('spki', new Uint8Array(params.PublicKey), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
  const material = crypto.getRandomValues(new Uint8Array(32));
  await kms.importKeyMaterial({ KeyId: external.KeyId, ImportToken: params.ImportToken,
    EncryptedKeyMaterial: new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, wrappingKey, material)) });
  expectEqual('byok key state', (await kms.describeKey({ KeyId: external.KeyId })).KeyMetadata.KeyState, 'Enabled');

  const materials = await lib.kmsEncryptionMaterials(kms, { KeyId: KeyMetadata.KeyId, EncryptionContext: { file: 'upload.bin' } });
  const file = new Uint8Array(300_000).map((_, i) => i % 251);
  const sealed = new Blob([file]).stream().pipeThrough(lib.encryptStream(materials));
  let received = 0;
  let intact = true;
  for await (const chunk of sealed.pipeThrough(lib.decryptStream(lib.kmsDataKeyResolver(kms))) as unknown as AsyncIterable<Uint8Array>) {
    for (let i = 0; i < chunk.length; i += 997) if (chunk[i] !== (received + i) % 251) intact = false;
    received += chunk.length;
  }
  expectEqual('envelope stream', [received, intact], [file.length, true]);

  const s3 = new lib.ObjectStore({ kms });
  await s3.createBucket({ Bucket: 'page-bucket' });
  await s3.putObject({ Bucket: 'page-bucket', Key: 'k', Body: 'object in a page', ServerSideEncryption: 'aws:kms' });
  expectEqual('s3 sse-kms', decode((await (await s3.getObject({ Bucket: 'page-bucket', Key: 'k', Range: 'bytes=0-5' })).Body.transformToByteArray())), 'object');
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
  result.passed += 4 - poolFailures.length;
  const serviceFailures = await checkServices();
  result.failures.push(...serviceFailures);
  result.failed += serviceFailures.length;
  result.passed += 5 - serviceFailures.length;
  return result;
}

const target = window as unknown as { suiteResult?: SuiteResult; suiteError?: string };
run().then(
  (result) => { target.suiteResult = result; },
  (error: Error) => { target.suiteError = `${error.name}: ${error.message}\n${error.stack ?? ''}`; },
);
