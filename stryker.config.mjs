// Mutation testing of the security-critical modules: run through `npm run test:mutation -- <glob>`
// (scripts/mutation.mjs), which runs Stryker once per module set of scripts/mutation-sets.mjs.
// Stryker puts one small bug at a time into the set's code and runs, for each mutant, only the
// tests of the set that reached that line (perTest coverage); a mutant no test notices ("survived")
// is a missing test or, if it cannot change behaviour, an equivalent mutant, marked where it occurs
// with a `// Stryker disable next-line <mutator>: <reason>` comment. The WASM core (assembly/) is
// mutated by hand instead: scripts/assembly-mutants.mjs.
import { selectedSet } from './scripts/mutation-sets.mjs';

const set = selectedSet();
if (!set) throw new Error('Run mutation testing through `npm run test:mutation -- <module glob>` (it names the set to Stryker).');
const reports = `reports/mutation/${set.name}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  // Mutants that do not compile are rejected before any test runs; the checker reads src only.
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  // Only the tests that reach a mutant run for it; two processes at most (the machine is shared).
  coverageAnalysis: 'perTest',
  concurrency: 2,
  mutate: set.mutate,
  // Not copied into Stryker's sandbox: build output (a build running meanwhile deletes dist/ under
  // the copy) and what no set's tests read.
  ignorePatterns: ['/dist', '/build', '/docs', '/bench'],
  // Results of the last run of this set are reused for mutants whose code and covering tests did not
  // change. The file stays out of git (reports/ is ignored): it is a cache of this machine's runs,
  // rewritten on each run and different on every branch, so committing it would only add conflicts.
  incremental: true,
  incrementalFile: `${reports}/incremental.json`,
  // The event recorder writes each mutant's result to `${reports}/events/` as it is tested, so a run
  // cut short (a loaded machine, a deadline) still shows which mutants it killed and which survived.
  reporters: ['clear-text', 'progress', 'html', 'json', 'event-recorder'],
  eventReporter: { baseDir: `${reports}/events` },
  htmlReporter: { fileName: `${reports}/index.html` },
  jsonReporter: { fileName: `${reports}/mutation.json` },
  thresholds: { high: 95, low: 90, break: 90 },
  timeoutMS: 60_000,
};
