// Where the time between the WASM kernel and the public API goes: for each case, the same work
// done five ways, interleaved call by call in one process, each adding one cost to the one before —
//   small   the core's own calls over one step of data in WASM memory, the same step again and
//           again (what bench/probes/core-best-time.mjs times: no working set beyond a step);
//   kernel  the same calls over the whole input resident in WASM memory, in the I/O buffer's
//           64 KiB steps (the input's size as working set);
//   staged  the same with each step copied in from the caller's array and out to a reused output
//           array (what the in-place and caller-provided-output forms pay);
//   fresh   the same into a new output array per call, of the public call's size (its zeroing
//           and the page faults of memory the allocator had returned to the system);
//   api     the public call from dist/ (validation, the JS layer's staging and zeroing);
// and with `--against other/dist` a fourth, `other`: the same public call from another build (a
// copy of dist/ kept from before a change), for before/after in one process.
// Per way: best and median wall ns/byte, CPU ns/byte split into user and system time (the system
// part is the page faults of fresh memory and returning freed memory to the OS), and minor page
// faults per call (process.resourceUsage). On a shared machine the best, the CPU times and the
// fault counts are the figures to compare; the medians move with the load.
//
//   npm run build && node bench/probes/api-layers.mjs [--against other/dist] [--step bytes] [--only case,…] [calls]
//   cases: gcm-1M, gcm-dec-1M, gcm-16M, xts-1M, xts-dec-1M, stream-1M, stream-dec-1M
//   (stream: GcmEncryptor / GcmDecryptor fed 64 KiB updates; its kernel and staged ways are GCM's)
//   --step: the kernel and staged ways' step instead of the I/O buffer's 64 KiB (up to 1 MiB), to
//   see whether another staging size would copy faster.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const CASES = ['gcm-1M', 'gcm-dec-1M', 'gcm-16M', 'xts-1M', 'xts-dec-1M', 'stream-1M', 'stream-dec-1M'];
const { values, positionals } = parseArgs({ options: { against: { type: 'string' }, step: { type: 'string' }, only: { type: 'string' } }, allowPositionals: true });
const only = values.only?.split(',') ?? CASES;
const calls = Number(positionals[0] ?? 60);
const root = new URL('../../', import.meta.url);
const api = await import(new URL('dist/index.js', root));
const other = values.against && await import(pathToFileURL(resolve(values.against, 'index.js')).href);
const IO_STEP = 64 * 1024;
const STEP = Number(values.step ?? IO_STEP);
const MiB = 1024 * 1024;
const key32 = randomBytes(32), key64 = randomBytes(64), iv = randomBytes(12), tweak = randomBytes(16), aad = randomBytes(16);

/** The core in a memory of its own: a context, a key, a 64 KiB I/O buffer and `bytes` of resident data. */
async function coreFor(bytes) {
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL('build/core.wasm', root)), {});
  const core = instance.exports;
  const ctx = Math.ceil(core.heapBase() / 64) * 64;
  const key = ctx + Math.ceil(core.contextBytes() / 64) * 64;
  const io = key + 128;
  const resident = io + STEP;
  core.memory.grow(Math.ceil((resident + bytes - core.memory.buffer.byteLength) / 65536) + 1);
  new Uint8Array(core.memory.buffer, key, 64).set(key64);
  return { core, ctx, key, io, resident, memory: new Uint8Array(core.memory.buffer) };
}

/** The public call of `kind` (gcm, xts, stream) under the package `m`. */
function publicCall(m, kind, decrypting, input) {
  const sealed = m.gcm(key32, iv, aad).encrypt(input);
  if (kind === 'gcm') return decrypting ? () => m.gcm(key32, iv, aad).decrypt(sealed) : () => m.gcm(key32, iv, aad).encrypt(input);
  if (kind === 'xts') {
    const cipher = m.xts(key64);
    const ciphertext = cipher.encrypt(input, tweak);
    return decrypting ? () => cipher.decrypt(ciphertext, tweak) : () => cipher.encrypt(input, tweak);
  }
  const feed = (stream, data) => {
    for (let at = 0; at < data.length; at += IO_STEP) stream.update(data.subarray(at, at + IO_STEP));
    return stream.final();
  };
  return decrypting ? () => feed(m.createGcmDecryptor(key32, iv, aad), sealed) : () => feed(m.createGcmEncryptor(key32, iv, aad), input);
}

async function makeCase(name) {
  const kind = name.split('-')[0];
  const decrypting = name.includes('-dec-');
  const bytes = name.endsWith('16M') ? 16 * MiB : MiB;
  const input = randomBytes(bytes);
  const output = new Uint8Array(bytes);
  const { core, ctx, key, io, resident, memory } = await coreFor(bytes);
  // gcmInit's third argument is constantTime: false is the table GHASH, the public calls' default.
  const start = kind === 'xts'
    ? () => { core.xtsInit(ctx, key); core.xtsStart(ctx, key); }
    : () => { core.gcmInit(ctx, key, false); core.gcmSetIv96(ctx, key); };
  const step = kind === 'xts' ? (decrypting ? core.xtsDecrypt : core.xtsEncrypt) : (decrypting ? core.gcmDecrypt : core.gcmEncrypt);
  const finish = kind === 'xts' ? () => {} : () => core.gcmFinal(ctx);
  // The public call's output: GCM encryption appends the 16-byte tag.
  const apiOutputBytes = kind !== 'xts' && !decrypting ? bytes + 16 : bytes;
  const stagedInto = (out) => {
    start();
    for (let at = 0; at < bytes; at += STEP) {
      memory.set(input.subarray(at, at + STEP), io);
      step(ctx, io, STEP);
      out.set(memory.subarray(io, io + STEP), at);
    }
    finish();
  };
  const ways = {
    small() {
      start();
      for (let at = 0; at < bytes; at += STEP) step(ctx, resident, STEP);
      finish();
    },
    kernel() {
      start();
      for (let at = 0; at < bytes; at += STEP) step(ctx, resident + at, STEP);
      finish();
    },
    staged: () => stagedInto(output),
    fresh: () => stagedInto(new Uint8Array(apiOutputBytes)),
    api: publicCall(api, kind, decrypting, input),
  };
  if (other) ways.other = publicCall(other, kind, decrypting, input);
  return { bytes, ways };
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
for (const name of only) {
  const { bytes, ways } = await makeCase(name);
  const names = Object.keys(ways);
  for (const way of names) for (let i = 0; i < 3; i++) ways[way](); // warm up (JIT, tier-up)
  const stats = Object.fromEntries(names.map((way) => [way, { wall: [], user: 0, system: 0, faults: 0 }]));
  const rounds = bytes > MiB ? Math.max(6, Math.floor(calls / 6)) : calls;
  for (let round = 0; round < rounds; round++) {
    for (const way of names) {
      const before = process.resourceUsage();
      const startNs = process.hrtime.bigint();
      ways[way]();
      const ns = Number(process.hrtime.bigint() - startNs);
      const after = process.resourceUsage();
      const s = stats[way];
      s.wall.push(ns / bytes);
      s.user += after.userCPUTime - before.userCPUTime;
      s.system += after.systemCPUTime - before.systemCPUTime;
      s.faults += after.minorPageFault - before.minorPageFault;
    }
  }
  for (const way of names) {
    const s = stats[way];
    const perByte = (us) => (us * 1000 / rounds / bytes).toFixed(2);
    console.log(`${name.padEnd(13)} ${way.padEnd(6)} wall best ${Math.min(...s.wall).toFixed(2)} median ${median(s.wall).toFixed(2)} ns/B | `
      + `cpu user ${perByte(s.user)} sys ${perByte(s.system)} ns/B | ${(s.faults / rounds).toFixed(0).padStart(4)} faults/call`);
  }
}
