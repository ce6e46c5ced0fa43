// The suite needs nothing beside the checkout: no test, bench or build script names a path outside
// the repository (vectors and seed excerpts live in test/vectors/). The tests used to read Wycheproof
// files and a seed text from ../shared, so `npm test` failed on a plain clone.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SCANNED = ['test', 'bench', 'scripts'];
const SOURCE = /\.(ts|js|mjs|cjs)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return SOURCE.test(entry.name) ? [path] : [];
  });
}

const outside = (path: string) => relative(root, path).startsWith('..');
/** The kernel's interfaces (a bench probe reads /proc/self/task): not files a clone lacks. */
const SYSTEM = /^\/(proc|sys|dev)\//;

/**
 * The paths in `source` (a file at `file`) that lead out of the repository: relative paths that
 * resolve outside it from the file's folder, a bare `..` segment (for path.join), and absolute paths
 * to files that exist outside it (other than the kernel's).
 */
function escapingPaths(file: string, source: string): string[] {
  const found: string[] = [];
  for (const [, path = ''] of source.matchAll(/['"`]([^'"`\n]*)['"`]/g)) {
    if (path === '..') found.push(path);
    else if (/^\.\.?\//.test(path) && outside(resolve(dirname(file), path))) found.push(path);
    else if (path.startsWith('/') && path !== '/' && !SYSTEM.test(path) && existsSync(path) && outside(path)) found.push(path);
  }
  return found;
}

describe('the suite stands on its own', () => {
  it('no test, bench or build script names a path outside the repository', () => {
    // This file is left out: it spells out the escapes the check must catch.
    const self = fileURLToPath(import.meta.url);
    const files = [...SCANNED.flatMap((dir) => sourceFiles(join(root, dir))), join(root, 'vitest.config.ts')].filter((f) => f !== self);
    expect(files.length).toBeGreaterThan(40);
    const escapes = files.flatMap((file) => escapingPaths(file, readFileSync(file, 'utf8')).map((path) => `${relative(root, file)}: ${path}`));
    expect(escapes).toEqual([]);
  });

  it('catches the paths the tests used to read', () => {
    const helper = join(root, 'test/helpers/vectors.ts');
    // Spelled out in pieces so this file itself names no path outside the repository.
    const sharedVectors = `${'../'.repeat(3)}elsewhere/vectors/`;
    expect(escapingPaths(helper, `new URL('${sharedVectors}', import.meta.url)`)).toEqual([sharedVectors]);
    expect(escapingPaths(helper, 'join(here, "..", "..", "..", "shared")')).toEqual(['..', '..', '..']);
    expect(escapingPaths(helper, `readFileSync('${dirname(root)}')`)).toEqual([dirname(root)]);
    expect(escapingPaths(helper, "readFileSync('/proc/self/status')")).toEqual([]);
    expect(escapingPaths(helper, "import { x } from '../shared/known-answers.js'; new URL('../vectors/', import.meta.url)")).toEqual([]);
  });
});
