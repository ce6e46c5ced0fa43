// The `service` section of `npm run bench` (`npm run bench -- --service` runs it alone): a child
// `kms-wasm serve` (dist/cli.js, built by `npm run bench`) on a loopback port, so that the server and
// the clients do not share one event loop, driven by the unmodified AWS SDK clients with keep-alive:
// requests per second and latency percentiles of KMS GenerateDataKey, KMS Decrypt and an S3
// PutObject+GetObject pair of 4 KiB under SSE-KMS, at 1, 16 and 64 concurrent requests; then the same
// GenerateDataKey through a minimal SigV4-signed fetch loop, to show how much of the SDK row is the
// SDK's own cost; then 64 MiB PUT and GET in MiB/s per SSE mode, each as a ratio to a plain node:http server
// writing to the same disk (bench/plain-object-server.mjs) and to the slower of that and the crypto alone
// on one core, and the same modes from a server started with --worker-pool.
import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { CreateKeyCommand, DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { decryptMessage, encryptMessage } from '../src/envelope/index.js';

const CONCURRENCY = [1, 16, 64];
const SECONDS = 2;
const LARGE_BYTES = 64 * 1024 * 1024;
const LARGE_ROUNDS = 3;
const credentials = { accessKeyId: 'AKIABENCHROOTKEY0001', secretAccessKey: 'bench-root-secret-0123456789abcdefghijk' };

interface Server {
  url: string;
  stop: () => Promise<void>;
}

/** `kms-wasm serve --port 0 --quiet` on a new directory (or another server given the directory); resolves at its listening line. */
function startServer(argsFor: (dir: string) => string[] = (dir) => ['dist/cli.js', 'serve', '--dir', dir, '--port', '0', '--quiet']): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'kms-wasm-bench-service-'));
  const child = spawn(process.execPath, argsFor(dir), {
    env: { PATH: process.env.PATH, KMS_WASM_ROOT_ACCESS_KEY_ID: credentials.accessKeyId, KMS_WASM_ROOT_SECRET_ACCESS_KEY: credentials.secretAccessKey },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (data: Buffer) => {
      out += data.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ url, stop });
    });
    void exited.then(() => reject(new Error(`kms-wasm serve exited before listening: ${out}`)));
  });
}

interface Row {
  name: string;
  cells: string[];
}

/** `concurrent` loops calling `call` for SECONDS: requests/s (a call may be several requests) and p50/p99 ms per call. */
async function measureCalls(call: () => Promise<void>, concurrent: number): Promise<string> {
  await Promise.all(Array.from({ length: concurrent }, call)); // warm-up: connections opened
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + SECONDS * 1000;
  await Promise.all(Array.from({ length: concurrent }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await call();
      latencies.push(performance.now() - t);
    }
  }));
  const perSecond = latencies.length / ((performance.now() - started) / 1000);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
  return `${Math.round(perSecond).toLocaleString('en-US')} (${at(0.5)} / ${at(0.99)})`;
}

/** GenerateDataKey as one SigV4-signed fetch, with no SDK between: what the SDK's own cost is measured against. */
function signedGenerateDataKey(url: string, keyId: string): () => Promise<void> {
  const { host } = new URL(url);
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'kms', sha256: Sha256 });
  const body = JSON.stringify({ KeyId: keyId, KeySpec: 'AES_256' });
  return async () => {
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: host, path: '/', body,
      headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.GenerateDataKey' } });
    const { host: _host, ...headers } = signed.headers;
    const response = await fetch(url, { method: 'POST', headers, body });
    if (response.status !== 200) throw new Error(`GenerateDataKey: HTTP ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
}

async function mibPerSecond(run: () => Promise<void>): Promise<string> {
  const started = performance.now();
  await run();
  return (LARGE_BYTES / 1024 / 1024 / ((performance.now() - started) / 1000)).toFixed(0);
}

/** One PutObject then one GetObject (read as a stream) of `body`: MiB/s each. */
async function putThenGet(s3: S3Client, Key: string, body: Uint8Array, put: object, get: object): Promise<[number, number]> {
  const mib = body.length / 1024 / 1024;
  let started = performance.now();
  await s3.send(new PutObjectCommand({ Bucket: 'bench', Key, Body: body, ...put }));
  const putRate = mib / ((performance.now() - started) / 1000);
  started = performance.now();
  let bytes = 0;
  for await (const chunk of (await s3.send(new GetObjectCommand({ Bucket: 'bench', Key, ...get }))).Body as AsyncIterable<Uint8Array>) bytes += chunk.length;
  if (bytes !== body.length) throw new Error(`GET ${Key}: ${bytes} bytes`);
  return [putRate, mib / ((performance.now() - started) / 1000)];
}

/**
 * One core's worth of the crypto alone: `body` sealed and opened in this process as one message of
 * kms-wasm's framed format (what an SSE body is stored as), in MiB per second of this process's CPU
 * time: what one core does when it runs, which on a shared machine wall-clock time understates.
 */
async function cryptoOnly(body: Uint8Array): Promise<[number, number]> {
  const dataKey = crypto.getRandomValues(new Uint8Array(32));
  const mib = body.length / 1024 / 1024;
  const cpuSeconds = (since: NodeJS.CpuUsage) => {
    const { user, system } = process.cpuUsage(since);
    return (user + system) / 1e6;
  };
  try {
    let started = process.cpuUsage();
    const message = encryptMessage({ dataKey: dataKey.slice(), encryptionContext: {}, wrappedKeys: [{ providerId: 'bench', keyId: 'bench', blob: new Uint8Array(1) }] }, body);
    const sealRate = mib / cpuSeconds(started);
    started = process.cpuUsage();
    const opened = await decryptMessage(async () => dataKey.slice(), message);
    const openRate = mib / cpuSeconds(started);
    if (opened.length !== body.length) throw new Error(`crypto only: ${opened.length} bytes opened`);
    return [sealRate, openRate];
  } finally {
    dataKey.fill(0);
  }
}

/**
 * 64 MiB PUT and GET per SSE mode, the unencrypted floor (bench/plain-object-server.mjs: node:http
 * and the disk, with the same client) that each is a ratio to, and the crypto alone on one core
 * (cryptoOnly): an encrypted PUT or GET can go no faster than the slower of the two, so each row is
 * also a ratio to that ceiling (DSSE's crypto is done twice: its ceiling is half the crypto's).
 * Every row runs LARGE_ROUNDS times, interleaved, and the best of each is kept: on a shared machine
 * the worst says more about the neighbours than about the code.
 */
async function largeObjectRows(servers: Array<{ s3: S3Client; keyId: string; label: string }>, body: Uint8Array,
  common: { requestHandler: { httpAgent: Agent } }): Promise<string[]> {
  const agent = common.requestHandler.httpAgent;
  const plainServer = await startServer((dir) => ['bench/plain-object-server.mjs', dir]);
  const plain = new S3Client({ ...common, endpoint: plainServer.url, forcePathStyle: true });
  const customerKey = crypto.getRandomValues(new Uint8Array(32));
  const ssec = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey };
  const modes: Array<{ label: string; layers: number; run: () => Promise<[number, number]> }> = [
    { label: 'none (node:http and the disk: the floor)', layers: 0, run: () => putThenGet(plain, 'large/none', body, {}, {}) },
    { label: 'crypto alone (framed AES-256-GCM in process, MiB per CPU-second)', layers: 0, run: () => cryptoOnly(body) },
    ...servers.flatMap(({ s3, keyId, label }) => [
      { label: `SSE-S3${label}`, layers: 1, run: () => putThenGet(s3, 'large/SSE-S3', body, { ServerSideEncryption: 'AES256' }, {}) },
      { label: `SSE-KMS${label}`, layers: 1, run: () => putThenGet(s3, 'large/SSE-KMS', body, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyId }, {}) },
      { label: `DSSE-KMS${label}`, layers: 2, run: () => putThenGet(s3, 'large/DSSE-KMS', body, { ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: keyId }, {}) },
      { label: `SSE-C${label}`, layers: 1, run: () => putThenGet(s3, 'large/SSE-C', body, ssec, ssec) },
    ]),
  ];
  const best = modes.map(() => [0, 0]);
  try {
    for (let round = 0; round < LARGE_ROUNDS; round++) {
      for (const [i, { run }] of modes.entries()) {
        agent.destroy(); // fresh connections for each, as in the rows above
        const [putRate, getRate] = await run();
        best[i] = [Math.max(best[i]![0]!, putRate), Math.max(best[i]![1]!, getRate)];
      }
    }
  } finally {
    plain.destroy();
    customerKey.fill(0);
    await plainServer.stop();
  }
  const [floorPut, floorGet] = best[0]!;
  const [cryptoPut, cryptoGet] = best[1]!;
  return modes.map(({ label, layers }, i) => {
    const [put, get] = best[i]!;
    const ceiling = (rate: number, floor: number, crypto: number) => (layers === 0 ? '' : (rate / Math.min(floor, crypto / layers)).toFixed(2));
    return `| ${label} | ${put!.toFixed(0)} | ${get!.toFixed(0)} | ${(put! / floorPut!).toFixed(2)} | ${(get! / floorGet!).toFixed(2)} `
      + `| ${ceiling(put!, floorPut!, cryptoPut!)} | ${ceiling(get!, floorGet!, cryptoGet!)} |`;
  });
}

/** The section's Markdown. */
export async function serviceSection(): Promise<string> {
  const server = await startServer();
  try {
    const requestHandler = { httpAgent: new Agent({ keepAlive: true, maxSockets: Math.max(...CONCURRENCY) }) };
    const common = { endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler };
    const kms = new KMSClient(common);
    const s3 = new S3Client({ ...common, forcePathStyle: true });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const keyId = KeyMetadata!.Arn!;
    const { CiphertextBlob } = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const small = crypto.getRandomValues(new Uint8Array(4096));
    let sequence = 0;
    const operations: Array<{ name: string; call: () => Promise<void> }> = [
      { name: 'KMS GenerateDataKey (SDK)', call: async () => { (await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }))).Plaintext!.fill(0); } },
      { name: 'KMS GenerateDataKey (signed fetch)', call: signedGenerateDataKey(server.url, keyId) },
      { name: 'KMS Decrypt (SDK)', call: async () => { (await kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext!.fill(0); } },
      {
        name: 'S3 PutObject+GetObject 4 KiB SSE-KMS (SDK)', call: async () => {
          const Key = `small/${sequence++ % 256}`;
          await s3.send(new PutObjectCommand({ Bucket: 'bench', Key, Body: small, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyId }));
          await (await s3.send(new GetObjectCommand({ Bucket: 'bench', Key }))).Body!.transformToByteArray();
        },
      },
    ];
    const rows: Row[] = [];
    for (const { name, call } of operations) {
      const cells: string[] = [];
      for (const concurrent of CONCURRENCY) {
        // Each measurement opens its own connections: a socket left idle across measurements can reach the
        // server's keep-alive timeout (5 s) just as it is reused, and the call then fails with "socket hang up".
        requestHandler.httpAgent.destroy();
        cells.push(await measureCalls(call, concurrent));
      }
      rows.push({ name, cells });
      process.stderr.write(`  measured ${name}\n`);
    }
    const large = new Uint8Array(LARGE_BYTES);
    for (let offset = 0; offset < LARGE_BYTES; offset += 65536) crypto.getRandomValues(large.subarray(offset, offset + 65536));
    // The same rows from a second server started with --worker-pool (PutObject bodies sealed and GetObject bodies opened on the pool).
    const poolServer = await startServer((dir) => ['dist/cli.js', 'serve', '--dir', dir, '--port', '0', '--quiet', '--worker-pool']);
    let largeRows: string[];
    try {
      const poolCommon = { ...common, endpoint: poolServer.url };
      const poolS3 = new S3Client({ ...poolCommon, forcePathStyle: true });
      const poolKms = new KMSClient(poolCommon);
      await poolS3.send(new CreateBucketCommand({ Bucket: 'bench' }));
      const poolKeyId = (await poolKms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      largeRows = await largeObjectRows([{ s3, keyId, label: '' }, { s3: poolS3, keyId: poolKeyId, label: ', `serve --worker-pool`' }], large, common);
      poolS3.destroy();
      poolKms.destroy();
    } finally {
      await poolServer.stop();
    }
    process.stderr.write('  measured 64 MiB objects\n');
    kms.destroy();
    s3.destroy();
    requestHandler.httpAgent.destroy();
    return [
      '## Service',
      '',
      `\`kms-wasm serve\` as a child process on loopback, its directory on the local disk (the KMS's FileKeyStore fsyncs), driven from`,
      `this process with keep-alive connections. Calls per second by concurrent calls (${SECONDS} s each), in parentheses p50 / p99`,
      'latency in ms per call; a PutObject+GetObject row counts one pair as one call. "signed fetch" is GenerateDataKey as one',
      'SigV4-signed `fetch` with no SDK around it, beside the `@aws-sdk/client-kms` row to show the SDK\'s own share.',
      '',
      `| call | ${CONCURRENCY.map((c) => `${c} concurrent`).join(' | ')} |`,
      `| --- | ${CONCURRENCY.map(() => '---:').join(' | ')} |`,
      ...rows.map((r) => `| ${r.name} | ${r.cells.join(' | ')} |`),
      '',
      `64 MiB objects, one PutObject then one GetObject (\`@aws-sdk/client-s3\`, body from memory, read as a stream), MiB/s, best of ${LARGE_ROUNDS}`,
      'interleaved rounds, and each as a ratio to the first row: a plain node:http server writing the body to disk and fsyncing it, reading',
      'it back on GET, with no signature, checksum or crypto (bench/plain-object-server.mjs; the service itself has no unencrypted path).',
      'The crypto row is the body sealed and opened in this process, per second of its CPU time (one core\'s worth): an encrypted PUT or GET on one core can be no faster than the',
      'slower of the floor and the crypto (half the crypto for DSSE\'s two layers), and the last two columns are each row as a ratio to that.',
      'The `serve --worker-pool` rows seal PutObject bodies and open GetObject bodies on the worker pool.',
      '',
      '| encryption | PUT | GET | PUT / floor | GET / floor | PUT / min(floor, crypto) | GET / min(floor, crypto) |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...largeRows,
      '',
    ].join('\n');
  } finally {
    await server.stop();
  }
}
