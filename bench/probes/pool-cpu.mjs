// Where a 64 MiB pool call's time goes (Linux: per-thread CPU from /proc/self/task). For XTS sector
// runs in place and into a new array, alternately on one thread and on the pool, prints wall time,
// the calling thread's CPU, the other threads' CPU (the workers; GC helpers on one thread) and the
// cores in use during the pool call. Run after `npm run build`: node bench/probes/pool-cpu.mjs
import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parallelXts, terminateWorkers, xts } from '../../dist/index.js';

const SIZE = 64 * 1024 * 1024;
const CALLS_PER_ROUND = 6;
const ROUNDS = 3;
const key = randomBytes(64);
const input = randomBytes(SIZE);
const inPlace = new Uint8Array(SIZE).fill(1);
const oneThread = xts(key);
const pool = parallelXts(key);
const mainThread = String(process.pid);

/** CPU milliseconds used so far by each thread of this process. */
function threadCpu() {
  return Object.fromEntries(readdirSync('/proc/self/task').map((thread) => {
    const fields = readFileSync(`/proc/self/task/${thread}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in 1/100 s
    return [thread, ticks * 10];
  }));
}

async function measure(call) {
  const before = threadCpu();
  const start = performance.now();
  for (let i = 0; i < CALLS_PER_ROUND; i++) await call();
  const wall = (performance.now() - start) / CALLS_PER_ROUND;
  const after = threadCpu();
  const perCall = (thread) => (after[thread] - (before[thread] ?? 0)) / CALLS_PER_ROUND;
  const others = Object.keys(after).filter((t) => t !== mainThread).reduce((sum, t) => sum + perCall(t), 0);
  return { wall, main: perCall(mainThread), others };
}

const cases = {
  'in place': [() => oneThread.encryptSectorsInPlace(inPlace, 0n), () => pool.encryptSectorsInPlace(inPlace, 0n)],
  'new array': [() => oneThread.encryptSectors(input, 0n), () => pool.encryptSectors(input, 0n)],
};
for (const [single, parallel] of Object.values(cases)) {
  single();
  await parallel();
}
const ms = (n) => `${n.toFixed(0).padStart(4)} ms`;
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, [single, parallel]] of Object.entries(cases)) {
    const s = await measure(single);
    const p = await measure(parallel);
    console.log(`${name.padEnd(9)} one thread: wall ${ms(s.wall)}, cpu ${ms(s.main + s.others)} | pool: wall ${ms(p.wall)}, `
      + `calling thread ${ms(p.main)}, workers ${ms(p.others)}, ${((p.main + p.others) / p.wall).toFixed(2)} cores | speed-up ${(s.wall / p.wall).toFixed(2)}×`);
  }
}
await terminateWorkers();
