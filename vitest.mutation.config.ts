// The Node suite as Stryker runs it for each mutant (stryker.config.mjs): the browser suite needs a
// built bundle and Chromium, and the memory tests measure the heap, which Stryker's instrumentation
// changes; both stay in `npm test`. MUTATION_TESTS (comma-separated globs) narrows the tests for a
// quick run of one module: a mutant those tests miss may still be killed by the rest, so a score
// from a narrowed run is a lower bound.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

const narrowed = process.env.MUTATION_TESTS?.split(',').filter(Boolean);

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: narrowed?.length ? narrowed : base.test!.include!,
    exclude: ['test/browser/**', 'test/envelope/memory.test.ts', 'node_modules/**'],
  },
});
