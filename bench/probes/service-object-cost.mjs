// 64 MiB PutObject and GetObject through `kms-wasm serve` (a child on loopback, a new directory) with
// @aws-sdk/client-s3: MiB/s of each, the server's CPU time per MiB (all its threads: /proc/PID/stat)
// and its main thread's (/proc/PID/task/PID/stat: with --worker-pool the sealing leaves it, and its
// time per MiB bounds MiB/s when the other cores are free). On a shared machine MiB/s moves with the
// load; CPU per MiB, and MiB/s of two builds run interleaved, are the figures to compare.
//
//   npm run build && node bench/probes/service-object-cost.mjs [mode=SSE-S3|SSE-KMS|DSSE|SSE-C] [rounds=3] [MiB=64]
//   CLI=path/to/other/cli.js …        (another build; copy the whole dist/ beside it)
//   SERVE_ARGS="--pool" …             (more `serve` options)
//   NODE_EXTRA="--cpu-prof --cpu-prof-dir=/tmp/prof" …   (profile the server)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';

const credentials = { accessKeyId: 'AKIABENCHROOTKEY0001', secretAccessKey: 'bench-root-secret-0123456789abcdefghijk' };
const mode = process.argv[2] ?? 'SSE-S3', rounds = Number(process.argv[3] ?? 3), bytes = Number(process.argv[4] ?? 64) * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'kms-wasm-object-cost-'));
const extra = (process.env.NODE_EXTRA ?? '').split(' ').filter(Boolean);
const serveArgs = (process.env.SERVE_ARGS ?? '').split(' ').filter(Boolean);
const child = spawn(process.execPath, [...extra, process.env.CLI ?? 'dist/cli.js', 'serve', '--dir', dir, '--port', '0', '--quiet', ...serveArgs], {
  env: { PATH: process.env.PATH, KMS_WASM_ROOT_ACCESS_KEY_ID: credentials.accessKeyId, KMS_WASM_ROOT_SECRET_ACCESS_KEY: credentials.secretAccessKey },
  stdio: ['ignore', 'pipe', 'inherit'] });
const endpoint = await new Promise((res) => { let out = ''; child.stdout.on('data', (d) => { out += d; const m = /listening on (http:\/\/\S+)/.exec(out); if (m) res(m[1]); }); });
const common = { endpoint, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: true }) } };
const s3 = new S3Client({ ...common, forcePathStyle: true });
const kms = new KMSClient(common);
const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
const customerKey = crypto.getRandomValues(new Uint8Array(32));
const ssec = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey };
const { put, get } = {
  'SSE-S3': { put: { ServerSideEncryption: 'AES256' }, get: {} },
  'SSE-KMS': { put: { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KeyMetadata.Arn }, get: {} },
  'DSSE': { put: { ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: KeyMetadata.Arn }, get: {} },
  'SSE-C': { put: ssec, get: ssec },
}[mode];
await s3.send(new CreateBucketCommand({ Bucket: 'probe' }));
const body = new Uint8Array(bytes);
for (let at = 0; at < bytes; at += 65536) crypto.getRandomValues(body.subarray(at, at + 65536));
const ticks = (file) => { const f = readFileSync(file, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const cpu = () => [ticks(`/proc/${child.pid}/stat`), ticks(`/proc/${child.pid}/task/${child.pid}/stat`)];
const perMiB = ([all, main], [all0, main0]) => `server CPU ${((all - all0) / mib).toFixed(2)} ms/MiB (main thread ${((main - main0) / mib).toFixed(2)})`;
const mib = bytes / 1024 / 1024;
for (let round = 0; round < rounds; round++) {
  let c0 = cpu(), t0 = performance.now();
  await s3.send(new PutObjectCommand({ Bucket: 'probe', Key: 'large', Body: body, ...put }));
  const putRate = mib / ((performance.now() - t0) / 1000), putCpu = perMiB(cpu(), c0);
  c0 = cpu(); t0 = performance.now();
  let got = 0;
  for await (const chunk of (await s3.send(new GetObjectCommand({ Bucket: 'probe', Key: 'large', ...get }))).Body) got += chunk.length;
  if (got !== bytes) throw new Error(`GET: ${got} bytes`);
  const getRate = mib / ((performance.now() - t0) / 1000), getCpu = perMiB(cpu(), c0);
  console.log(`${process.env.LABEL ?? ''}${mode} ${mib} MiB: PUT ${putRate.toFixed(0)} MiB/s, ${putCpu}; GET ${getRate.toFixed(0)} MiB/s, ${getCpu}`);
}
s3.destroy(); kms.destroy(); customerKey.fill(0);
child.kill('SIGTERM'); await new Promise((r) => child.on('exit', r));
rmSync(dir, { recursive: true, force: true });
