// Where building GHASH's byte tables (assembly/ghash-byte-tables.ts) starts to pay: the core is
// compiled twice from this tree, with BYTE_TABLES_MIN_BLOCKS (assembly/gcm.ts) set to 0 (every run
// of blocks builds them) and to 2^30 (never), and one whole message per size is timed in each,
// interleaved, best of many: a fresh context (gcmInit), the IV, the text, the tag, and gcmForget,
// which zeroes the tables, so every message of the first build pays for building them again (what
// a one-shot `gcm()` call pays). Prints the best ns per message of each build and the ratio.
//
//   node bench/probes/ghash-byte-threshold.mjs [--sizes 2048,4096,…] [samples] [--decrypt]
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileCore } from '../../scripts/compile-core.mjs';

const args = process.argv.slice(2);
const option = (name) => { const at = args.indexOf(name); return at === -1 ? undefined : args.splice(at, 2)[1]; };
const decrypt = args.includes('--decrypt') ? args.splice(args.indexOf('--decrypt'), 1).length > 0 : false;
const sizes = (option('--sizes') ?? '4096,8192,16384,24576,32768,49152,65536').split(',').map(Number);
const samples = Number(args[0] ?? 300);

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ghash-byte-threshold-'));
/** The core built from a copy of assembly/ with BYTE_TABLES_MIN_BLOCKS set to `blocks`. */
function coreWithThreshold(blocks) {
  const tree = join(dir, String(blocks));
  cpSync(join(root, 'assembly'), join(tree, 'assembly'), { recursive: true });
  const gcm = join(tree, 'assembly/gcm.ts');
  const source = readFileSync(gcm, 'utf8');
  const changed = source.replace(/const BYTE_TABLES_MIN_BLOCKS: usize = \d+;/, `const BYTE_TABLES_MIN_BLOCKS: usize = ${blocks};`);
  if (changed === source) throw new Error('BYTE_TABLES_MIN_BLOCKS not found in assembly/gcm.ts');
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
    core.gcmInit(ctx, key, false);
    core.gcmSetIv96(ctx, key);
    step(ctx, data, bytes);
    core.gcmFinal(ctx);
    core.gcmForget(ctx);
  };
}

try {
  const [always, never] = [coreWithThreshold(0), coreWithThreshold(2 ** 30)];
  console.log(`one ${decrypt ? 'decryption' : 'encryption'} per sample, best of ${samples}: byte tables built per message → nibble tables only`);
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
    const [built, nibbles] = best;
    console.log(`${String(bytes).padStart(8)} B  built ${(built / 1000).toFixed(1)} µs, nibbles ${(nibbles / 1000).toFixed(1)} µs (built/nibbles ${(built / nibbles).toFixed(3)})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
