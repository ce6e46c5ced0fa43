// `npm run bench`: every implementation side by side in one process, for each input size and
// direction (the loop is src/cli/bench/measure.ts, shared with `kms-wasm bench`); then AWS
// Encryption SDK messages, kms-wasm against @aws-crypto/client-node, and in Chromium against
// @aws-crypto/client-browser; then the stores section (KMS stores, stores.ts; object metadata stores,
// object-stores.ts; `npm run bench -- --stores` runs that section alone) and the service section (service.ts; `-- --service` alone). Prints Markdown tables and writes latest.{json,md} to
// bench/results/local/, or with `-- --save` to bench/results/ (the committed copy README.md quotes;
// see results-dir.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { implementations } from './implementations.js';
import { awsEsdkImplementations } from './aws-esdk-implementations.js';
import { measureInChromium } from './browser-aws-esdk.js';
import { terminateWorkers } from '../src/index.js';
import { pairedSpeedups } from './pool-speedup.js';
import { measureClockHz } from '../src/cli/bench/clock.js';
import { measure } from '../src/cli/bench/measure.js';
import { STANDARD_SIZES } from '../src/cli/bench/kms-wasm-implementations.js';
import { fullTable, markdownReport, summaryTable, type Machine } from '../src/cli/bench/report.js';
import { svgChart } from '../src/cli/bench/svg-chart.js';
import { resultsDir } from './results-dir.js';
import { objectStoresSection } from './object-stores.js';
import { storesSection } from './stores.js';
import { serviceSection } from './service.js';

if (process.argv.includes('--stores')) {
  console.log(`${await storesSection()}\n${await objectStoresSection()}`);
  process.exit(0);
}
if (process.argv.includes('--service')) {
  console.log(await serviceSection());
  process.exit(0);
}

const outDir = resultsDir(process.argv.slice(2));
const started = performance.now();
const clockBefore = measureClockHz();
const onSize = (bytes: number) => process.stderr.write(`  measured ${bytes} B\n`);
const results = await measure(implementations, { standardSizes: STANDARD_SIZES, clockHz: clockBefore, passes: 3, onSize });
const awsEsdkResults = await measure(awsEsdkImplementations, { standardSizes: [], clockHz: clockBefore, passes: 3, onSize });
// Minutes of measurements above are not thrown away for want of a browser: the section says what failed.
const browserResults = await measureInChromium(clockBefore).catch((error: Error) => error);
const clockAfter = measureClockHz();
const clockHz = Math.max(clockBefore, clockAfter);
const browserRows = browserResults instanceof Error ? [] : browserResults;
for (const r of [...results, ...awsEsdkResults, ...browserRows]) if (r.cyclesPerByte !== null) r.cyclesPerByte *= clockHz / clockBefore;
const machine: Machine = {
  clockHz,
  cpu: cpus()[0]?.model ?? 'unknown CPU',
  cores: cpus().length,
  node: process.versions.node,
  date: new Date().toISOString().slice(0, 10),
};
const speedups = await pairedSpeedups([
  { pool: 'kms-wasm gcm (pool)', single: 'kms-wasm gcm (default)' },
  { pool: 'kms-wasm xts sectors (pool)', single: 'kms-wasm xts sectors' },
  { pool: 'kms-wasm xts sectors in place (pool)', single: 'kms-wasm xts sectors in place' },
], machine.cores);
await terminateWorkers();
const notes = [...speedups, `The suite took ${Math.round((performance.now() - started) / 1000)} s. Clock before / after the suite: `
  + `${(clockBefore / 1e9).toFixed(2)} / ${(clockAfter / 1e9).toFixed(2)} GHz (cycles per byte use the faster).`];
const awsEsdkSection = [
  '## AWS Encryption SDK messages',
  '',
  'kms-wasm (`encryptAwsEsdkMessage` / `decryptAwsEsdkMessage`) against `@aws-crypto/client-node` (node:crypto underneath) in the',
  'same process: raw AES keyring, suite 0x0478 (AES-256-GCM, HKDF-SHA-512, key commitment), 4096-byte frames, one',
  'encryption-context pair; each side decrypts the other\'s message. 4 KiB and 1 MiB are one call per message; 64 MiB is',
  'streamed in 1 MiB chunks (`awsEsdkEncryptStream` / `awsEsdkDecryptStream` against `encryptStream` /',
  '`decryptUnsignedMessageStream`). MiB/s, in parentheses the ratio to `@aws-crypto/client-node` and kms-wasm\'s cycles per byte.',
  '',
  summaryTable(awsEsdkResults),
  '',
  '<details><summary>All measurements (with ops/s)</summary>',
  '',
  fullTable(awsEsdkResults, '@aws-crypto/client-node'),
  '',
  '</details>',
  '',
  'In headless Chromium (bench/browser-aws-esdk.ts), kms-wasm against `@aws-crypto/client-browser` (WebCrypto underneath, which',
  'cannot stream GCM, so both sides pass whole messages): the same keyring, suite and frames, 4 KiB to 16 MiB, the median of 7',
  'alternating rounds, each side decrypting the other\'s message; in parentheses the ratio to `@aws-crypto/client-browser`.',
  '',
  browserResults instanceof Error ? `Not measured: ${browserResults.message}` : summaryTable(browserRows),
  '',
];
const markdown = `${markdownReport(machine, results, notes)}\n${awsEsdkSection.join('\n')}\n${await storesSection()}\n${await objectStoresSection()}\n${await serviceSection()}`;
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}/latest.json`, JSON.stringify({ machine, results: [...results, ...awsEsdkResults, ...browserRows] }, null, 2) + '\n');
writeFileSync(`${outDir}/latest.md`, markdown);
// The core table's ratios as a bar chart (kms-wasm bench --chart FILE.svg draws the same against node:crypto).
writeFileSync(`${outDir}/latest.svg`, svgChart(results, {
  title: 'npm run bench: throughput as a ratio to @noble/ciphers (gcm; ctr for XTS / CTR rows)',
  subtitle: `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.date}`, reference: '@noble/ciphers',
}));
console.log(markdown);
console.log(`Written to ${outDir}/latest.{json,md,svg}.`);
