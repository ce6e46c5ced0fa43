// The README's JavaScript examples run against the built package (imported as 'kms-wasm' or
// 'kms-wasm/node'), and print what their `console.log(...); // expected` comments say. Their
// temporary directories (os.tmpdir()) go under build/, removed after the run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const readme = readFileSync(root + 'README.md', 'utf8');
const examples = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((code) => /from 'kms-wasm(\/node)?'/.test(code));

describe('README examples', () => {
  mkdirSync(root + 'build', { recursive: true });
  const temporary = mkdtempSync(`${root}build/readme-tmp-`);
  afterAll(() => rmSync(temporary, { recursive: true, force: true }));

  it('there is at least one of each entry', () => {
    expect(examples.some((code) => code.includes("from 'kms-wasm'"))).toBe(true);
    expect(examples.some((code) => code.includes("from 'kms-wasm/node'"))).toBe(true);
  });

  examples.forEach((code, index) => {
    it(`example ${index + 1} runs and prints what its comments say`, () => {
      const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!.trim());
      const file = `${root}build/readme-example-${index + 1}.mjs`; // inside the package, so 'kms-wasm' resolves to dist/
      writeFileSync(file, code);
      const printed = execFileSync(process.execPath, [file], { encoding: 'utf8', env: { ...process.env, TMPDIR: temporary } }).trim();
      const output = printed === '' ? [] : printed.split('\n');
      expect(output).toEqual(expected);
    });
  });
});
