// Where building GHASH's tables for long runs starts to pay: the byte tables of the default GHASH
// (assembly/ghash-byte-tables.ts), or with --lanes the lane tables of the constant-time one
// (assembly/ghash-lanes.ts). The core is compiled twice from this tree, with the threshold in
// assembly/gcm.ts (BYTE_TABLES_MIN_BLOCKS, or LANES_BUILD_MIN_BLOCKS) set to 0 (every run of blocks
// long enough to use them builds them) and to 2^30 (never), and one whole message per size is timed
// in each, interleaved, best of many: a fresh context (gcmInit), the IV, the text, the tag, and
// gcmForget, which zeroes the tables, so every message of the first build pays for building them
// again (what a one-shot `gcm()` call pays); with --kept, no gcmForget: the tables, built once, are
// there for every message (what a stream of the key that owns them gets: where using them at all pays).
// Prints the best ns per message of each build and the ratio.
//
//   node bench/probes/ghash-table-threshold.mjs [--lanes] [--kept] [--sizes 2048,4096,…] [samples] [--decrypt]
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileCore } from '../../scripts/compile-core.mjs';

const args = process.argv.slice(2);
const option = (name) => { const at = args.indexOf(name); return at === -1 ? undefined : args.splice(at, 2)[1]; };
const flag = (name) => args.includes(name) && args.splice(args.indexOf(name), 1).length > 0;
const decrypt = flag('--decrypt');
const lanes = flag('--lanes');
const kept = flag('--kept');
const THRESHOLD = lanes ? 'LANES_BUILD_MIN_BLOCKS' : 'BYTE_TABLES_MIN_BLOCKS';
const sizes = (option('--sizes') ?? (lanes ? '512,1024,2048,4096,8192,16384' : '4096,8192,16384,24576,32768,49152,65536')).split(',').map(Number);
const samples = Number(args[0] ?? 300);

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ghash-table-threshold-'));
/** The core built from a copy of assembly/ with THRESHOLD set to `blocks`. */
function coreWithThreshold(blocks) {
  const tree = join(dir, String(blocks));
  cpSync(join(root, 'assembly'), join(tree, 'assembly'), { recursive: true });
  const gcm = join(tree, 'assembly/gcm.ts');
  const source = readFileSync(gcm, 'utf8');
  const changed = source.replace(new RegExp(`const ${THRESHOLD}: usize = \\d+;`), `const ${THRESHOLD}: usize = ${blocks};`);
  if (changed === source) throw new Error(`${THRESHOLD} not found in assembly/gcm.ts`);
  writeFileSync(gcm, changed);
  symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
  const wasm = join(tree, 'core.wasm');
  compileCore(wasm, [], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
  return readFileSync(wasm);
}

/** One message of `bytes` in a core instantiated from `binary`, as a function to time. */
async function messageIn(binary, bytes) {
  const { instance } = await WebAssembly.instantiate(binary, {});
  const core = instance.exports;
  const ctx = Math.ceil(core.heapBase() / 64) * 64;
  const key = ctx + Math.ceil(core.contextBytes() / 64) * 64;
  const data = key + 64;
  const needed = data + bytes + 64 - core.memory.buffer.byteLength;
  if (needed > 0) core.memory.grow(Math.ceil(needed / 65536));
  new Uint8Array(core.memory.buffer, key, 64).fill(7);
  const step = decrypt ? core.gcmDecrypt : core.gcmEncrypt;
  return () => {
    core.gcmInit(ctx, key, lanes);
    core.gcmSetIv96(ctx, key);
    step(ctx, data, bytes);
    core.gcmFinal(ctx);
    if (!kept) core.gcmForget(ctx);
  };
}

try {
  const [always, never] = [coreWithThreshold(0), coreWithThreshold(2 ** 30)];
  const [tables, without] = lanes ? ['lane tables', 'the one-block constant-time multiplier'] : ['byte tables', 'nibble tables'];
  console.log(`one ${decrypt ? 'decryption' : 'encryption'} per sample, best of ${samples}: ${tables} built per message → ${without} only`);
  for (const bytes of sizes) {
    const runs = [await messageIn(always, bytes), await messageIn(never, bytes)];
    const best = [Infinity, Infinity];
    for (let sample = 0; sample < samples; sample++) {
      for (let which = 0; which < 2; which++) {
        const start = process.hrtime.bigint();
        runs[which]();
        best[which] = Math.min(best[which], Number(process.hrtime.bigint() - start));
      }
    }
    const [built, unbuilt] = best;
    console.log(`${String(bytes).padStart(8)} B  built ${(built / 1000).toFixed(1)} µs, without ${(unbuilt / 1000).toFixed(1)} µs (built/without ${(built / unbuilt).toFixed(3)})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
