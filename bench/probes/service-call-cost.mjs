// GenerateDataKey through `kms-wasm serve` (a child on loopback, a new directory) from N concurrent
// SigV4-signed fetch loops: calls/s, and the server's and this client's CPU time per call (from
// /proc/PID/stat and process.cpuUsage). CPU per call is the figure to compare between builds on a
// shared machine, where calls/s moves with the load; run old and new builds interleaved.
//
//   npm run build && node bench/probes/service-call-cost.mjs [concurrent=16] [seconds=5]
//   CLI=path/to/other/cli.js node bench/probes/service-call-cost.mjs …   (another build; keep it in dist/ beside console/)
//   NODE_EXTRA="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/probes/service-call-cost.mjs …   (profile the server)
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
const credentials = { accessKeyId: 'AKIABENCHROOTKEY0001', secretAccessKey: 'bench-root-secret-0123456789abcdefghijk' };
const dir = mkdtempSync(join(tmpdir(), 'kms-wasm-call-cost-'));
const extra = (process.env.NODE_EXTRA ?? '').split(' ').filter(Boolean);
const child = spawn(process.execPath, [...extra, process.env.CLI ?? 'dist/cli.js', 'serve', '--dir', dir, '--port', '0', '--quiet'], {
  env: { PATH: process.env.PATH, KMS_WASM_ROOT_ACCESS_KEY_ID: credentials.accessKeyId, KMS_WASM_ROOT_SECRET_ACCESS_KEY: credentials.secretAccessKey },
  stdio: ['ignore', 'pipe', 'inherit'], cwd: process.cwd() });
const url = await new Promise((res) => { let out=''; child.stdout.on('data', (d) => { out += d; const m = /listening on (http:\/\/\S+)/.exec(out); if (m) res(m[1]); }); });
const { host } = new URL(url);
const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'kms', sha256: Sha256 });
async function call(target, payload) {
  const body = JSON.stringify(payload);
  const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: host, path: '/', body,
    headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.' + target } });
  const { host: _h, ...headers } = signed.headers;
  const r = await fetch(url, { method: 'POST', headers, body });
  const t = await r.text(); if (r.status !== 200) throw new Error(t); return JSON.parse(t);
}
const { KeyMetadata } = await call('CreateKey', {});
const conc = Number(process.argv[2] ?? 16), secs = Number(process.argv[3] ?? 5);
const end = performance.now() + secs * 1000; let n = 0;
const cpu = () => { const f = require('node:fs').readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const c0 = cpu(); const me0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(Array.from({ length: conc }, async () => { while (performance.now() < end) { await call('GenerateDataKey', { KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' }); n++; } }));
const me = process.cpuUsage(me0);
console.log(`${conc} concurrent: ${(n / ((performance.now() - t0) / 1000)).toFixed(0)}/s; server CPU ${((cpu() - c0) * 1000 / n).toFixed(0)} us/call; client CPU ${((me.user + me.system) / n).toFixed(0)} us/call`);
child.kill('SIGTERM'); await new Promise((r) => child.on('exit', r));
rmSync(dir, { recursive: true, force: true });
