// The public one-shot GCM of this build (dist/) against another build's (a copy of dist/ kept from
// before a change), at sizes from 64 B to 1 MiB, both ways: calls alternate between the two, and
// the best of many is kept (what a loaded machine can still time), in ns and cycles per byte at a
// clock measured in the process (the bench's dependent chain, src/cli/bench/clock.ts, repeated here
// because the probe runs on dist/ without the CLI's bench modules), before and after, the faster kept.
//
//   npm run build && node bench/probes/gcm-against.mjs other/dist [samples] [bytes …]
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [against, samplesArg, ...sizeArgs] = process.argv.slice(2);
if (!against) throw new Error('usage: node bench/probes/gcm-against.mjs other/dist [samples] [bytes …]');
const samples = Number(samplesArg ?? 100);
const sizes = (sizeArgs.length ? sizeArgs : ['64', '1024', '16384', '65536', '1048576']).map(Number);
const builds = [await import(pathToFileURL(resolve(against, 'index.js')).href), await import(new URL('../../dist/index.js', import.meta.url).href)];

/** 16 dependent one-cycle operations per iteration (see src/cli/bench/clock.ts). */
function dependentChain(iterations) {
  let x = iterations | 0;
  for (let i = 0; i < iterations; i++) {
    x = (x + i) | 0; x ^= i; x = (x + i) | 0; x ^= i; x = (x + i) | 0; x ^= i; x = (x + i) | 0; x ^= i;
    x = (x + i) | 0; x ^= i; x = (x + i) | 0; x ^= i; x = (x + i) | 0; x ^= i; x = (x + i) | 0; x ^= i;
  }
  return x;
}
function clockHz() {
  let best = Infinity, sink = 0;
  for (let run = 0; run < 40; run++) {
    const start = performance.now();
    sink ^= dependentChain(1_000_000);
    best = Math.min(best, performance.now() - start);
  }
  if (sink === 0x7fffffff) console.error('(unlikely sink value)');
  return 16e6 / (best / 1000);
}

const hzBefore = clockHz();
const [key, iv] = [randomBytes(32), randomBytes(12)];
const rows = [];
for (const bytes of sizes) {
  const plaintext = randomBytes(bytes);
  const sealed = builds[0].gcm(key, iv).encrypt(plaintext);
  if (!Buffer.from(builds[1].gcm(key, iv).encrypt(plaintext)).equals(Buffer.from(sealed))) throw new Error(`the builds disagree at ${bytes} bytes`);
  // More samples for small messages (each is quick), up to 20,000.
  const calls = Math.max(samples, Math.min(20_000, Math.round((samples * 1048576) / bytes / 20)));
  for (const [op, call] of [['encrypt', (b) => b.gcm(key, iv).encrypt(plaintext)], ['decrypt', (b) => b.gcm(key, iv).decrypt(sealed)]]) {
    const best = [Infinity, Infinity];
    for (let sample = 0; sample < calls; sample++) {
      for (let which = 0; which < 2; which++) {
        const start = process.hrtime.bigint();
        call(builds[which]);
        best[which] = Math.min(best[which], Number(process.hrtime.bigint() - start));
      }
    }
    rows.push([bytes, op, best[0] / bytes, best[1] / bytes]);
  }
}
const ghz = Math.max(hzBefore, clockHz()) / 1e9;
console.log(`clock ${ghz.toFixed(2)} GHz; best ns/byte (cycles/byte), ${against} → dist`);
for (const [bytes, op, before, after] of rows) {
  console.log(`${String(bytes).padStart(8)} B ${op}: ${before.toFixed(3)} (${(before * ghz).toFixed(1)}) → ${after.toFixed(3)} (${(after * ghz).toFixed(1)})  after/before ${(after / before).toFixed(3)}`);
}
