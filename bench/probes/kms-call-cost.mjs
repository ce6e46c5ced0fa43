// What one KMS call costs as the store grows: GenerateDataKey+Decrypt pairs per second with the
// memory store and the file store holding 1, 100 and 1,000 keys, calls one after another. Pass
// several builds to compare them in one process (each is timed in turn, round by round):
//   npm run build && node bench/probes/kms-call-cost.mjs [dist/index.js ...]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const builds = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['dist/index.js'];
const KEY_COUNTS = [1, 100, 1000];
const SECONDS = 1.5;
const ROUNDS = 2;

async function kmsWith(lib, kind, keys) {
  const directory = kind === 'file' ? mkdtempSync(join(tmpdir(), 'kms-call-cost-')) : undefined;
  const store = directory ? new lib.FileKeyStore({ directory }) : new lib.MemoryKeyStore();
  const kms = new lib.KeyManagementService({ account: '111122223333', region: 'us-east-1', store });
  let keyId;
  for (let i = 0; i < keys; i++) keyId = (await kms.createKey()).KeyMetadata.KeyId;
  return { kms, keyId, close: async () => { await store.close?.(); if (directory) rmSync(directory, { recursive: true, force: true }); } };
}

async function pairsPerSecond({ kms, keyId }) {
  let pairs = 0;
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    const { CiphertextBlob } = await kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' });
    await kms.decrypt({ CiphertextBlob });
    pairs++;
  }
  return pairs / SECONDS;
}

const libs = await Promise.all(builds.map((b) => import(pathToFileURL(resolve(b)).href)));
const best = new Map();
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of ['memory', 'file']) {
    for (const keys of KEY_COUNTS) {
      for (let i = 0; i < libs.length; i++) {
        const subject = await kmsWith(libs[i], kind, keys);
        const rate = await pairsPerSecond(subject);
        await subject.close();
        const label = `${builds[i]}\t${kind}\t${keys}`;
        best.set(label, Math.max(best.get(label) ?? 0, rate));
      }
    }
  }
}
console.log('build\tstore\tkeys\tGenerateDataKey+Decrypt pairs/s (best of rounds)');
for (const [label, rate] of best) console.log(`${label}\t${Math.round(rate)}`);
await Promise.all(libs.map((lib) => lib.terminateWorkers?.()));
