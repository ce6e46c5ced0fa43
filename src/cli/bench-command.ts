// `kms-wasm bench`: the core benchmark of `npm run bench`, run from the installed package. It has
// kms-wasm's own ciphers and the platform's native AES (the peers of `npm run bench` are the
// repository's dev dependencies, absent here), so ratios are taken against node:crypto.

import { cpus } from 'node:os';
import { terminateWorkers } from '../core/worker-pool.js';
import { barChart } from './bench/bar-chart.js';
import { chartTarget } from './bench/chart-file.js';
import { measureClockHz } from './bench/clock.js';
import { KMS_WASM_GCM, KMS_WASM_XTS, NATIVE_GCM, NATIVE_XTS, STANDARD_SIZES } from './bench/kms-wasm-implementations.js';
import { measure, type Implementation } from './bench/measure.js';
import { formatBytes, summaryTable } from './bench/report.js';
import { svgChart } from './bench/svg-chart.js';
import { exitCodeOf, parseOptions, UsageError } from './command-line.js';

const HELP = `usage: kms-wasm bench [--full] [--chart FILE.svg|FILE.png|-] [--size BYTES]…

Measures kms-wasm's AES-256-GCM (single thread, constant-time, and on the worker pool) and
AES-256-XTS against node:crypto's native AES in this process, encrypting and decrypting, and prints
MiB/s with the ratio to node:crypto and kms-wasm's cycles per byte (a Markdown table).

  --full             every size of npm run bench (64 B to 64 MiB), three interleaved passes (minutes)
                     instead of the quick run (1 KiB, 1 MiB, 16 MiB; one pass; about half a minute)
  --chart FILE       also write a bar chart of the ratios to node:crypto, one bar per row and size:
                     FILE.svg; FILE.png (needs the optional package @resvg/resvg-js); or - for a
                     text chart of the throughputs on stdout, one block per size
  --size BYTES       measure only this size (repeatable; e.g. --size 65536)

examples:
  kms-wasm bench
  kms-wasm bench --chart bench.svg --size 1048576
  kms-wasm bench --chart - --size 65536
  kms-wasm bench --full > bench.md`;

const MiB = 1024 * 1024;
const QUICK_SIZES = [1024, MiB, 16 * MiB];

/** The rows, each at `sizes` where it can run (all of its own without), the native rows as the ratios' reference. */
function rowsFor(sizes: number[] | undefined): Implementation[] {
  return [...KMS_WASM_GCM, ...NATIVE_GCM, ...KMS_WASM_XTS, ...NATIVE_XTS].map((row) => ({
    ...row,
    reference: row.name.startsWith('node:crypto'),
    sizes: sizes === undefined ? row.sizes : sizes.filter((size) => size % (row.sizeUnit ?? 1) === 0),
  }));
}

function parseSize(text: string): number {
  const size = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(size) || size < 1 || size > 1024 * MiB) {
    throw new UsageError(`--size: expected a byte count from 1 to ${1024 * MiB}, got "${text}"`);
  }
  return size;
}

export function runBench(args: string[]): Promise<number> {
  return exitCodeOf('kms-wasm bench', HELP, async () => {
    const { values, positionals } = parseOptions({
      args, strict: true, allowPositionals: true,
      options: { full: { type: 'boolean' }, chart: { type: 'string' }, size: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const chart = values.chart === undefined ? undefined : await chartTarget(values.chart);
    const rows = rowsFor(values.size?.map(parseSize) ?? (values.full ? undefined : QUICK_SIZES));
    const clockHz = measureClockHz(values.full ? 40 : 10);
    try {
      const onSize = (bytes: number) => process.stderr.write(`  measured ${formatBytes(bytes)}\n`);
      const results = await measure(rows, { standardSizes: STANDARD_SIZES, clockHz, passes: values.full ? 3 : 1, quick: !values.full, onSize });
      const cpu = cpus()[0]?.model ?? 'unknown CPU';
      const machine = `${cpu}, ${cpus().length} cores, Node ${process.versions.node}, clock ${(clockHz / 1e9).toFixed(2)} GHz`;
      if (chart?.kind === 'file') {
        await chart.write(svgChart(results, { title: 'kms-wasm bench: throughput as a ratio to node:crypto', subtitle: machine, reference: 'node:crypto' }));
      }
      process.stdout.write([
        `kms-wasm bench${values.full ? ' --full' : ''}: ${machine}.`,
        'MiB/s per message; in parentheses the ratio to node:crypto (native AES) and, for kms-wasm rows, cycles per byte.',
        '',
        summaryTable(results),
        '',
        ...(chart?.kind === 'text' ? [barChart(results), ''] : []),
      ].join('\n'));
    } finally {
      await terminateWorkers();
    }
    return 0;
  });
}
