// The tests Stryker runs for a module set (stryker.config.mjs): the set's own unit tests, named in
// scripts/mutation-sets.mjs — never the browser, service, PostgreSQL, crash or soak suites.
import { defineConfig } from 'vitest/config';
import { selectedSet } from './scripts/mutation-sets.mjs';
import base from './vitest.config.js';

const set = selectedSet();
if (!set) throw new Error('vitest.mutation.config.ts is for Stryker runs started by `npm run test:mutation`.');

export default defineConfig({
  ...base,
  test: { ...base.test, include: set.tests },
});
