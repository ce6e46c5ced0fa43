// `kms-wasm audit verify|show` as subprocesses: verify passes on the trail the CLI's own calls
// wrote, and fails with exit 1 when a record is removed or reordered (the HMAC chain breaks) or a
// line is edited (the store refuses the damaged log); show filters by key and time.

import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { cli } from './cli-run.js';

const newDirectory = temporaryDirectories('kms-wasm-cli-audit-');

describe('kms-wasm audit', () => {
  const dir = newDirectory();
  const store = join(dir, 'store');
  const run = (...args: string[]) => cli([...args, '--dir', store]);
  const one = run('kms', 'create-key').json().KeyMetadata;
  const two = run('kms', 'create-key').json().KeyMetadata;
  run('kms', 'describe-key', '--key-id', one.KeyId);
  run('kms', 'describe-key', '--key-id', 'alias/missing'); // refused: recorded with its error code

  it('verify passes on an intact trail and prints the record count', () => {
    const verified = run('audit', 'verify');
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.json()).toEqual({ Valid: true, Records: 4, Head: { count: 4, mac: expect.stringMatching(/^[0-9a-f]{64}$/) } });
  });

  it('show prints the records, by key and since a time', () => {
    const all = run('audit', 'show').json().Records;
    expect(all.map((r: { eventName: string }) => r.eventName)).toEqual(['CreateKey', 'CreateKey', 'DescribeKey', 'DescribeKey']);
    expect(all[3]).toMatchObject({ errorCode: 'NotFoundException' });
    expect(run('audit', 'show', '--key-id', one.KeyId).json().Records.map((r: { eventName: string }) => r.eventName)).toEqual(['DescribeKey']);
    expect(run('audit', 'show', '--key-id', two.Arn).json().Records).toEqual([]);
    expect(run('audit', 'show', '--since', all[2].eventTime).json().Records).toEqual(all.slice(2));
    expect(run('audit', 'show', '--since', '2999-01-01T00:00:00Z').json().Records).toEqual([]);
  });

  it('verify fails with exit 1 when a record is removed, reordered or edited', () => {
    const lines = readFileSync(join(store, 'audit.log'), 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(4);
    const tampered: Array<[string, string[]]> = [
      ['a record removed', [lines[0]!, lines[2]!, lines[3]!]],
      ['records reordered', [lines[0]!, lines[2]!, lines[1]!, lines[3]!]],
      ['a line edited', [lines[0]!, lines[1]!.slice(0, 20) + (lines[1]![20] === 'A' ? 'B' : 'A') + lines[1]!.slice(21), lines[2]!, lines[3]!]],
    ];
    for (const [what, kept] of tampered) {
      const copy = join(newDirectory(), 'store');
      cpSync(store, copy, { recursive: true });
      writeFileSync(join(copy, 'audit.log'), `${kept.join('\n')}\n`);
      const ran = cli(['audit', 'verify', '--dir', copy]);
      expect(ran.code, what).toBe(1);
      expect(ran.stderr, what).toMatch(/does not verify from record 1|damaged/);
    }
  });

  it('with --anchor (the Head verify printed), a trail cut back before it fails; without, a shorter chain is still valid', () => {
    const head = JSON.stringify(run('audit', 'verify').json().Head);
    expect(run('audit', 'verify', '--anchor', head).code).toBe(0);
    const copy = join(newDirectory(), 'store');
    cpSync(store, copy, { recursive: true });
    const lines = readFileSync(join(copy, 'audit.log'), 'utf8').split('\n').filter(Boolean);
    writeFileSync(join(copy, 'audit.log'), `${lines.slice(0, -1).join('\n')}\n`);
    expect(cli(['audit', 'verify', '--dir', copy]).json()).toMatchObject({ Valid: true, Records: 3 });
    const anchored = cli(['audit', 'verify', '--dir', copy, '--anchor', head]);
    expect(anchored.code).toBe(1);
    expect(anchored.stderr).toMatch(/does not verify from record 3 of 3/);
  });

  it('usage errors exit 2 naming the argument', () => {
    for (const [args, message] of [[['audit'], /expected verify or show, got nothing/], [['audit', 'check'], /got "check"/],
      [['audit', 'show', '--since', 'yesterday'], /--since: expected an ISO 8601 time/], [['audit', 'verify', '--key-id', 'k'], /--since and --key-id are for show/],
      [['audit', 'verify', '--anchor', '{"count":1}'], /--anchor: expected the Head/], [['audit', 'show', '--anchor', '{}'], /--anchor is for verify/]] as const) {
      const ran = run(...args);
      expect(ran.code, args.join(' ')).toBe(2);
      expect(ran.stderr).toMatch(message);
    }
    expect(cli(['audit', '--help']).stdout.toString()).toContain('kms-wasm audit verify --dir');
  });
});
