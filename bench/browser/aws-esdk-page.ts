// Runs in Chromium for `npm run bench`: kms-wasm's Encryption SDK messages against
// @aws-crypto/client-browser (WebCrypto underneath), raw AES keyrings on one wrapping key, suite
// 0x0478, 4096-byte frames. Each side first decrypts the other's message (a fast wrong answer
// would make the ratio meaningless); then `rounds` rounds alternate the four timed calls, and the
// page reports the median milliseconds of each.
import {
  AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, RawAesKeyringWebCrypto, RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-browser';
import * as lib from 'kms-wasm';

export interface PageTiming { implementation: 'kms-wasm' | 'client-browser'; operation: 'encrypt' | 'decrypt'; bytes: number; medianMs: number }

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

async function measure(sizes: number[], rounds: number): Promise<PageTiming[]> {
  await lib.ready();
  const wrappingKey = crypto.getRandomValues(new Uint8Array(32));
  const wrappingSuite = RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING;
  const ours = new lib.RawAesKeyring({ keyNamespace: 'bench', keyName: 'aes-256', wrappingKey });
  const theirs = new RawAesKeyringWebCrypto({ keyNamespace: 'bench', keyName: 'aes-256', wrappingSuite,
    masterKey: await RawAesKeyringWebCrypto.importCryptoKey(wrappingKey.slice(), wrappingSuite) });
  const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const encryptionContext = { purpose: 'bench' };
  const suiteId = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
  const frameLength = 4096;
  const timings: PageTiming[] = [];
  for (const bytes of sizes) {
    const plaintext = new Uint8Array(bytes);
    for (let at = 0; at < bytes; at += 65536) crypto.getRandomValues(plaintext.subarray(at, Math.min(bytes, at + 65536)));
    const oursEncrypt = () => lib.encryptAwsEsdkMessage(plaintext, { keyring: ours, encryptionContext, suiteId, frameLength });
    const theirsEncrypt = () => esdk.encrypt(theirs, plaintext, { encryptionContext, suiteId, frameLength });
    const ourMessage = (await oursEncrypt()).message;
    const theirMessage = (await theirsEncrypt()).result;
    if (!same((await lib.decryptAwsEsdkMessage(theirMessage, { keyring: ours })).plaintext, plaintext)) throw new Error('kms-wasm misread client-browser');
    if (!same((await esdk.decrypt(theirs, ourMessage)).plaintext, plaintext)) throw new Error('client-browser misread kms-wasm');
    const runs: Record<string, () => Promise<unknown>> = {
      'kms-wasm encrypt': oursEncrypt,
      'client-browser encrypt': theirsEncrypt,
      'kms-wasm decrypt': () => lib.decryptAwsEsdkMessage(theirMessage, { keyring: ours }),
      'client-browser decrypt': () => esdk.decrypt(theirs, ourMessage),
    };
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
    for (let round = 0; round < rounds; round++) {
      for (const [label, run] of Object.entries(runs)) samples[label]!.push(await time(run));
    }
    for (const [label, values] of Object.entries(samples)) {
      const [implementation, operation] = label.split(' ') as [PageTiming['implementation'], PageTiming['operation']];
      timings.push({ implementation, operation, bytes, medianMs: median(values) });
    }
  }
  return timings;
}

(window as unknown as { measureAwsEsdk: typeof measure }).measureAwsEsdk = measure;
