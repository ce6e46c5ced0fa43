// `kms-wasm bench` as a subprocess: the table has every row of kms-wasm's own ciphers and the
// native references at the chosen size, with ratios to node:crypto; --chart adds one bar per row;
// bad arguments exit 2 naming the argument. (What the numbers are is the bench's business, never a
// test's: only their presence and shape are checked.)
import { describe, expect, it } from 'vitest';
import { KMS_WASM_GCM, KMS_WASM_XTS, NATIVE_GCM, NATIVE_XTS } from '../../src/cli/bench/kms-wasm-implementations.js';
import { cli } from './cli-run.js';

const ROWS = [...KMS_WASM_GCM, ...NATIVE_GCM, ...KMS_WASM_XTS, ...NATIVE_XTS].map((row) => row.name);
const escape = (text: string) => text.replace(/[()]/g, '\\$&');

describe('kms-wasm bench', () => {
  it('measures every row at the chosen size, ratios against node:crypto, and charts them with --chart', () => {
    const ran = cli(['bench', '--chart', '--size', '4096']);
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

  it('prints no chart without --chart', () => {
    const ran = cli(['bench', '--size', '1024']);
    expect(ran.code).toBe(0);
    expect(ran.stdout.toString()).toContain('| kms-wasm gcm (default) | encrypt |');
    expect(ran.stdout.toString()).not.toContain('MiB/s (');
  }, 120_000);

  it('exits 2 naming the argument at fault, and 0 with --help', () => {
    for (const [args, named] of [[['--size', '0'], '--size'], [['--size', '12k'], '--size'], [['--sizes', '1'], "'--sizes'"], [['extra'], 'extra']] as const) {
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
