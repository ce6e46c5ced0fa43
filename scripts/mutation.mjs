// `npm run test:mutation -- [<module glob or set name> …] [--changed-since <git ref>] [-- <stryker options>]`
// Runs Stryker once per selected module set of scripts/mutation-sets.mjs, one set after another
// (each run mutates only that set's code and runs only its unit tests), then prints each set's
// score. No selector runs every set. --changed-since picks the sets whose code or tests differ from
// the merge base with that ref (CI's KMS_WASM_MUTATION=1 path); --list prints the selected sets and
// their tests without running them. Exits non-zero when a run fails or
// a set scores under the break threshold (90%).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { matchesGlob } from 'node:path';
import { mutationSets } from './mutation-sets.mjs';

const args = process.argv.slice(2);
const passThrough = args.includes('--') ? args.splice(args.indexOf('--')).slice(1) : [];
let changedSince;
let listOnly = false;
const selectors = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--changed-since') changedSince = args[++i];
  else if (args[i] === '--list') listOnly = true;
  else if (args[i].startsWith('--')) passThrough.push(args[i]);
  else selectors.push(args[i]);
}

/** Whether a selector (a set name, a file, or a glob over files) names this set. */
const names = (set, selector) =>
  set.name === selector || set.mutate.some((file) => file === selector || matchesGlob(file, selector));

let sets = selectors.length ? mutationSets.filter((set) => selectors.some((selector) => names(set, selector))) : mutationSets;
for (const selector of selectors) {
  if (!mutationSets.some((set) => names(set, selector))) {
    console.error(`no mutation set mutates ${selector}; the sets: ${mutationSets.map((set) => set.name).join(', ')}`);
    process.exit(2);
  }
}
if (changedSince !== undefined) {
  const base = execFileSync('git', ['merge-base', 'HEAD', changedSince], { encoding: 'utf8' }).trim();
  const changed = new Set(execFileSync('git', ['diff', '--name-only', base], { encoding: 'utf8' }).split('\n').filter(Boolean));
  sets = sets.filter((set) => [...set.mutate, ...set.tests].some((file) => changed.has(file)));
  console.log(`mutation sets changed since ${changedSince} (${base.slice(0, 12)}): ${sets.map((set) => set.name).join(', ') || 'none'}`);
}

if (listOnly) {
  for (const set of sets) console.log(`${set.name}: ${set.mutate.join(' ')}\n  tests: ${set.tests.join(' ')}`);
  process.exit(0);
}

/** The mutation score of a set's last run, from Stryker's JSON report: detected / (detected + undetected). */
function score(setName) {
  const report = `reports/mutation/${setName}/mutation.json`;
  if (!existsSync(report)) return undefined;
  const counts = {};
  for (const file of Object.values(JSON.parse(readFileSync(report, 'utf8')).files)) {
    for (const mutant of file.mutants) counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
  }
  const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  const undetected = (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
  return { percent: (100 * detected) / (detected + undetected), counts };
}

const results = [];
for (const set of sets) {
  console.log(`\n=== mutation set ${set.name}: ${set.mutate.join(' ')}`);
  const started = Date.now();
  const run = spawnSync('npx', ['stryker', 'run', ...passThrough], {
    stdio: 'inherit',
    env: { ...process.env, MUTATION_SET: set.name },
  });
  results.push({ set, status: run.status, minutes: (Date.now() - started) / 60_000, score: score(set.name) });
}

console.log('\nset | score | mutants | minutes');
for (const { set, status, minutes, score: result } of results) {
  const counts = result ? Object.entries(result.counts).map(([status, n]) => `${n} ${status}`).join(', ') : 'no report';
  console.log(`${set.name} | ${result ? result.percent.toFixed(2) + '%' : '-'} | ${counts} | ${minutes.toFixed(1)}${status === 0 ? '' : ' (failed)'}`);
}
process.exit(results.every(({ status }) => status === 0) ? 0 : 1);
