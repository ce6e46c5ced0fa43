// The package as users get it: `npm pack`, `npm install <tarball>` into a new project, and a GCM and
// an envelope round trip there through `import ... from 'kms-wasm'`, and `npx kms-wasm --help` (scripts/check-package.mjs;
// this packs dist/ as `npm test` built it; `--clean-clone` also checks that "prepack" builds).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the npm package', () => {
  it('installs from its tarball into a consumer project and works there', () => {
    const output = execFileSync(process.execPath, ['scripts/check-package.mjs'], { cwd: root, encoding: 'utf8' }).trim().split('\n');
    expect(output.slice(0, 3)).toEqual(['gcm round trip', 'envelope round trip', 'npx kms-wasm --help']);
    expect(output[3]).toMatch(/^kms-wasm-[\d.]+\.tgz: \d+ files, \d+ bytes, installed and imported$/);
  });

  it('builds when packed, and ships the licence it names', () => {
    const manifest = JSON.parse(readFileSync(root + 'package.json', 'utf8'));
    expect(manifest.scripts.prepack).toBe('npm run build');
    expect(manifest.license).toBe('Apache-2.0');
    expect(readFileSync(root + 'LICENSE', 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\/[\s\S]*END OF TERMS AND CONDITIONS/);
  });
});
