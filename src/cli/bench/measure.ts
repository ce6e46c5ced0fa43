// The measuring loop of `npm run bench` and `kms-wasm bench`: every implementation side by side in
// one process, for each input size and direction, timed with tinybench.
import { Bench } from 'tinybench';
import { median, type Family, type Measurement, type Operation } from './report.js';

export type { Family, Operation };
type Run = () => unknown;

export interface Implementation {
  name: string;
  family: Family;
  /** Marks the entry that ratios in its family are taken against. */
  reference?: boolean;
  /** Input sizes to run at (default: the run's standard sizes). */
  sizes?: number[];
  /** Sizes must be multiples of this (whole sectors), if given. */
  sizeUnit?: number;
  prepare(size: number): { encrypt: Run; decrypt: Run };
}

const MiB = 1024 * 1024;
export const OPERATIONS: Operation[] = ['encrypt', 'decrypt'];

/** Per pass: enough samples for a stable median without letting large inputs take minutes. */
function fullBench(bytes: number): Bench {
  if (bytes >= 16 * MiB) return new Bench({ time: 0, iterations: 2, warmupTime: 0, warmupIterations: 1 });
  if (bytes >= MiB) return new Bench({ time: 100, iterations: 3, warmupTime: 20, warmupIterations: 1 });
  return new Bench({ time: 80, iterations: 10, warmupTime: 20, warmupIterations: 10 });
}

/** A quick look (`kms-wasm bench` without --full): a few samples per task, one pass. */
function quickBench(bytes: number): Bench {
  if (bytes >= MiB) return new Bench({ time: 0, iterations: 2, warmupTime: 0, warmupIterations: 1 });
  return new Bench({ time: 20, iterations: 5, warmupTime: 5, warmupIterations: 5 });
}

export interface MeasureOptions {
  /** Sizes of the implementations that name none. */
  standardSizes: number[];
  /** For cycles per byte of kms-wasm rows. */
  clockHz: number;
  /**
   * Each size is measured in `passes` interleaved passes over all its implementations, and each task
   * reports the median of its per-pass medians: a shared machine's load shifts over seconds, and
   * passes spread that over every implementation instead of landing on whichever ran at the wrong
   * moment. 3 for `npm run bench`; 1 with `quick`.
   */
  passes: number;
  quick?: boolean;
  /** Called after each size, e.g. to show progress on stderr. */
  onSize?: (bytes: number) => void;
}

export async function measure(implementations: Implementation[], options: MeasureOptions): Promise<Measurement[]> {
  const sizesOf = (i: Implementation) => i.sizes ?? options.standardSizes;
  const results: Measurement[] = [];
  const sizes = [...new Set(implementations.flatMap(sizesOf))].sort((a, b) => a - b);
  for (const bytes of sizes) {
    const present = implementations.filter((i) => sizesOf(i).includes(bytes));
    const runs = present.map((implementation) => ({ implementation, run: implementation.prepare(bytes) }));
    const latencies = new Map<string, number[]>();
    for (let pass = 0; pass < options.passes; pass++) {
      const bench = options.quick ? quickBench(bytes) : fullBench(bytes);
      for (const { implementation, run } of runs) {
        for (const operation of OPERATIONS) bench.add(`${implementation.name}\u0000${operation}`, run[operation]);
      }
      await bench.run();
      for (const task of bench.tasks) {
        const result = task.result;
        if (result.state === 'errored') throw result.error;
        if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
        latencies.set(task.name, [...(latencies.get(task.name) ?? []), result.latency.p50]);
      }
    }
    for (const [label, values] of latencies) {
      const [name, operation] = label.split('\u0000') as [string, Operation];
      const family = implementations.find((i) => i.name === name)!.family;
      const opsPerSecond = 1000 / median(values);
      const bytesPerSecond = opsPerSecond * bytes;
      results.push({ implementation: name, family, operation, bytes, opsPerSecond, mibPerSecond: bytesPerSecond / MiB, ratio: null,
        cyclesPerByte: name.startsWith('kms-wasm') ? options.clockHz / bytesPerSecond : null });
    }
    options.onSize?.(bytes);
  }
  for (const r of results) {
    const reference = implementations.find((i) => i.family === r.family && i.reference);
    const base = reference && results.find((m) => m.implementation === reference.name && m.operation === r.operation && m.bytes === r.bytes);
    r.ratio = base ? r.mibPerSecond / base.mibPerSecond : null;
  }
  return results;
}
