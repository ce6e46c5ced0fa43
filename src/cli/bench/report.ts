// Formats benchmark measurements as Markdown tables.

export type Family = 'GCM' | 'XTS / CTR' | 'AWS Encryption SDK';
export type Operation = 'encrypt' | 'decrypt';

export interface Measurement {
  implementation: string;
  family: Family;
  operation: Operation;
  bytes: number;
  opsPerSecond: number;
  mibPerSecond: number;
  /** Throughput over the reference of the same family, size and operation (`npm run bench`: @noble/ciphers for GCM and XTS / CTR). */
  ratio: number | null;
  /** Cycles per byte at the clock rate measured in the same run (kms-wasm rows). */
  cyclesPerByte: number | null;
}

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  date: string;
  /** Measured in the run (clock.ts). */
  clockHz: number;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

const fixed = (n: number, digits: number) => n.toFixed(n >= 100 ? 0 : digits);
const cycles = (n: number) => n.toFixed(n >= 100 ? 0 : 1);

/** One row per implementation and operation, one column per size: "MiB/s (× reference, c/B)". */
export function summaryTable(results: Measurement[]): string {
  const sizes = [...new Set(results.map((r) => r.bytes))].sort((a, b) => a - b);
  const rows = [...new Set(results.map((r) => `${r.implementation}\u0000${r.operation}`))];
  const lines = [
    `| implementation | op | ${sizes.map(formatBytes).join(' | ')} |`,
    `| --- | --- | ${sizes.map(() => '---:').join(' | ')} |`,
  ];
  for (const row of rows) {
    const [implementation, operation] = row.split('\u0000');
    const cells = sizes.map((bytes) => {
      const r = results.find((m) => m.implementation === implementation && m.operation === operation && m.bytes === bytes);
      if (!r) return '';
      const notes = [r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`, r.cyclesPerByte === null ? '' : `${cycles(r.cyclesPerByte)} c/B`]
        .filter(Boolean).join(', ');
      return notes ? `${fixed(r.mibPerSecond, 1)} (${notes})` : fixed(r.mibPerSecond, 1);
    });
    lines.push(`| ${implementation} | ${operation} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function fullTable(results: Measurement[], reference = 'noble'): string {
  const lines = [`| implementation | op | size | MiB/s | ops/s | × ${reference} | c/B |`, '| --- | --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of results) {
    lines.push(`| ${r.implementation} | ${r.operation} | ${formatBytes(r.bytes)} | ${fixed(r.mibPerSecond, 2)} | ${fixed(r.opsPerSecond, 1)} | ${r.ratio === null ? '' : r.ratio.toFixed(2)} | ${r.cyclesPerByte === null ? '' : cycles(r.cyclesPerByte)} |`);
  }
  return lines.join('\n');
}

/** The middle value (the upper one of an even count). */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

export function markdownReport(machine: Machine, results: Measurement[], notes: string[]): string {
  return [
    `Measured by \`npm run bench\` on ${machine.date}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node};`,
    `clock measured in the run at ${(machine.clockHz / 1e9).toFixed(2)} GHz (src/cli/bench/clock.ts).`,
    'Throughput in MiB/s from the median time per message (median of 3 interleaved passes); in parentheses,',
    'the ratio to `@noble/ciphers` (its `gcm` for GCM rows, its `ctr` — pure-JS bulk AES — for XTS/CTR rows)',
    'in the same run, and for kms-wasm rows cycles per byte at that clock (for the pool: wall-clock cycles of one core).',
    'Empty cells: not run at that size (the slowest peers stop at 1 MiB, noble at 16 MiB).',
    '',
    summaryTable(results),
    '',
    ...notes,
    '',
    '<details><summary>All measurements (with ops/s)</summary>',
    '',
    fullTable(results),
    '',
    '</details>',
    '',
  ].join('\n');
}
