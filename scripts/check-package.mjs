// Checks the package as users get it: packs it, installs the tarball into a new consumer project
// with `npm install <tarball>`, and there imports 'kms-wasm' from Node for a GCM round trip (with a
// tampered byte refused) and a KMS envelope round trip, and runs `npx kms-wasm --help`.
//
//   node scripts/check-package.mjs                packs this checkout as built (npm pack --ignore-scripts;
//                                                 run `npm run build` first): what the test suite runs
//   node scripts/check-package.mjs --clean-clone  packs a fresh export of HEAD after `npm ci`, so
//                                                 `npm pack` runs "prepack" (the build) as on a clean clone
//
// Installing needs @noble/hashes from npm's cache or the registry (--prefer-offline).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: { 'clean-clone': cleanClone } } = parseArgs({ options: { 'clean-clone': { type: 'boolean', default: false } } });
const root = fileURLToPath(new URL('../', import.meta.url));
const npm = (cwd, ...args) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const CONSUMER = `
import assert from 'node:assert/strict';
import { AuthenticationError, decryptMessage, encryptMessage, gcm, KeyManagementService, kmsDataKeyResolver, kmsEncryptionMaterials, ready } from 'kms-wasm';

await ready();
const key = crypto.getRandomValues(new Uint8Array(32));
const iv = crypto.getRandomValues(new Uint8Array(12));
const plaintext = crypto.getRandomValues(new Uint8Array(60_000));
const sealed = gcm(key, iv).encrypt(plaintext);
assert.deepEqual(gcm(key, iv).decrypt(sealed), plaintext);
sealed[500] ^= 1;
assert.throws(() => gcm(key, iv).decrypt(sealed), AuthenticationError);
console.log('gcm round trip');

const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
const { KeyMetadata } = await kms.createKey();
const materials = await kmsEncryptionMaterials(kms, { KeyId: KeyMetadata.KeyId, EncryptionContext: { app: 'consumer' } });
const message = encryptMessage(materials, plaintext);
assert.deepEqual(await decryptMessage(kmsDataKeyResolver(kms), message), plaintext);
console.log('envelope round trip');
`;

/** What the tarball must hold, and must not. */
function checkContents(files) {
  for (const wanted of ['package.json', 'LICENSE', 'README.md', 'dist/index.js', 'dist/browser.js', 'dist/cli.js', 'dist/console/index.html', 'dist/types/index.d.ts', 'dist/types/node.d.ts']) {
    if (!files.includes(wanted)) throw new Error(`the tarball lacks ${wanted}`);
  }
  const stray = files.filter((f) => !/^(package\.json|LICENSE|README\.md|dist\/)/.test(f));
  if (stray.length > 0) throw new Error(`the tarball holds files users do not need: ${stray.join(', ')}`);
}

const work = mkdtempSync(join(tmpdir(), 'kms-wasm-package-'));
try {
  let source = root;
  if (cleanClone) {
    source = join(work, 'clone');
    mkdirSync(source);
    execFileSync('sh', ['-c', `git -C "${root}" archive HEAD | tar -x -C "${source}"`], { stdio: 'inherit' });
    npm(source, 'ci');
  }
  // Read back from the tarball rather than from --json: "prepack" prints to the same stdout.
  npm(source, 'pack', '--pack-destination', work, ...(cleanClone ? [] : ['--ignore-scripts']));
  const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')));
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
  checkContents(files);

  const consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  npm(consumer, 'install', '--prefer-offline', tarball);
  writeFileSync(join(consumer, 'check.mjs'), CONSUMER);
  execFileSync(process.execPath, ['check.mjs'], { cwd: consumer, stdio: 'inherit' });
  // The one executable is the `kms-wasm` command (package.json "bin"), self-contained: it runs with
  // nothing installed beyond the package's own dependencies.
  const executables = readdirSync(join(consumer, 'node_modules', '.bin'));
  if (executables.join() !== 'kms-wasm') throw new Error(`installing the package added executables ${executables.join(', ')}, expected kms-wasm`);
  const usage = execFileSync('npx', ['--no-install', 'kms-wasm', '--help'], { cwd: consumer, encoding: 'utf8' });
  if (!usage.includes('usage: kms-wasm <command>') || !usage.includes('serve')) throw new Error(`npx kms-wasm --help printed: ${usage}`);
  console.log('npx kms-wasm --help');
  console.log(`${basename(tarball)}: ${files.length} files, ${statSync(tarball).size} bytes, installed and imported`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
