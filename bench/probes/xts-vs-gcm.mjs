// XTS against GCM on one thread at 1 MiB, interleaved in one process (the bench's cells come from
// passes seconds apart). Prints the median MiB/s of each. Run after `npm run build`:
// node bench/probes/xts-vs-gcm.mjs
import { randomBytes } from 'node:crypto';
import { gcm, xts } from '../../dist/index.js';

const SIZE = 1024 * 1024;
const CALLS_PER_TIMING = 8;
const ROUNDS = 15;
const plaintext = randomBytes(SIZE);
const gcmKey = randomBytes(32);
const iv = randomBytes(12);
const disk = xts(randomBytes(64));
const sealed = gcm(gcmKey, iv).encrypt(plaintext);
const sectors = disk.encryptSectors(plaintext, 0n);

const operations = {
  'gcm encrypt': () => gcm(gcmKey, iv).encrypt(plaintext),
  'xts encrypt': () => disk.encryptSectors(plaintext, 0n),
  'gcm decrypt': () => gcm(gcmKey, iv).decrypt(sealed),
  'xts decrypt': () => disk.decryptSectors(sectors, 0n),
};
const times = Object.fromEntries(Object.keys(operations).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(operations)) {
    const start = performance.now();
    for (let i = 0; i < CALLS_PER_TIMING; i++) run();
    times[name].push((performance.now() - start) / CALLS_PER_TIMING);
  }
}
for (const [name, list] of Object.entries(times)) {
  const median = list.sort((a, b) => a - b)[list.length >> 1];
  console.log(`${name}: ${(SIZE / 1024 / 1024 / (median / 1000)).toFixed(0)} MiB/s`);
}
