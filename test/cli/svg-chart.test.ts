// The SVG chart of `kms-wasm bench --chart FILE.svg`: a well-formed document (checked with an XML
// parser) with one bar per measurement, each bar's length its ratio on one scale (the reference's
// bar ends on the 1× line), names escaped, and a measurement without a reference drawn empty.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../src/cli/bench/report.js';
import { svgChart } from '../../src/cli/bench/svg-chart.js';

const measurement = (implementation: string, operation: Measurement['operation'], bytes: number, ratio: number | null): Measurement => ({
  implementation, family: 'GCM', operation, bytes, opsPerSecond: 1, mibPerSecond: 100 * (ratio ?? 1), ratio, cyclesPerByte: null,
});

interface Rect { '@_class'?: string; '@_x': string; '@_width': string; title?: string }

function parse(svg: string): { rects: Rect[]; line: { '@_x1': string }; texts: string[] } {
  expect(XMLValidator.validate(svg)).toBe(true);
  const document = new XMLParser({ ignoreAttributes: false, isArray: (name) => ['rect', 'text'].includes(name) }).parse(svg);
  const texts = document.svg.text.map((t: string | { '#text': string }) => (typeof t === 'string' ? t : t['#text']));
  return { rects: document.svg.rect, line: document.svg.line, texts };
}

describe('svgChart', () => {
  const results = [
    measurement('kms-wasm <gcm> & "co"', 'encrypt', 1024, 0.5),
    measurement('kms-wasm <gcm> & "co"', 'decrypt', 1024, 2),
    measurement('native', 'encrypt', 1024, 1),
    measurement('native', 'encrypt', 65536, 1),
    measurement('unreferenced', 'decrypt', 65536, null),
  ];
  const svg = svgChart(results, { title: 'bench <test>', subtitle: 'a machine', reference: 'native' });
  const { rects, line, texts } = parse(svg);
  const bars = rects.filter((rect) => rect['@_class'] === 'bar');

  it('is well-formed, with one bar per measurement, each titled with its name and ratio', () => {
    expect(bars).toHaveLength(results.length);
    expect(bars.map((bar) => bar.title)).toEqual([
      'kms-wasm <gcm> & "co" encrypt, 1 KiB: 0.50×, 50.0 MiB/s',
      'kms-wasm <gcm> & "co" decrypt, 1 KiB: 2.00×, 200.0 MiB/s',
      'native encrypt, 1 KiB: 1.00×, 100.0 MiB/s',
      'native encrypt, 64 KiB: 1.00×, 100.0 MiB/s',
      'unreferenced decrypt, 64 KiB: no reference, 100.0 MiB/s',
    ]);
    expect(texts).toEqual(expect.arrayContaining(['bench <test>', 'a machine', '1× = native', '1 KiB', '64 KiB']));
  });

  it('draws bars on one scale, the reference ending on the 1× line, and one without a reference empty', () => {
    const widths = bars.map((bar) => Number(bar['@_width']));
    expect(widths[1]! / widths[0]!).toBeCloseTo(4, 1);
    expect(widths[2]).toBeCloseTo(widths[3]!, 5);
    expect(Number(bars[2]!['@_x']) + widths[2]!).toBeCloseTo(Number(line['@_x1']), 0);
    expect(widths[4]).toBe(0);
  });
});
