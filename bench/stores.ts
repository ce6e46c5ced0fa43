// The `stores` section of `npm run bench`: KMS GenerateDataKey+Decrypt pairs per second in this
// process with the memory, file and PostgreSQL stores, at 1, 16 and 256 concurrent calls. The
// PostgreSQL store is measured when KMS_WASM_BENCH_POSTGRES (or KMS_WASM_TEST_POSTGRES, which
// .ci/run sets) is a connection string for a role that may create databases; each measurement has
// a database of its own, dropped afterwards. Durable settings throughout: the file store fsyncs, PostgreSQL commits with
// its defaults. Then PostgreSQL across processes: 1 and 2 child processes on one database, each with its
// own KMS on the same key (created before they start), at the same concurrencies per process, pairs summed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKeyStore, KeyManagementService, MemoryKeyStore, PostgresKeyStore, type KeyStore } from '../src/node.js';
import { benchDatabase, BENCH_POSTGRES_URL } from './bench-databases.js';
import { DIST, GO_SIGNAL, runWorkers } from './bench-processes.js';

const CONCURRENCY = [1, 16, 256];
const SECONDS = 2;
/**
 * Pairs run before timing starts, whatever the concurrency: enough for V8 to optimise the call
 * path (a warm-up of `concurrent` pairs left the 1-concurrent cell timing mostly unoptimised code).
 */
const WARM_UP_PAIRS = 2000;
const PROCESSES = [1, 2];

interface StoreUnderTest {
  name: string;
  open: () => Promise<{ store: KeyStore; close: () => Promise<void> }>;
}

/** Pairs per second (wall time), and this process's CPU time per pair in µs (user + system: less sensitive to a shared machine's load). */
async function pairsPerSecond(store: KeyStore, concurrent: number): Promise<{ rate: number; cpu: number }> {
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1', store });
  const { KeyMetadata } = await kms.createKey();
  const pair = async () => {
    const { CiphertextBlob, Plaintext } = await kms.generateDataKey({ KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' });
    Plaintext.fill(0);
    (await kms.decrypt({ CiphertextBlob })).Plaintext.fill(0);
  };
  let warmUp = WARM_UP_PAIRS;
  await Promise.all(Array.from({ length: concurrent }, async () => {
    while (warmUp-- > 0) await pair();
  }));
  let pairs = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + SECONDS * 1000;
  await Promise.all(Array.from({ length: concurrent }, async () => {
    while (performance.now() < end) {
      await pair();
      pairs++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { rate: pairs / seconds, cpu: (used.user + used.system) / pairs };
}

/** One process's workload: `concurrent` GenerateDataKey+Decrypt loops on `keyId` for SECONDS from the go signal; prints the pairs done. */
const kmsWorker = (url: string, rootKey: string, keyId: string, concurrent: number) => `
import * as k from ${JSON.stringify(DIST)};
const store = new k.PostgresKeyStore({ connectionString: ${JSON.stringify(url)}, rootKey: Uint8Array.from(Buffer.from('${rootKey}', 'hex')) });
const kms = new k.KeyManagementService({ account: '111122223333', region: 'us-east-1', store });
const pair = async () => {
  const { CiphertextBlob, Plaintext } = await kms.generateDataKey({ KeyId: '${keyId}', KeySpec: 'AES_256' });
  Plaintext.fill(0);
  (await kms.decrypt({ CiphertextBlob })).Plaintext.fill(0);
};
await Promise.all(Array.from({ length: ${concurrent} }, pair)); // warm-up
${GO_SIGNAL}
const end = Date.now() + ${SECONDS * 1000};
let pairs = 0;
await Promise.all(Array.from({ length: ${concurrent} }, async () => {
  while (Date.now() < end) {
    await pair();
    pairs++;
  }
}));
await store.close();
console.log(pairs);
`;

/** Pairs per second of `processes` processes on one new database and one key, started together, each warm before the clock starts. */
async function pairsPerSecondAcross(processes: number, concurrent: number): Promise<number> {
  const database = await benchDatabase();
  try {
    const rootKey = crypto.getRandomValues(new Uint8Array(32));
    const store = new PostgresKeyStore({ connectionString: database.url, rootKey });
    const { KeyMetadata } = await new KeyManagementService({ account: '111122223333', region: 'us-east-1', store }).createKey();
    await store.close();
    const counts = await runWorkers(Array.from({ length: processes },
      () => kmsWorker(database.url, Buffer.from(rootKey).toString('hex'), KeyMetadata.KeyId, concurrent)));
    return counts.reduce((a, b) => a + b, 0) / SECONDS;
  } finally {
    await database.drop();
  }
}

/** The PostgreSQL rows across processes: one per number of processes, one column per concurrency (per process). */
async function processRows(): Promise<string[]> {
  const rows: string[] = [];
  for (const processes of PROCESSES) {
    const cells: string[] = [];
    for (const concurrent of CONCURRENCY) cells.push(Math.round(await pairsPerSecondAcross(processes, concurrent)).toLocaleString('en-US'));
    rows.push(`| PostgreSQL, ${processes} process${processes === 1 ? '' : 'es'} | ${cells.join(' | ')} |`);
    process.stderr.write(`  measured the PostgreSQL store in ${processes} process(es)\n`);
  }
  return rows;
}

function storesUnderTest(): StoreUnderTest[] {
  const stores: StoreUnderTest[] = [
    { name: 'memory', open: async () => ({ store: new MemoryKeyStore(), close: async () => undefined }) },
    {
      name: 'file', open: async () => {
        const directory = mkdtempSync(join(tmpdir(), 'kms-wasm-bench-'));
        const store = new FileKeyStore({ directory });
        return { store, close: async () => { await store.close(); rmSync(directory, { recursive: true, force: true }); } };
      },
    },
  ];
  if (BENCH_POSTGRES_URL) {
    stores.push({
      name: 'PostgreSQL', open: async () => {
        const database = await benchDatabase();
        const store = new PostgresKeyStore({ connectionString: database.url, rootKey: crypto.getRandomValues(new Uint8Array(32)) });
        return {
          store, close: async () => {
            await store.close();
            await database.drop();
          },
        };
      },
    });
  }
  return stores;
}

/** The section's Markdown: one row per store, one column per concurrency. */
export async function storesSection(): Promise<string> {
  const stores = storesUnderTest();
  const rows: string[] = [];
  for (const { name, open } of stores) {
    const cells: string[] = [];
    for (const concurrent of CONCURRENCY) {
      const { store, close } = await open();
      try {
        const { rate, cpu } = await pairsPerSecond(store, concurrent);
        cells.push(`${Math.round(rate).toLocaleString('en-US')} (${Math.round(cpu)} µs)`);
      } finally {
        await close();
      }
    }
    rows.push(`| ${name} | ${cells.join(' | ')} |`);
    process.stderr.write(`  measured the ${name} store\n`);
  }
  const acrossProcesses = BENCH_POSTGRES_URL ? await processRows() : [];
  return [
    '## Stores',
    '',
    `KMS GenerateDataKey+Decrypt pairs per second in one process, by concurrent calls (${SECONDS} s each); in parentheses, this`,
    'process\'s CPU time per pair (user + system), which depends far less than the rate on what else the machine runs.',
    '',
    `| store | ${CONCURRENCY.map((c) => `${c} concurrent`).join(' | ')} |`,
    `| --- | ${CONCURRENCY.map(() => '---:').join(' | ')} |`,
    ...rows,
    '',
    ...(acrossProcesses.length === 0 ? [] : [
      'PostgreSQL shared by child processes (the built package), each with its own KMS on one key made before they start,',
      `at the concurrency above in each process, ${SECONDS} s; pairs per second summed over the processes.`,
      '',
      `| store | ${CONCURRENCY.map((c) => `${c} concurrent`).join(' | ')} |`,
      `| --- | ${CONCURRENCY.map(() => '---:').join(' | ')} |`,
      ...acrossProcesses,
      '',
    ]),
    stores.some((s) => s.name === 'PostgreSQL') ? '' : 'PostgreSQL not measured: set KMS_WASM_BENCH_POSTGRES to a connection string.\n',
  ].join('\n');
}
