// Importing the package changes no global (package.json says "sideEffects": false), and neither
// does running its worker pool: the worker entry's top-level code, which installs the worker's
// message handler, runs only in the workers. Checked in a fresh Node process, against the built
// dist/index.js that users import; test/browser/chromium.test.ts checks the same in a page.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const helper = new URL('../helpers/global-changes.js', import.meta.url).href;
const entry = new URL('../../dist/index.js', import.meta.url).href;

describe('importing kms-wasm', () => {
  it('changes no global in Node, nor does running the worker pool', () => {
    const script = `import { globalChanges } from ${JSON.stringify(helper)};\nconsole.log(JSON.stringify(await globalChanges(${JSON.stringify(entry)})));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ onImport: [], afterPool: [], roundTrip: true });
  });

  it('is declared free of side effects', () => {
    expect(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).sideEffects).toBe(false);
  });
});
