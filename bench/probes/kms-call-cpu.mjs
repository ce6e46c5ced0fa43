// CPU time per KMS call, less sensitive to a shared machine's load than wall time: GenerateDataKey+
// Decrypt pairs with the memory and file stores at 1 and 256 concurrent calls, measured with
// process.cpuUsage (user + system µs per pair). Pass several builds to compare them side by side in
// one process (each is measured in turn, round by round; the best round is kept):
//   npm run build && node bench/probes/kms-call-cpu.mjs [dist/index.js other/index.js ...]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const builds = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['dist/index.js'];
const PAIRS = Number(process.env.PAIRS ?? 4000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const STORES = (process.env.STORES ?? 'memory,file').split(',');
const CONCURRENCY = (process.env.CONCURRENCY ?? '1,256').split(',').map(Number);

async function open(lib, kind) {
  const directory = kind === 'file' ? mkdtempSync(join(tmpdir(), 'kms-call-cpu-')) : undefined;
  const store = directory ? new lib.FileKeyStore({ directory }) : new lib.MemoryKeyStore();
  const kms = new lib.KeyManagementService({ account: '111122223333', region: 'us-east-1', store });
  const keyId = (await kms.createKey()).KeyMetadata.KeyId;
  return { kms, keyId, close: async () => { await store.close?.(); if (directory) rmSync(directory, { recursive: true, force: true }); } };
}

/** CPU µs and wall µs per pair over `PAIRS` pairs run `concurrent` at a time. */
async function measure({ kms, keyId }, concurrent) {
  const pair = async () => {
    const { CiphertextBlob, Plaintext } = await kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' });
    Plaintext.fill(0);
    (await kms.decrypt({ CiphertextBlob })).Plaintext.fill(0);
  };
  let warmUp = 2000; // enough pairs for V8 to optimise the call path, whatever the concurrency
  await Promise.all(Array.from({ length: concurrent }, async () => {
    while (warmUp-- > 0) await pair();
  }));
  let left = PAIRS;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrent }, async () => {
    while (left > 0) { left--; await pair(); }
  }));
  const wall = (performance.now() - started) * 1000;
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / PAIRS, wall: wall / PAIRS };
}

const libs = await Promise.all(builds.map((b) => import(pathToFileURL(resolve(b)).href)));
const best = new Map();
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of STORES) {
    for (const concurrent of CONCURRENCY) {
      for (let i = 0; i < libs.length; i++) {
        const subject = await open(libs[i], kind);
        const { cpu, wall } = await measure(subject, concurrent);
        await subject.close();
        const label = `${kind}\t${concurrent}\t${builds[i]}`;
        const was = best.get(label);
        best.set(label, { cpu: Math.min(was?.cpu ?? Infinity, cpu), wall: Math.min(was?.wall ?? Infinity, wall) });
      }
    }
  }
}
console.log('store\tconcurrent\tbuild\tCPU µs/pair\twall µs/pair\tpairs/s (wall)');
for (const [label, { cpu, wall }] of best) console.log(`${label}\t${cpu.toFixed(1)}\t${wall.toFixed(1)}\t${Math.round(1e6 / wall)}`);
await Promise.all(libs.map((lib) => lib.terminateWorkers?.()));
