// `npm run bench`: every implementation side by side in one process, for each input size and
// direction; prints a Markdown table and writes latest.{json,md} to bench/results/local/, or with
// `-- --save` to bench/results/ (the committed copy README.md quotes; see results-dir.ts). Then the
// KMS stores section (stores.ts); `npm run bench -- --stores` runs that section alone.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { implementations, STANDARD_SIZES, type Operation } from './implementations.js';
import { terminateWorkers } from '../src/index.js';
import { pairedSpeedups } from './pool-speedup.js';
import { measureClockHz } from './clock.js';
import { markdownReport, median, type Machine, type Measurement } from './report.js';
import { resultsDir } from './results-dir.js';
import { storesSection } from './stores.js';

const MiB = 1024 * 1024;
const OPERATIONS: Operation[] = ['encrypt', 'decrypt'];

/**
 * Each size is measured in PASSES interleaved passes over all its implementations, and each task
 * reports the median of its per-pass medians: this machine's load shifts over seconds, and passes
 * spread that over every implementation instead of landing on whichever ran at the wrong moment.
 */
const PASSES = 3;

/** Per pass: enough samples for a stable median without letting large inputs take minutes. */
function benchFor(bytes: number): Bench {
  if (bytes >= 16 * MiB) return new Bench({ time: 0, iterations: 2, warmupTime: 0, warmupIterations: 1 });
  if (bytes >= MiB) return new Bench({ time: 100, iterations: 3, warmupTime: 20, warmupIterations: 1 });
  return new Bench({ time: 80, iterations: 10, warmupTime: 20, warmupIterations: 10 });
}

async function measure(clockHz: number): Promise<Measurement[]> {
  const results: Measurement[] = [];
  const sizes = [...new Set(implementations.flatMap((i) => i.sizes ?? STANDARD_SIZES))].sort((a, b) => a - b);
  for (const bytes of sizes) {
    const present = implementations.filter((i) => (i.sizes ?? STANDARD_SIZES).includes(bytes));
    const runs = present.map((implementation) => ({ implementation, run: implementation.prepare(bytes) }));
    const latencies = new Map<string, number[]>();
    for (let pass = 0; pass < PASSES; pass++) {
      const bench = benchFor(bytes);
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
      results.push({ implementation: name, family, operation, bytes, opsPerSecond, mibPerSecond: bytesPerSecond / MiB, ratioToNoble: null,
        cyclesPerByte: name.startsWith('kms-wasm') ? clockHz / bytesPerSecond : null });
    }
    process.stderr.write(`  measured ${bytes} B\n`);
  }
  for (const r of results) {
    const reference = implementations.find((i) => i.family === r.family && i.reference)!;
    const noble = results.find((m) => m.implementation === reference.name && m.operation === r.operation && m.bytes === r.bytes);
    r.ratioToNoble = noble ? r.mibPerSecond / noble.mibPerSecond : null;
  }
  return results;
}

if (process.argv.includes('--stores')) {
  console.log(await storesSection());
  process.exit(0);
}
const outDir = resultsDir(process.argv.slice(2));
const started = performance.now();
const clockBefore = measureClockHz();
const results = await measure(clockBefore);
const clockAfter = measureClockHz();
const clockHz = Math.max(clockBefore, clockAfter);
for (const r of results) if (r.cyclesPerByte !== null) r.cyclesPerByte *= clockHz / clockBefore;
const machine: Machine = {
  clockHz,
  cpu: cpus()[0]?.model ?? 'unknown CPU',
  cores: cpus().length,
  node: process.versions.node,
  date: new Date().toISOString().slice(0, 10),
};
const speedups = await pairedSpeedups([
  { pool: 'kms-wasm gcm (pool)', single: 'kms-wasm gcm (default)' },
  { pool: 'kms-wasm xts sectors (pool)', single: 'kms-wasm xts sectors' },
  { pool: 'kms-wasm xts sectors in place (pool)', single: 'kms-wasm xts sectors in place' },
], machine.cores);
await terminateWorkers();
const notes = [...speedups, `The suite took ${Math.round((performance.now() - started) / 1000)} s. Clock before / after the suite: `
  + `${(clockBefore / 1e9).toFixed(2)} / ${(clockAfter / 1e9).toFixed(2)} GHz (cycles per byte use the faster).`];
const markdown = `${markdownReport(machine, results, notes)}\n${await storesSection()}`;
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}/latest.json`, JSON.stringify({ machine, results }, null, 2) + '\n');
writeFileSync(`${outDir}/latest.md`, markdown);
console.log(markdown);
console.log(`Written to ${outDir}/latest.{json,md}.`);
