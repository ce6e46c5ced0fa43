// A text bar chart of benchmark throughput for a terminal: one block per input size, one bar per
// implementation and direction, scaled to the fastest in that block, in Unicode eighth blocks.
import { formatBytes, type Measurement } from './report.js';

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `fraction` (0–1) of `width` cells, to an eighth of a cell. */
export function bar(fraction: number, width: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, fraction)) * width * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

export function barChart(results: Measurement[], width = 40): string {
  const sizes = [...new Set(results.map((r) => r.bytes))].sort((a, b) => a - b);
  const labelWidth = Math.max(...results.map((r) => `${r.implementation} ${r.operation}`.length));
  const blocks = sizes.map((bytes) => {
    const rows = results.filter((r) => r.bytes === bytes);
    const fastest = Math.max(...rows.map((r) => r.mibPerSecond));
    const lines = rows.map((r) => {
      const ratio = r.ratio === null ? '' : ` (${r.ratio.toFixed(2)}×)`;
      return `${`${r.implementation} ${r.operation}`.padEnd(labelWidth)} ${bar(r.mibPerSecond / fastest, width).padEnd(width)} ${r.mibPerSecond.toFixed(1)} MiB/s${ratio}`;
    });
    return [`${formatBytes(bytes)}:`, ...lines].join('\n');
  });
  return blocks.join('\n\n');
}
