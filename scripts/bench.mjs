// `npm run bench`: bundles bench/run.ts (dependencies stay external) and runs it with Node.
import { execFileSync } from 'node:child_process';
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
execFileSync(process.execPath, ['build/bench.mjs'], { stdio: 'inherit' });
