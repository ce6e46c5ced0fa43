// The README's JavaScript examples run against the built package (imported as 'kms-wasm'), and
// print what their `console.log(...); // expected` comments say.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const readme = readFileSync(root + 'README.md', 'utf8');
const examples = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((code) => code.includes("from 'kms-wasm'"));

describe('README examples', () => {
  it('there is at least one', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  examples.forEach((code, index) => {
    it(`example ${index + 1} runs and prints what its comments say`, () => {
      const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!.trim());
      mkdirSync(root + 'build', { recursive: true });
      const file = `${root}build/readme-example-${index + 1}.mjs`; // inside the package, so 'kms-wasm' resolves to dist/
      writeFileSync(file, code);
      const printed = execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim();
      const output = printed === '' ? [] : printed.split('\n');
      expect(output).toEqual(expected);
    });
  });
});
