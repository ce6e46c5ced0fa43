// The object stores part of the `stores` section of `npm run bench` (`npm run bench -- --stores`):
// PUTs per second into one bucket with the ObjectStore's metadata in a directory (one process: the
// directory store's limit) and on PostgreSQL shared by 1 and 2 processes, bodies in a directory or
// in the database. Each process runs 16
// concurrent PUTs of 1 KiB, SSE-S3, random keys, for 5 s; bodies in one directory. The processes run
// the built package (dist/, which `npm run bench` builds first).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDatabase, BENCH_POSTGRES_URL } from './bench-databases.js';
import { DIST, GO_SIGNAL, runWorkers } from './bench-processes.js';

const SECONDS = 5;
const CONCURRENT = 16;

/** One process's workload (`store`: the ObjectStore option naming its metadata); prints the PUTs done in SECONDS from the go signal. */
const worker = (store: string) => `
import * as k from ${JSON.stringify(DIST)};
const kms = new k.KeyManagementService({ account: '111122223333', region: 'us-east-1' });
const s3 = new k.ObjectStore({ kms, ${store} });
await s3.createBucket({ Bucket: 'bench' }).catch((e) => { if (e.name !== 'BucketAlreadyOwnedByYou') throw e; });
const body = new Uint8Array(1024);
${GO_SIGNAL}
const end = Date.now() + ${SECONDS * 1000};
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

/** PUTs per second of `processes` processes started together, every one opened and warm before the clock starts. */
async function putsPerSecond(processes: number, store: string): Promise<number> {
  const counts = await runWorkers(Array.from({ length: processes }, () => worker(store)));
  return counts.reduce((a, b) => a + b, 0) / SECONDS;
}

/** The section's Markdown: one row per metadata store and number of processes. */
export async function objectStoresSection(): Promise<string> {
  const rows: string[] = [];
  const row = (name: string, processes: number, perSecond: number) => rows.push(`| ${name} | ${processes} | ${Math.round(perSecond).toLocaleString('en-US')} |`);
  const dir = mkdtempSync(join(tmpdir(), 'kms-wasm-bench-s3-'));
  try {
    row('directory', 1, await putsPerSecond(1, `dir: ${JSON.stringify(dir)}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [where, processes] of BENCH_POSTGRES_URL ? [['directory', 1], ['directory', 2], ['database', 1], ['database', 2]] as const : []) {
    const database = await benchDatabase();
    const bodies = mkdtempSync(join(tmpdir(), 'kms-wasm-bench-s3-'));
    const rootKey = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
    try {
      row(`PostgreSQL, bodies in the ${where}`, processes, await putsPerSecond(processes, `store: new k.PostgresObjectMetadata({ connectionString: ${JSON.stringify(database.url)},
        rootKey: Uint8Array.from(Buffer.from('${rootKey}', 'hex')), bodies: ${where === 'directory' ? JSON.stringify(bodies) : 'undefined'} })`));
    } finally {
      await database.drop();
      rmSync(bodies, { recursive: true, force: true });
    }
  }
  process.stderr.write('  measured the object stores\n');
  return [
    `ObjectStore PUTs per second into one bucket (1 KiB, SSE-S3, ${CONCURRENT} concurrent per process, ${SECONDS} s), by where the metadata lives.`,
    '',
    '| metadata | processes | PUTs/s |',
    '| --- | ---: | ---: |',
    ...rows,
    '',
  ].join('\n');
}
