// `npm run bench`: every implementation side by side in one process, for each input size and
// direction; prints a Markdown table and writes bench/results/latest.{json,md}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { implementations, type Operation } from './implementations.js';
import { markdownReport, type Machine, type Measurement } from './report.js';

const MiB = 1024 * 1024;
const SIZES = [64, 1024, 16 * 1024, MiB, 16 * MiB];
const OPERATIONS: Operation[] = ['encrypt', 'decrypt'];

/** Enough samples for a stable median without letting the slowest peers take minutes. */
function benchFor(bytes: number): Bench {
  if (bytes >= 16 * MiB) return new Bench({ time: 0, iterations: 3, warmupTime: 0, warmupIterations: 1 });
  if (bytes >= MiB) return new Bench({ time: 300, iterations: 5, warmupTime: 50, warmupIterations: 2 });
  return new Bench({ time: 250, iterations: 20, warmupTime: 50, warmupIterations: 20 });
}

async function measure(): Promise<Measurement[]> {
  const results: Measurement[] = [];
  for (const bytes of SIZES) {
    const bench = benchFor(bytes);
    const labels = new Map<string, { name: string; operation: Operation }>();
    for (const implementation of implementations) {
      const runs = implementation.prepare(bytes);
      for (const operation of OPERATIONS) {
        const label = `${implementation.name} ${operation} ${bytes}`;
        labels.set(label, { name: implementation.name, operation });
        bench.add(label, runs[operation]);
      }
    }
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state === 'errored') throw result.error;
      if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
      const { name, operation } = labels.get(task.name)!;
      const family = implementations.find((i) => i.name === name)!.family;
      const opsPerSecond = 1000 / result.latency.p50;
      results.push({ implementation: name, family, operation, bytes, opsPerSecond, mibPerSecond: (opsPerSecond * bytes) / MiB, ratioToNoble: null });
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

const started = performance.now();
const results = await measure();
const machine: Machine = {
  cpu: cpus()[0]?.model ?? 'unknown CPU',
  cores: cpus().length,
  node: process.versions.node,
  date: new Date().toISOString().slice(0, 10),
};
const notes = [`The suite took ${Math.round((performance.now() - started) / 1000)} s.`];
const markdown = markdownReport(machine, results, notes);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', JSON.stringify({ machine, results }, null, 2) + '\n');
writeFileSync('bench/results/latest.md', markdown);
console.log(markdown);
