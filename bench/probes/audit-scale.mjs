// The audit trail as it grows, with the file store: pairs/s of GenerateDataKey+Decrypt at 1, 16 and
// 256 concurrent calls (group commit shares one fsync among the calls made while a write is under
// way), then, for a log of 10,000 and 100,000 records (and 1,000,000 with --million), a new process's
// first call (open + ListKeys) and its heap, a full verification, and one from the checkpoint the
// full one returned after one more call. Pass an older build to compare (it gets the same log):
//   npm run build && node bench/probes/audit-scale.mjs [--million] [--compare /path/to/old/dist/index.js]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const args = process.argv.slice(2);
const load = (build) => import(pathToFileURL(resolve(build)).href);

if (args[0] === '--child') {
  // A fresh process on an existing log: how long the first call takes, the heap after it, and verification.
  const [, build, directory] = args;
  const lib = await load(build);
  globalThis.gc();
  const start = performance.now();
  const store = new lib.FileKeyStore({ directory });
  const kms = new lib.KeyManagementService({ account: ACCOUNT, region: REGION, store });
  await kms.listKeys();
  const firstCall = performance.now() - start;
  globalThis.gc();
  const heap = process.memoryUsage().heapUsed;
  let t = performance.now();
  const full = await kms.verifyAuditTrail();
  const fullMs = performance.now() - t;
  let incrementalMs;
  if (full.checkpoint) {
    await kms.listKeys();
    t = performance.now();
    await kms.verifyAuditTrail({ fromCheckpoint: full.checkpoint });
    incrementalMs = performance.now() - t;
  }
  await store.close();
  console.log(JSON.stringify({ firstCall, heap, fullMs, valid: full.valid, incrementalMs }));
  process.exit(0);
}

const million = args.includes('--million');
const compareAt = args.indexOf('--compare');
const builds = ['dist/index.js', ...(compareAt >= 0 ? [args[compareAt + 1]] : [])];
const self = fileURLToPath(import.meta.url);

async function pairsPerSecond(lib, concurrency) {
  const directory = mkdtempSync(join(tmpdir(), 'audit-scale-'));
  const store = new lib.FileKeyStore({ directory });
  const kms = new lib.KeyManagementService({ account: ACCOUNT, region: REGION, store });
  const { KeyMetadata } = await kms.createKey();
  let pairs = 0;
  const end = performance.now() + 2000;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const { CiphertextBlob } = await kms.generateDataKey({ KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' });
      await kms.decrypt({ CiphertextBlob });
      pairs++;
    }
  }));
  const rate = pairs / ((performance.now() - start) / 1000);
  await store.close();
  rmSync(directory, { recursive: true, force: true });
  return Math.round(rate);
}

const libs = await Promise.all(builds.map(load));
console.log('build\tconcurrent calls\tGenerateDataKey+Decrypt pairs/s (file store)');
for (const concurrency of [1, 16, 256]) {
  for (let i = 0; i < libs.length; i++) console.log(`${builds[i]}\t${concurrency}\t${await pairsPerSecond(libs[i], concurrency)}`);
}

// One log grown in stages by the current build (GenerateRandom calls, 256 at a time).
const directory = mkdtempSync(join(tmpdir(), 'audit-scale-log-'));
const stages = [10_000, 100_000, ...(million ? [1_000_000] : [])];
let records = 0;
console.log('\nrecords\tlog MiB\tbuild\tfirst call ms\theap MiB\tfull verify ms\tverify from checkpoint ms');
for (const target of stages) {
  const store = new libs[0].FileKeyStore({ directory });
  const kms = new libs[0].KeyManagementService({ account: ACCOUNT, region: REGION, store });
  while (records < target) {
    const batch = Math.min(256, target - records);
    await Promise.all(Array.from({ length: batch }, () => kms.generateRandom({ NumberOfBytes: 16 })));
    records += batch;
  }
  await store.close();
  for (const build of builds) {
    const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', self, '--child', build, directory], { encoding: 'utf8', maxBuffer: 1 << 20 }));
    records += 1 + (out.incrementalMs === undefined ? 0 : 1); // each child's calls join the log
    const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
    console.log([target, mib(statSync(join(directory, 'audit.log')).size), build, out.firstCall.toFixed(0), mib(out.heap),
      `${out.fullMs.toFixed(0)}${out.valid ? '' : ' (invalid)'}`, out.incrementalMs?.toFixed(1) ?? '-'].join('\t'));
  }
}
rmSync(directory, { recursive: true, force: true });
await Promise.all(libs.map((lib) => lib.terminateWorkers?.()));
