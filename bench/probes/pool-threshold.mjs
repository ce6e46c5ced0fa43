// Where the worker pool starts to pay on this machine: for each size, the single-thread call and
// the pool call (parallelGcm / ParallelXts, which stay in the calling thread under
// PARALLEL_THRESHOLD_BYTES) interleaved call by call in one process. Per way: the best wall time
// (on a shared machine, the calls that found both cores free), the process's CPU per call (user +
// system, all threads: what the pool costs in copies, messages and workers) and the calling
// thread's own (Linux: /proc/self/task/PID/schedstat, in nanoseconds). `pool/single` is the
// quotient of the best times: below 1 the pool is faster. `bound` is the most the pool could gain
// on idle cores, from CPU times, which the host's load moves far less than wall times: the
// single-thread CPU over the larger of the calling thread's CPU in a pool call and the pool call's
// CPU spread over the cores (it leaves out the waits on messages, so a quiet machine does no
// better than it).
//
//   npm run build && node bench/probes/pool-threshold.mjs [--only gcm,gcm-dec,xts,xts-dec] [--sizes KiB,…] [calls]
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { gcm, parallelGcm, parallelXts, terminateWorkers, workerPoolInfo, xts } from '../../dist/index.js';

const CASES = ['gcm', 'gcm-dec', 'xts', 'xts-dec'];
const { values, positionals } = parseArgs({ options: { only: { type: 'string' }, sizes: { type: 'string' } }, allowPositionals: true });
const only = values.only?.split(',') ?? CASES;
const sizes = (values.sizes ?? '256,512,768,1024,2048,4096').split(',').map((kib) => Number(kib) * 1024);
const calls = Number(positionals[0] ?? 40);
const key32 = randomBytes(32), key64 = randomBytes(64), iv = randomBytes(12), aad = randomBytes(16);
const info = await workerPoolInfo();
console.log(`pool: ${info.workers} workers, shared memory ${info.sharedMemory}; ${calls} calls per way`);

/** Nanoseconds this thread (the process's main thread) has run. */
const threadNs = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);

/** { single, pool } for one case and size: functions returning the result (a promise for the pool). */
function ways(name, bytes) {
  const input = randomBytes(bytes);
  if (name.startsWith('gcm')) {
    const sealed = gcm(key32, iv, aad).encrypt(input);
    return name === 'gcm'
      ? { single: () => gcm(key32, iv, aad).encrypt(input), pool: () => parallelGcm(key32, iv, aad).encrypt(input) }
      : { single: () => gcm(key32, iv, aad).decrypt(sealed), pool: () => parallelGcm(key32, iv, aad).decrypt(sealed) };
  }
  const one = xts(key64), many = parallelXts(key64);
  const sealed = one.encryptSectors(input, 0n);
  return name === 'xts'
    ? { single: () => one.encryptSectors(input, 0n), pool: () => many.encryptSectors(input, 0n) }
    : { single: () => one.decryptSectors(sealed, 0n), pool: () => many.decryptSectors(sealed, 0n) };
}

for (const name of only) {
  for (const bytes of sizes) {
    const run = ways(name, bytes);
    for (let i = 0; i < 3; i++) { run.single(); await run.pool(); }
    const best = { single: Infinity, pool: Infinity };
    const cpu = { single: 0, pool: 0 };
    const own = { single: 0, pool: 0 };
    for (let call = 0; call < calls; call++) {
      for (const way of call % 2 ? ['pool', 'single'] : ['single', 'pool']) {
        const before = process.cpuUsage();
        const ownBefore = threadNs();
        const start = process.hrtime.bigint();
        await run[way]();
        best[way] = Math.min(best[way], Number(process.hrtime.bigint() - start));
        own[way] += threadNs() - ownBefore;
        const used = process.cpuUsage(before);
        cpu[way] += (used.user + used.system) * 1000;
      }
    }
    const ns = (t) => (t / bytes).toFixed(2);
    const perByte = (total) => total / calls / bytes;
    const bound = perByte(cpu.single) / Math.max(perByte(own.pool), perByte(cpu.pool) / availableParallelism());
    console.log(`${name.padEnd(7)} ${String(bytes / 1024).padStart(5)} KiB  best single ${ns(best.single)} pool ${ns(best.pool)} ns/B `
      + `(pool/single ${(best.pool / best.single).toFixed(2)}) | cpu single ${perByte(cpu.single).toFixed(2)} pool ${perByte(cpu.pool).toFixed(2)}, `
      + `calling thread ${perByte(own.pool).toFixed(2)} ns/B | bound ${bound.toFixed(2)}×`);
  }
}
await terminateWorkers();
