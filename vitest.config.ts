import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // --expose-gc lets memory tests measure live memory rather than garbage not yet collected.
    // Two forks even on 2 cores (vitest's default there is one): many suites wait on child processes,
    // fsync and PostgreSQL, and one fork left a core idle (load ~1.4 through CI's run, 16 min in all).
    poolOptions: { forks: { execArgv: ['--expose-gc'], maxForks: 2, minForks: 1 } },
  },
});
