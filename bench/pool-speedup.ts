// The pool's speed-up over one thread, measured in alternating pairs: each pair times the
// single-thread call and the pool call back to back (in alternating order), and the reported
// figure is the median of the per-pair ratios, with the lowest and highest pair beside it. The
// table's cells come from medians taken seconds apart, so on a shared machine their quotient carries
// the load changes in between; pairs do not, and their spread shows how much the host moved.
import { implementations } from './implementations.js';
import type { Operation } from '../src/cli/bench/measure.js';
import { formatBytes, median } from '../src/cli/bench/report.js';

const PAIRS_BY_SIZE = (bytes: number) => (bytes >= 64 * 1024 * 1024 ? 5 : 9);

async function time(run: () => unknown): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

export interface SpeedupPair { pool: string; single: string }

/** One line per pair: the median speed-up for each size the pool runs at, both directions. */
export async function pairedSpeedups(pairs: SpeedupPair[], cores: number): Promise<string[]> {
  const lines: string[] = [];
  for (const { pool, single } of pairs) {
    const poolImplementation = implementations.find((i) => i.name === pool)!;
    const singleImplementation = implementations.find((i) => i.name === single)!;
    const cells: string[] = [];
    for (const bytes of poolImplementation.sizes ?? []) {
      const poolRun = poolImplementation.prepare(bytes);
      const singleRun = singleImplementation.prepare(bytes);
      for (const operation of ['encrypt', 'decrypt'] as Operation[]) {
        await poolRun[operation]();
        await singleRun[operation]();
        const ratios: number[] = [];
        for (let pair = 0; pair < PAIRS_BY_SIZE(bytes); pair++) {
          const poolFirst = pair % 2 === 1;
          const first = await time(poolFirst ? poolRun[operation] : singleRun[operation]);
          const second = await time(poolFirst ? singleRun[operation] : poolRun[operation]);
          ratios.push(poolFirst ? second / first : first / second);
        }
        const [lowest, highest] = [Math.min(...ratios), Math.max(...ratios)].map((r) => r.toFixed(2));
        cells.push(`${operation} ${formatBytes(bytes)} ${median(ratios).toFixed(2)}× (${lowest}–${highest})`);
      }
    }
    lines.push(`Pool speed-up of ${pool.replace(' (pool)', '')} over one thread (${cores} cores, median of alternating pairs, lowest–highest pair in parentheses): ${cells.join(', ')}.`);
  }
  return lines;
}
