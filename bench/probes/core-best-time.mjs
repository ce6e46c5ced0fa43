// Two builds of the WASM core timed against each other in one process, on a shared machine: the
// kernels of core-kernels.mjs over a buffer small enough (default 64 KiB, ~0.2 ms) that some calls
// run without being preempted; the best of many interleaved calls is close to the quiet machine's
// time, where medians of long runs move with the other processes' load. Prints the best ns/byte of
// each build and the ratio. The callgrind and spill probes count instructions; this one shows what
// changes only the schedule (the same instructions in another order) does to the time.
//
//   node bench/probes/core-best-time.mjs before.wasm after.wasm [--only kernel,…] [bytes] [samples]
import { CORE_KERNELS, coreKernel, coreWithData } from './core-kernels.mjs';

const [before, after, ...rest] = process.argv.slice(2);
const only = rest[0] === '--only' ? rest[1].split(',') : CORE_KERNELS;
const [bytes = 65536, samples = 300] = (rest[0] === '--only' ? rest.slice(2) : rest).map(Number);
const cores = [await coreWithData(before, bytes), await coreWithData(after, bytes)];
for (const kernel of only) {
  const runs = cores.map((core) => coreKernel(kernel, core, bytes));
  const best = [Infinity, Infinity];
  for (let sample = 0; sample < samples; sample++) {
    for (let which = 0; which < 2; which++) {
      runs[which].setup();
      const start = process.hrtime.bigint();
      runs[which].step();
      best[which] = Math.min(best[which], Number(process.hrtime.bigint() - start));
    }
  }
  const [a, b] = best.map((ns) => ns / bytes);
  console.log(`${kernel.padEnd(8)} ${a.toFixed(3)} → ${b.toFixed(3)} ns/byte (after/before ${(b / a).toFixed(3)})`);
}
