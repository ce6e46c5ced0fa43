// `npm run bench [-- --save]`: bundles bench/run.ts (dependencies stay external) and runs it with
// Node, passing the arguments on.
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: ['bench/run.ts'],
  outfile: 'build/bench.mjs',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
// The PostgreSQL store (bench/stores.ts) reads its migrations beside the module that runs them.
cpSync('src/kms/postgres-migrations', 'build/postgres-migrations', { recursive: true });
// The run reports its own errors; its exit status is passed on without a stack of this script's.
process.exitCode = spawnSync(process.execPath, ['build/bench.mjs', ...process.argv.slice(2)], { stdio: 'inherit' }).status ?? 1;
