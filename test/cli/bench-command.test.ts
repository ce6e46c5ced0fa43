// `kms-wasm bench` as a subprocess: the table has every row of kms-wasm's own ciphers and the
// native references at the chosen size, with ratios to node:crypto; --chart - adds a text bar per
// row, --chart FILE.svg writes a well-formed SVG with one bar per row and direction, FILE.png a PNG;
// bad arguments exit 2 naming the argument. (What the numbers are is the bench's business, never a
// test's: only their presence and shape are checked.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { KMS_WASM_GCM, KMS_WASM_XTS, NATIVE_GCM, NATIVE_XTS } from '../../src/cli/bench/kms-wasm-implementations.js';
import { cli } from './cli-run.js';

const IMPLEMENTATIONS = [...KMS_WASM_GCM, ...NATIVE_GCM, ...KMS_WASM_XTS, ...NATIVE_XTS];
const ROWS = IMPLEMENTATIONS.map((row) => row.name);
const escape = (text: string) => text.replace(/[()]/g, '\\$&');
const newDirectory = temporaryDirectories('kms-wasm-cli-bench-');

describe('kms-wasm bench', () => {
  it('measures every row at the chosen size, ratios against node:crypto, and charts them with --chart -', () => {
    const ran = cli(['bench', '--chart', '-', '--size', '4096']);
    expect(ran.stderr).toContain('measured 4 KiB');
    expect(ran.code).toBe(0);
    const out = ran.stdout.toString();
    expect(out).toContain('| implementation | op | 4 KiB |');
    for (const name of ROWS) {
      for (const op of ['encrypt', 'decrypt']) {
        const cell = name.startsWith('node:crypto') ? String.raw`\(1\.00×\)`
          : name.startsWith('kms-wasm') ? String.raw`\(\d+\.\d\d×, [\d.]+ c/B\)` : String.raw`\(\d+\.\d\d×\)`;
        expect(out).toMatch(new RegExp(`^\\| ${escape(name)} \\| ${op} \\| [\\d.]+ ${cell} \\|$`, 'm'));
        expect(out).toMatch(new RegExp(`^${escape(name)} ${op} +[█▏▎▍▌▋▊▉]* +[\\d.]+ MiB/s \\(\\d+\\.\\d\\d×\\)$`, 'm'));
      }
    }
    // The fastest row of the block fills the bar's whole width.
    expect(out).toMatch(/█{40} /);
  }, 120_000);

  it('--chart FILE.svg writes a well-formed SVG with one bar per row, direction and size; FILE.png a PNG', () => {
    const dir = newDirectory();
    const ran = cli(['bench', '--chart', join(dir, 'chart.svg'), '--size', '1024', '--size', '4096']);
    expect(ran.code, ran.stderr.toString()).toBe(0);
    expect(ran.stdout.toString(), 'no text chart').not.toContain('MiB/s (');
    const svg = readFileSync(join(dir, 'chart.svg'), 'utf8');
    expect(XMLValidator.validate(svg)).toBe(true);
    const document = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'rect' }).parse(svg);
    const titles = document.svg.rect.filter((rect: Record<string, string>) => rect['@_class'] === 'bar').map((rect: { title: string }) => rect.title);
    // Sector rows run only at whole sectors (4 KiB), as in the table.
    const expected = [1024, 4096].flatMap((size) => IMPLEMENTATIONS.filter((row) => size % (row.sizeUnit ?? 1) === 0)
      .flatMap(({ name }) => ['encrypt', 'decrypt'].map((op) => `${name} ${op}, ${size / 1024} KiB`)));
    expect(titles.map((title: string) => title.replace(/: .*/, ''))).toEqual(expected);
    for (const title of titles) expect(title).toMatch(/: \d+\.\d\d×, [\d.]+ MiB\/s$/);

    expect(cli(['bench', '--chart', join(dir, 'chart.png'), '--size', '1024']).code).toBe(0);
    const png = readFileSync(join(dir, 'chart.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16), 'width').toBeGreaterThan(400);
  }, 120_000);

  it('prints no chart without --chart', () => {
    const ran = cli(['bench', '--size', '1024']);
    expect(ran.code).toBe(0);
    expect(ran.stdout.toString()).toContain('| kms-wasm gcm (default) | encrypt |');
    expect(ran.stdout.toString()).not.toContain('MiB/s (');
  }, 120_000);

  it('exits 2 naming the argument at fault, and 0 with --help', () => {
    for (const [args, named] of [[['--size', '0'], '--size'], [['--size', '12k'], '--size'], [['--sizes', '1'], "'--sizes'"], [['extra'], 'extra'], [['--chart', 'chart.txt'], '--chart'], [['--chart', '--size', '1024'], "'--chart'"]] as const) {
      const ran = cli(['bench', ...args]);
      expect(ran.code, args.join(' ')).toBe(2);
      expect(ran.stderr).toContain(named);
      expect(ran.stderr).toContain('usage: kms-wasm bench');
    }
    const help = cli(['bench', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.toString()).toContain('--chart');
  });
});
