// GenerateDataKey through `kms-wasm serve` (a child on loopback, a new directory) from N concurrent
// keep-alive clients: calls/s, and the server's and this client's CPU time per call (from
// /proc/PID/stat and process.cpuUsage). CPU per call is the figure to compare between builds on a
// shared machine, where calls/s moves with the load; run old and new builds interleaved, several
// rounds each. The server is warmed up (WARM seconds of the same load, default 2) before the
// measured run, so that its start-up and JIT compilation are not counted.
//
// The client, by CLIENT:
// - replay (default): one request signed once (SigV4 allows a signed request for 15 minutes) and
//   sent again and again over raw sockets. It costs a few tens of µs per call, so the server, not
//   the client, is what the two cores spend their time on, and calls/s is the server's rate.
// - fetch: a SigV4 signature per call and fetch(), as a client would (the pure-JS signer costs as
//   much CPU as the server; on two cores it caps calls/s).
//
//   npm run build && node bench/probes/service-call-cost.mjs [concurrent=16] [seconds=5]
//   CLI=path/to/other/cli.js node bench/probes/service-call-cost.mjs …   (another build; keep it in dist/ beside console/)
//   NODE_EXTRA="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/probes/service-call-cost.mjs …   (profile the server)
//   SYSCALLS=fdatasync,write,writev node bench/probes/service-call-cost.mjs …   (the server's system calls of
//     those names per call in the measured run, counted by `perf stat` on its syscall tracepoints)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
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
const url = await new Promise((res) => { let out = ''; child.stdout.on('data', (d) => { out += d; const m = /listening on (http:\/\/\S+)/.exec(out); if (m) res(m[1]); }); });
const { host, hostname, port } = new URL(url);
const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'kms', sha256: Sha256 });

async function signed(target, payload) {
  const body = JSON.stringify(payload);
  const request = await signer.sign({ method: 'POST', protocol: 'http:', hostname: host, path: '/', body,
    headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.' + target } });
  return { headers: request.headers, body };
}

async function fetchCall(target, payload) {
  const { headers: { host: _host, ...headers }, body } = await signed(target, payload);
  const r = await fetch(url, { method: 'POST', headers, body });
  const t = await r.text(); if (r.status !== 200) throw new Error(t); return JSON.parse(t);
}

/** One keep-alive socket sending whole requests one at a time; resolves each with the response's body. */
function replayConnection() {
  const socket = connect(Number(port), hostname); socket.setNoDelay(true);
  let buffered = ''; let waiting;
  socket.on('data', (data) => {
    buffered += data.toString('latin1');
    for (;;) {
      const headEnd = buffered.indexOf('\r\n\r\n'); if (headEnd < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, headEnd))[1]);
      if (buffered.length < headEnd + 4 + length) return;
      const status = buffered.slice(9, 12), body = buffered.slice(headEnd + 4, headEnd + 4 + length);
      buffered = buffered.slice(headEnd + 4 + length);
      const settle = waiting; waiting = undefined;
      if (status === '200') settle.resolve(body); else settle.reject(new Error(`HTTP ${status}: ${body}`));
    }
  });
  return { send: (bytes) => new Promise((resolve, reject) => { waiting = { resolve, reject }; socket.write(bytes); }), close: () => socket.destroy() };
}

const { KeyMetadata } = await fetchCall('CreateKey', {});
const generateDataKey = { KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' };
const conc = Number(process.argv[2] ?? 16), secs = Number(process.argv[3] ?? 5);
let clients;
if ((process.env.CLIENT ?? 'replay') === 'replay') {
  const { headers, body } = await signed('GenerateDataKey', generateDataKey);
  const bytes = Buffer.from(`POST / HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'latin1');
  clients = Array.from({ length: conc }, () => { const c = replayConnection(); return { call: () => c.send(bytes), close: c.close }; });
} else {
  clients = Array.from({ length: conc }, () => ({ call: () => fetchCall('GenerateDataKey', generateDataKey), close: () => undefined }));
}
const run = async (seconds) => {
  const end = performance.now() + seconds * 1000; let n = 0;
  await Promise.all(clients.map(async ({ call }) => { while (performance.now() < end) { await call(); n++; } }));
  return n;
};
await run(Number(process.env.WARM ?? 2));
const cpu = () => { const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const syscalls = process.env.SYSCALLS?.split(',');
const perf = syscalls && spawn('perf', ['stat', '-x,', '-p', String(child.pid), '-e', syscalls.map((s) => `syscalls:sys_enter_${s}`).join(',')],
  { stdio: ['ignore', 'ignore', 'pipe'] });
let perfOut = ''; perf?.stderr.on('data', (d) => { perfOut += d; });
const c0 = cpu(); const me0 = process.cpuUsage();
const t0 = performance.now();
const n = await run(secs);
const me = process.cpuUsage(me0);
if (perf) {
  perf.kill('SIGINT'); await new Promise((r) => perf.on('exit', r));
  const counts = [...perfOut.matchAll(/^(\d+),,syscalls:sys_enter_(\w+)/gm)].map(([, count, name]) => `${name} ${(Number(count) / n).toFixed(3)}`);
  console.log(`${process.env.LABEL ?? ''}system calls per call: ${counts.join(', ')}`);
}
console.log(`${process.env.LABEL ?? ''}${conc} concurrent (${process.env.CLIENT ?? 'replay'}): ${(n / ((performance.now() - t0) / 1000)).toFixed(0)}/s; server CPU ${((cpu() - c0) * 1000 / n).toFixed(0)} us/call; client CPU ${((me.user + me.system) / n).toFixed(0)} us/call`);
for (const { close } of clients) close();
child.kill('SIGTERM'); await new Promise((r) => child.on('exit', r));
rmSync(dir, { recursive: true, force: true });
