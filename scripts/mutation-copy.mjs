// What the hand-written mutant scripts share (assembly-mutants.mjs, mutation-plausible-bugs.mjs):
// a copy of the sources in a temporary directory, so the worktree never holds a mutant (a build or
// a Stryker run started meanwhile sees only the real code), one-line edits applied to it and undone,
// and vitest runs in it.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A copy of `entries` (paths of the worktree) with node_modules linked; `remove()` deletes it. */
export function sourceCopy(prefix, entries) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const entry of entries) cpSync(entry, join(dir, entry), { recursive: true });
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Replaces `mutant.from` (which must occur exactly once in `path`, relative to `dir`) by `mutant.to`,
 * returns what `run()` returns, and puts the file back whatever happens.
 */
export function applyInCopy(dir, { name, file, from, to }, run) {
  const path = join(dir, file);
  const source = readFileSync(path, 'utf8');
  if (source.split(from).length !== 2) throw new Error(`${name}: the text to mutate must occur exactly once in ${file}`);
  try {
    writeFileSync(path, source.replace(from, () => to));
    return run();
  } finally {
    writeFileSync(path, source);
  }
}

/** Whether `vitest run` passes in `dir` with `args` (stopping at the first failure). */
export function vitestPasses(dir, args) {
  return failedTests(dir, args).length === 0;
}

/**
 * The tests that fail under `vitest run` in `dir` with `args`, stopping at the first failure, as
 * "file > test" (or the run's own error, when it fails before or outside any test).
 */
export function failedTests(dir, args) {
  const run = spawnSync('npx', ['vitest', 'run', '--bail', '1', '--reporter=json', ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status === 0) return [];
  try {
    const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{')));
    const failed = report.testResults.flatMap((file) => file.assertionResults.filter((test) => test.status === 'failed')
      .map((test) => `${file.name.slice(dir.length + 1)} > ${test.title}`));
    return failed.length > 0 ? failed : [`vitest exited with ${run.status}`];
  } catch {
    return [`vitest exited with ${run.status}: ${run.stderr.split('\n').slice(-3).join(' ')}`];
  }
}
