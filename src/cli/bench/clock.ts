// The processor's clock rate, measured in this process, for cycles per byte. /proc/cpuinfo's
// nominal MHz understates a boosting core (2600 MHz nominal, ~3.6 GHz measured on one host) and
// many VMs cannot count cycles (`perf stat -e cycles`: not supported). A chain of dependent 32-bit
// adds and xors retires one per cycle on every current x86-64 and ARM64 core: its loop bookkeeping
// runs beside the chain, so the best of many timed runs is cycles per second. Load from elsewhere
// slows the chain as it slows the ciphers, so cycles per byte stay near the cycles the process
// really got; run.ts measures before and after the suite and keeps the faster reading.

/** 16 dependent one-cycle operations per iteration; alternating add and xor keeps V8 from folding them. */
function dependentChain(iterations: number): number {
  let x = iterations | 0;
  for (let i = 0; i < iterations; i++) {
    x = (x + i) | 0; x ^= i; x = (x + i) | 0; x ^= i; x = (x + i) | 0; x ^= i; x = (x + i) | 0; x ^= i;
    x = (x + i) | 0; x ^= i; x = (x + i) | 0; x ^= i; x = (x + i) | 0; x ^= i; x = (x + i) | 0; x ^= i;
  }
  return x;
}

const OPERATIONS_PER_ITERATION = 16;

/** Cycles per second: the fastest of `runs` timed chains of 16 million operations. */
export function measureClockHz(runs = 40): number {
  const iterations = 1_000_000;
  let sink = 0;
  let best = Infinity;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    sink ^= dependentChain(iterations);
    best = Math.min(best, performance.now() - start);
  }
  if (sink === 0x7fffffff) console.error('(unlikely sink value, printed so the chain is not dead code)');
  return (iterations * OPERATIONS_PER_ITERATION) / (best / 1000);
}
