// 4 KiB SSE-KMS put+get pairs per second on an ObjectStore with 0 and with 5,000 objects already
// stored, in memory and in a directory (issue 13: 314/s, then 87/s once 5,000 objects existed, when
// every put rewrote the whole s3-state.json). One pair after another, then 16 at a time (the
// directory store's journal shares one fsync among the calls that arrive together). Run after
// `npm run build`: node bench/probes/object-store-cost.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyManagementService, ObjectStore } from '../../dist/index.js';

const body = crypto.getRandomValues(new Uint8Array(4096));
const SECONDS = 3;

async function pairsPerSecond(s3, concurrency, seconds = SECONDS) {
  let pairs = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
    for (let i = 0; performance.now() < until; i++) {
      const Key = `bench/${worker}/${i % 64}`;
      await s3.putObject({ Bucket: 'bench', Key, Body: body, ServerSideEncryption: 'aws:kms' });
      await (await s3.getObject({ Bucket: 'bench', Key })).Body.transformToByteArray();
      pairs++;
    }
  }));
  return Math.round(pairs / seconds);
}

const rows = [];
for (const where of ['memory', 'directory']) {
  const dir = where === 'directory' ? mkdtempSync(join(tmpdir(), 'kms-wasm-bench-')) : undefined;
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const s3 = new ObjectStore({ kms, dir });
  await s3.createBucket({ Bucket: 'bench' });
  await pairsPerSecond(s3, 4, 1); // warm-up: JIT, alias/aws/s3 created, files opened
  for (const existing of [0, 5000]) {
    for (let at = 0; at < existing; at += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => s3.putObject({ Bucket: 'bench', Key: `filler/${at + j}`, Body: body, ServerSideEncryption: 'aws:kms' })));
    }
    rows.push({ store: where, existing, 'pairs/s (1 at a time)': await pairsPerSecond(s3, 1), 'pairs/s (16 at a time)': await pairsPerSecond(s3, 16) });
  }
  await s3.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
console.table(rows);
