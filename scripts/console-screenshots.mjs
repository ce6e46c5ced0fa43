// Refreshes the README's console screenshots (docs/console-*.png) from the ones the browser tests
// take (build/screenshots/): runs those tests, then copies their pictures. `npm run screenshots`.

import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';

const pictures = {
  'console-keys.png': 'test/browser/console-keys.test.ts',
  'console-error.png': 'test/browser/console-keys.test.ts',
  'console-upload.png': 'test/browser/console-client-side.test.ts',
};
// One file at a time: the upload suite's load would slow the keys suite's page past its waits.
execFileSync('npx', ['vitest', 'run', '--no-file-parallelism', ...new Set(Object.values(pictures))], { stdio: 'inherit' });
for (const name of Object.keys(pictures)) copyFileSync(`build/screenshots/${name}`, `docs/${name}`);
console.log(`docs/: ${Object.keys(pictures).join(', ')} refreshed`);
