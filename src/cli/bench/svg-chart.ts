// An SVG bar chart of benchmark results, for `kms-wasm bench --chart FILE.svg`: one bar per
// measurement (implementation, direction, size), its length the throughput's ratio to the
// reference (node:crypto for `kms-wasm bench`), in one block per size on one scale, with a dashed
// line at 1× so that every bar reads as "faster or slower than the reference" at a glance.
import { formatBytes, type Measurement } from './report.js';

const ROW = 20;
const BAR = 14;
const BAR_AREA = 420;
/** Widths are estimated for a monospace font at FONT_SIZE (about 0.6 em a character). */
const FONT_SIZE = 12;
const CHAR = 0.6 * FONT_SIZE;
const COLOURS: Record<Measurement['operation'], string> = { encrypt: '#4e79a7', decrypt: '#f28e2b' };

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`);

const text = (x: number, y: number, content: string, attributes = '') =>
  `<text x="${x}" y="${y}"${attributes}>${escapeXml(content)}</text>`;

/** The chart as a standalone SVG document: `title` and `subtitle` head it, `reference` names what 1× is. */
export function svgChart(results: Measurement[], { title, subtitle, reference }: { title: string; subtitle: string; reference: string }): string {
  const sizes = [...new Set(results.map((r) => r.bytes))].sort((a, b) => a - b);
  const labelWidth = Math.ceil(Math.max(...results.map((r) => `${r.implementation} ${r.operation}`.length), 10) * CHAR) + 10;
  const notes = results.map((r) => `${r.ratio === null ? 'no reference' : `${r.ratio.toFixed(2)}×`}, ${r.mibPerSecond.toFixed(1)} MiB/s`);
  const noteWidth = Math.ceil(Math.max(...notes.map((n) => n.length)) * CHAR) + 10;
  const scale = BAR_AREA / (Math.max(1, ...results.map((r) => r.ratio ?? 0)) * 1.05);
  const left = 10 + labelWidth;
  const lines: string[] = [];
  let y = 62;
  for (const bytes of sizes) {
    lines.push(text(10, y + 14, formatBytes(bytes), ' font-weight="bold"'));
    y += ROW;
    for (const [i, r] of results.entries()) {
      if (r.bytes !== bytes) continue;
      lines.push(
        text(10, y + 14, `${r.implementation} ${r.operation}`),
        `<rect class="bar" x="${left}" y="${y + 3}" width="${((r.ratio ?? 0) * scale).toFixed(1)}" height="${BAR}" fill="${COLOURS[r.operation]}"><title>${escapeXml(`${r.implementation} ${r.operation}, ${formatBytes(bytes)}: ${notes[i]}`)}</title></rect>`,
        text(left + (r.ratio ?? 0) * scale + 6, y + 14, notes[i]!),
      );
      y += ROW;
    }
    y += ROW / 2;
  }
  const width = Math.ceil(Math.max(left + BAR_AREA + noteWidth, 20 + title.length * 14 * 0.6, 20 + subtitle.length * CHAR));
  const one = left + scale;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" viewBox="0 0 ${width} ${y + 10}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="${FONT_SIZE}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    text(10, 20, title, ' font-size="14" font-weight="bold"'),
    text(10, 36, subtitle, ' fill="#555"'),
    text(one, 54, `1× = ${reference}`, ' text-anchor="middle" fill="#555"'),
    `<line x1="${one}" y1="58" x2="${one}" y2="${y}" stroke="#555" stroke-dasharray="4 3"/>`,
    ...lines,
    '</svg>',
    '',
  ].join('\n');
}
