// Instructions per byte of the WASM core, counted by callgrind: repeatable on a shared machine where
// timings are not. Each kernel runs in a fresh `node --predictable --no-liftoff` (TurboFan code
// from the start, no background threads, fixed seeds: the same count to ~0.01% run after run), once
// with 1 call and once with 1 + REPS calls; the difference divided by the bytes of REPS calls is
// the steady state, with start-up, compilation and first-call costs dropped out. Kernels call build/core.wasm directly, except `api`, which goes through dist/ (so api − gcm
// is the JS glue: chunking, copies across the boundary; api-ct the same with { constantTime: true }). `aad` is GHASH alone (gcmAad), so
// gcm − aad is the CTR part (AES and the keystream XOR); `gcm-dec` decrypts. Kernels: core-kernels.mjs.
//
//   npm run build && node bench/probes/core-instructions.mjs [--core file.wasm] [--only kernel,…] [bytes …]   (default: all, 16384 1048576)
//
// --core counts another build of the core (a copy of build/core.wasm kept from before a change) in
// place of build/core.wasm, for before/after counts; the `api` kernels always use dist/.
// Needs valgrind. Run one kernel by hand: node … core-instructions.mjs --kernel gcm 16384 4
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CORE_KERNELS, coreWithData, coreKernel } from './core-kernels.mjs';

const KERNELS = [...CORE_KERNELS, 'api', 'api-ct'];
const NODE_FLAGS = ['--predictable', '--random-seed=1', '--hash-seed=1', '--no-liftoff', '--no-wasm-tier-up', '--no-wasm-lazy-compilation'];
const root = new URL('../../', import.meta.url);

async function runKernel(kernel, bytes, reps, coreFile) {
  if (kernel.startsWith('api')) {
    const { gcm } = await import(new URL('dist/index.js', root));
    const key = new Uint8Array(32).fill(7), iv = new Uint8Array(12).fill(9), data = new Uint8Array(bytes);
    const options = { constantTime: kernel === 'api-ct' };
    for (let r = 0; r < reps; r++) gcm(key, iv, undefined, options).encrypt(data);
    return;
  }
  const kernelRun = coreKernel(kernel, await coreWithData(coreFile, bytes), bytes);
  for (let r = 0; r < reps; r++) { kernelRun.setup(); kernelRun.step(); }
}

function collected(kernel, bytes, reps, coreFile) {
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all',
    process.execPath, ...NODE_FLAGS, fileURLToPath(import.meta.url), '--kernel', kernel, String(bytes), String(reps), coreFile];
  const result = execFileSync('sh', ['-c', 'exec "$0" "$@" 2>&1 >/dev/null', 'valgrind', ...args], { encoding: 'utf8' });
  const match = /Collected\s*:\s*(\d+)/.exec(result);
  if (!match) throw new Error(`no callgrind total in:\n${result}`);
  return Number(match[1]);
}

let argv = process.argv.slice(2);
if (argv[0] === '--kernel') {
  await runKernel(argv[1], Number(argv[2]), Number(argv[3]), argv[4]);
} else {
  let coreFile = fileURLToPath(new URL('build/core.wasm', root));
  if (argv[0] === '--core') [coreFile, argv] = [argv[1], argv.slice(2)];
  const only = argv[0] === '--only' ? argv[1].split(',') : KERNELS;
  const sizeArgs = argv[0] === '--only' ? argv.slice(2) : argv;
  const sizes = sizeArgs.length ? sizeArgs.map(Number) : [16384, 1048576];
  for (const bytes of sizes) {
    const reps = Math.max(1, Math.round(262144 / bytes)); // at least 256 KiB per count
    for (const kernel of only) {
      const perByte = (collected(kernel, bytes, 1 + reps, coreFile) - collected(kernel, bytes, 1, coreFile)) / (reps * bytes);
      console.log(`${String(bytes).padStart(8)} B  ${kernel.padEnd(8)} ${perByte.toFixed(2)} instructions/byte`);
    }
  }
}
