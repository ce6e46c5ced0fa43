// The Node suite as Stryker runs it for each mutant (stryker.config.mjs): the browser suite needs a
// built bundle and Chromium, and the memory tests measure the heap, which Stryker's instrumentation
// changes; both stay in `npm test`.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(base, defineConfig({
  test: {
    exclude: ['test/browser/**', 'test/envelope/memory.test.ts', 'node_modules/**'],
  },
}));
