// The CLI's file encryption and decryption on one thread (encryptStream / decryptStream) against
// the worker pool (pooledEncryptStream / pooledDecryptStream), file to file as `kms-wasm encrypt`
// and `decrypt` stream them (4 MiB reads), interleaved round by round so that a shared machine's
// load falls on both alike. Each pooled run starts its own workers, as each `kms-wasm` process does.
// Checks that both paths write the same message and the same plaintext.
// Bundles the streams from src/ with esbuild (they are not all exported).
// Run after `npm run build` (it makes the worker's source):
//   node bench/probes/cli-pool.mjs [MiB …] [--rounds N]    (default 256 MiB, 3 rounds)
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const ROUNDS = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 3;
const SIZES_MIB = args.length > 0 ? args.map(Number) : [256];
const READ_BYTES = 4 * 1024 * 1024; // src/cli/file-commands.ts reads files this way

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'kms-wasm-cli-pool-'));
const bundle = join(work, 'streams.mjs');
await build({
  stdin: {
    resolveDir: root, loader: 'ts', contents: `
      export { encryptStream, decryptStream } from './src/envelope/envelope-streams.ts';
      export { pooledEncryptStream, pooledDecryptStream } from './src/envelope/pooled-framed-cipher.ts';
      export { toNodeDuplex } from './src/envelope/node-duplex.ts';
      export { terminateWorkers } from './src/core/worker-pool.ts';`,
  },
  bundle: true, platform: 'node', format: 'esm', target: 'es2022', outfile: bundle, logLevel: 'warning',
});
const { encryptStream, decryptStream, pooledEncryptStream, pooledDecryptStream, toNodeDuplex, terminateWorkers } = await import(pathToFileURL(bundle).href);

const dataKey = randomBytes(32);
const materials = () => ({ dataKey: new Uint8Array(dataKey), encryptionContext: { probe: 'cli-pool' }, wrappedKeys: [{ providerId: 'probe', keyId: 'k', blob: new Uint8Array(8) }] });
const resolve = async () => new Uint8Array(dataKey);
const digest = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** CPU seconds (user + system) of every thread of the process, workers included, per run. */
const cpu = { 'encrypt single': [], 'encrypt pooled': [], 'decrypt single': [], 'decrypt pooled': [] };

/** Seconds to stream `from` through the transform `makeTransform` makes into `to`; its CPU seconds go to cpu[name]. */
async function timed(from, makeTransform, to, name) {
  await terminateWorkers(); // a pooled run starts the pool, as a new CLI process would
  const start = performance.now();
  const cpuBefore = process.cpuUsage();
  const transform = makeTransform();
  await pipeline(createReadStream(from, { highWaterMark: READ_BYTES }), toNodeDuplex(transform), createWriteStream(to));
  const { user, system } = process.cpuUsage(cpuBefore);
  cpu[name]?.push((user + system) / 1e6);
  return (performance.now() - start) / 1000;
}

const range = (list) => `${Math.min(...list).toFixed(2)}–${Math.max(...list).toFixed(2)} s`;
for (const mib of SIZES_MIB) {
  const plain = join(work, 'plain');
  const chunk = randomBytes(1024 * 1024);
  writeFileSync(plain, Buffer.concat(Array.from({ length: mib }, () => chunk)));
  const times = { 'encrypt single': [], 'encrypt pooled': [], 'decrypt single': [], 'decrypt pooled': [] };
  for (const list of Object.values(cpu)) list.length = 0;
  const plainDigest = digest(plain);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which path goes first, so neither always runs on the warmer (or busier) machine.
    const order = round % 2 === 0 ? ['single', 'pooled'] : ['pooled', 'single'];
    for (const path of order) {
      const pooled = path === 'pooled';
      times[`encrypt ${path}`].push(await timed(plain, () => (pooled ? pooledEncryptStream : encryptStream)(materials()), join(work, `${path}.kms`), `encrypt ${path}`));
    }
    // The single-thread message, decrypted both ways: the same plaintext, the file's own.
    for (const path of order) {
      const pooled = path === 'pooled';
      times[`decrypt ${path}`].push(await timed(join(work, 'single.kms'), () => (pooled ? pooledDecryptStream : decryptStream)(resolve), join(work, `${path}.out`), `decrypt ${path}`));
      if (digest(join(work, `${path}.out`)) !== plainDigest) throw new Error(`${path} decrypt gave other bytes`);
    }
    // The pooled message decrypts on one thread to the same plaintext.
    await timed(join(work, 'pooled.kms'), () => decryptStream(resolve), join(work, 'check.out'));
    if (digest(join(work, 'check.out')) !== plainDigest) throw new Error('the pooled message does not decrypt to the plaintext');
    console.log(`${mib} MiB round ${round + 1}: ${Object.entries(times).map(([name, list]) => `${name} ${list.at(-1).toFixed(2)} s (CPU ${cpu[name].at(-1).toFixed(2)} s)`).join(', ')}`);
  }
  console.log(`${mib} MiB over ${ROUNDS} rounds: ${Object.entries(times).map(([name, list]) => `${name} ${range(list)}`).join(', ')}`);
  console.log(`  pooled/single per round: encrypt ${times['encrypt pooled'].map((t, i) => (t / times['encrypt single'][i]).toFixed(2)).join(' ')}, decrypt ${times['decrypt pooled'].map((t, i) => (t / times['decrypt single'][i]).toFixed(2)).join(' ')}`);
}
await terminateWorkers();
rmSync(work, { recursive: true, force: true });
