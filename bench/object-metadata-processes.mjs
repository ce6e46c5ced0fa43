// PUTs per second into one bucket with the ObjectStore's metadata in a directory (one process: the
// directory store's limit) and on PostgreSQL with 1 and 2 processes sharing it (each process 16
// concurrent PUTs of 1 KiB, SSE-S3, random keys, for 5 s; bodies in one directory). Runs the built
// package (`npm run build` first) against KMS_WASM_BENCH_POSTGRES or KMS_WASM_TEST_POSTGRES (a role
// that may create databases; each measurement gets its own database, dropped afterwards):
//   KMS_WASM_TEST_POSTGRES=postgres://… node bench/object-metadata-processes.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const SECONDS = 5;
const CONCURRENT = 16;
const url = process.env.KMS_WASM_BENCH_POSTGRES ?? process.env.KMS_WASM_TEST_POSTGRES;
if (!url) throw new Error('set KMS_WASM_BENCH_POSTGRES or KMS_WASM_TEST_POSTGRES to a connection string');

/** One process's workload: prints the PUTs it completed once `start` (an epoch ms) + SECONDS has passed. */
const worker = (store, start) => `
import * as k from ${JSON.stringify(DIST)};
const kms = new k.KeyManagementService({ account: '111122223333', region: 'us-east-1' });
const s3 = new k.ObjectStore({ kms, ${store} });
await s3.createBucket({ Bucket: 'bench' }).catch((e) => { if (e.name !== 'BucketAlreadyOwnedByYou') throw e; });
const body = new Uint8Array(1024);
await new Promise((resolve) => setTimeout(resolve, ${start} - Date.now()));
const end = ${start} + ${SECONDS * 1000};
let puts = 0;
await Promise.all(Array.from({ length: ${CONCURRENT} }, async () => {
  while (Date.now() < end) {
    await s3.putObject({ Bucket: 'bench', Key: crypto.randomUUID(), Body: body, ServerSideEncryption: 'AES256' });
    puts++;
  }
}));
await s3.close();
console.log(puts);
`;

function run(body) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', body], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.on('close', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`worker exited with ${code}`))));
  });
}

async function admin(statement) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function measure(name, processes, store) {
  const start = Date.now() + 3000; // every process opened and warm before the clock starts
  const counts = await Promise.all(Array.from({ length: processes }, () => run(worker(store, start))));
  const perSecond = counts.reduce((a, b) => a + b, 0) / SECONDS;
  console.log(`| ${name} | ${processes} | ${Math.round(perSecond)} |`);
}

console.log(`| metadata | processes | PUTs/s (1 KiB, SSE-S3, ${CONCURRENT} concurrent per process) |\n| --- | --- | --- |`);
const dir = mkdtempSync(join(tmpdir(), 'kms-wasm-bench-s3-'));
await measure('directory', 1, `dir: ${JSON.stringify(dir)}`);
rmSync(dir, { recursive: true, force: true });
for (const processes of [1, 2]) {
  const database = `kms_wasm_bench_${crypto.randomUUID().replaceAll('-', '')}`;
  const bodies = mkdtempSync(join(tmpdir(), 'kms-wasm-bench-s3-'));
  await admin(`CREATE DATABASE ${database}`);
  const target = new URL(url);
  target.pathname = `/${database}`;
  const rootKey = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
  try {
    await measure('PostgreSQL', processes, `store: new k.PostgresObjectMetadata({ connectionString: ${JSON.stringify(target.toString())},
      rootKey: Uint8Array.from(Buffer.from('${rootKey}', 'hex')), bodies: ${JSON.stringify(bodies)} })`);
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    rmSync(bodies, { recursive: true, force: true });
  }
}
