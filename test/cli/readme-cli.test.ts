// The README's command-line quick start ("## Command line": install, create a key, encrypt a file,
// decrypt it, verify the audit) run as written by bash against the built CLI, with `kms-wasm`
// standing for `node dist/cli.js` and the install line left out; the audit line prints what its
// comment says.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { CLI } from '../service/cli-process.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const newDirectory = temporaryDirectories('kms-wasm-readme-cli-');
const quickStart = /## Command line\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;

describe('README command-line quick start', () => {
  it('runs and its audit verify prints what its comment says', () => {
    const lines = quickStart.split('\n').filter((line) => line && !line.startsWith('npm install'));
    const expected = /kms-wasm audit verify\s+# (.*)$/m.exec(quickStart)![1]!;
    const script = `set -euo pipefail\nkms-wasm() { "${process.execPath}" "${CLI}" "$@"; }\n${lines.join('\n')}\n`;
    const ran = spawnSync('bash', ['-c', script], { cwd: newDirectory(), env: { PATH: process.env.PATH! } });
    expect(ran.status, ran.stderr.toString()).toBe(0);
    expect(JSON.parse(ran.stdout.toString())).toMatchObject(JSON.parse(expected));
  });
});
