// Where `kms-wasm bench --chart FILE` puts its chart: FILE.svg as it is (svg-chart.ts), FILE.png
// rendered from that SVG by resvg (@resvg/resvg-js: a Rust SVG renderer whose prebuilt binary comes
// as an npm package for each platform, so nothing is downloaded at install), an optional peer
// dependency that only the PNG needs; `-` for the text chart on stdout (bar-chart.ts).
import { writeFile } from 'node:fs/promises';
import { UsageError } from '../command-line.js';

export type ChartTarget = { kind: 'text' } | { kind: 'file'; path: string; write(svg: string): Promise<void> };

/** Checks `--chart`'s value, and for a PNG loads the renderer, before anything is measured. */
export async function chartTarget(path: string): Promise<ChartTarget> {
  if (path === '-') return { kind: 'text' };
  const format = /\.(svg|png)$/i.exec(path)?.[1]?.toLowerCase();
  if (format === 'svg') return { kind: 'file', path, write: (svg) => writeFile(path, svg) };
  if (format !== 'png') throw new UsageError(`--chart: expected FILE.svg, FILE.png or - (a text chart on stdout), got "${path}"`);
  let Resvg: typeof import('@resvg/resvg-js').Resvg;
  try {
    ({ Resvg } = await import('@resvg/resvg-js'));
  } catch {
    throw new UsageError('--chart: a PNG needs the optional package @resvg/resvg-js (npm install @resvg/resvg-js@2.6.2); FILE.svg needs nothing');
  }
  return {
    kind: 'file', path,
    write: (svg) => writeFile(path, new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans Mono' } }).render().asPng()),
  };
}
