// Stack spills and fills in the hot loops of the WASM core, read from V8's own x64 code: counts that
// do not move with the machine's load, unlike timings. The core is compiled as the build does, plus
// --debug (a name section, so functions can be found by name; the probe checks the code is the same
// size function by function as without it), then compiled by TurboFan in a child
// `node --print-wasm-code --no-liftoff`. For each kernel the hot loop is the largest loop closed by
// a conditional backward jump (the round loop of 8 blocks, GHASH's block loop; for GCM's bulk path
// with the byte tables, `gcm-bulk` encrypting and `gcm-bulk-dec` decrypting, the largest loop with
// no loop inside it: the round loop with GHASH between the rounds, not the loop over pairs of
// batches around it); in it, a *spill* is
// a store of an xmm register to the stack frame ([rbp±…] or [rsp±…]), a *fill* a load of one from
// there (alone or folded into an ALU op), `vector` the SIMD ALU ops, `memory` the other xmm loads
// and stores (state, round keys, tables), `scalar` the rest, of which `stack` load or store a
// general register from the frame (integer spills and fills); `function` is the whole function's instruction count
// (for AES: the loop plus the last round, the transposes and the first AddRoundKey).
//
//   node bench/probes/core-spills.mjs [--only kernel,…]   (kernels: aes-enc, aes-dec, their two-batch forms aes-enc16 and aes-dec16 (two rounds per loop), ghash-table, ghash-ct, ghash-lanes, gcm-bulk, gcm-bulk-dec)
//   node bench/probes/core-spills.mjs --dump aes-enc       (the loop's instructions, to read the schedule)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileCore } from '../../scripts/compile-core.mjs';

const KERNELS = {
  'aes-enc': 'assembly/aes/aesEncrypt8',
  'aes-dec': 'assembly/aes/aesDecrypt8',
  'aes-enc16': 'assembly/aes/aesEncrypt16',
  'aes-dec16': 'assembly/aes/aesDecrypt16',
  'ghash-table': 'assembly/ghash/ghashTableBlocks',
  'ghash-ct': 'assembly/ghash-constant-time/ghashConstantTimeBlocks',
  'ghash-lanes': 'assembly/ghash-lanes/ghashLanesBlocks',
  'gcm-bulk': 'assembly/gcm/encryptPairsByteTables',
  'gcm-bulk-dec': 'assembly/gcm/decryptPairsByteTables',
};
/** Kernels whose hot loop is the largest innermost one (see above). */
const INNERMOST = new Set(['gcm-bulk', 'gcm-bulk-dec']);
const root = fileURLToPath(new URL('../../', import.meta.url));
const PRINT_FLAGS = ['--print-wasm-code', '--no-liftoff', '--no-wasm-lazy-compilation', '--no-wasm-tier-up'];

/** V8's disassembly of every function of `wasmFile`, as { name → instruction lines }. */
function disassembly(wasmFile) {
  const loader = `WebAssembly.instantiate(require('node:fs').readFileSync(${JSON.stringify(wasmFile)}), {})`;
  const text = execFileSync(process.execPath, [...PRINT_FLAGS, '-e', loader], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const functions = new Map();
  let current = null;
  for (const line of text.split('\n')) {
    const name = /^name: (.*)$/.exec(line);
    if (name) functions.set(name[1], current = []);
    else if (current && /^0x[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+\S/.test(line)) current.push(line);
  }
  return functions;
}

/** { offset, text } of each instruction line. */
const parse = (line) => {
  const [, offset, text] = /^0x[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+(.*)$/.exec(line);
  return { offset: parseInt(offset, 16), text: text.trim() };
};

/** The instructions of the largest loop closed by a conditional backward jump (with `innermost`, of those with no loop inside). */
function hotLoop(lines, innermost) {
  const code = lines.map(parse);
  const loops = [];
  for (const { offset, text } of code) {
    const jump = /^j(?!mp)\w+ 0x[0-9a-f]+\s+<\+0x([0-9a-f]+)>/.exec(text);
    const target = jump && parseInt(jump[1], 16);
    if (jump && target < offset) loops.push({ start: target, end: offset });
  }
  const holdsAnother = (loop) => loops.some((other) => other !== loop && other.start >= loop.start && other.end <= loop.end);
  let best = null;
  for (const loop of loops) {
    if (innermost && holdsAnother(loop)) continue;
    if (!best || loop.end - loop.start > best.end - best.start) best = loop;
  }
  return best ? code.filter((i) => i.offset >= best.start && i.offset <= best.end) : [];
}

const STACK = /\[(rbp|rsp)[+-]/;
function classify(loop) {
  const counts = { instructions: loop.length, vector: 0, spills: 0, fills: 0, memory: 0, scalar: 0, stack: 0 };
  for (const { text } of loop) {
    const [mnemonic, ...rest] = text.split(/\s+/);
    const operands = rest.join(' ');
    const xmm = operands.includes('xmm');
    const isMove = /^v?mov(dqu|dqa|ups|aps|upd|apd|q|d|sd|ss)$/.test(mnemonic);
    if (xmm && operands.includes('[')) {
      const storing = isMove && operands.startsWith('[');
      if (STACK.test(operands)) counts[storing ? 'spills' : 'fills']++;
      else counts.memory++;
      if (!isMove) counts.vector++; // an ALU op with a folded memory operand
    } else if (xmm && !isMove) counts.vector++;
    else if (xmm) counts.vector++; // register moves between xmm (and xmm ↔ general) count as vector work
    else {
      counts.scalar++;
      if (STACK.test(operands)) counts.stack++;
    }
  }
  return counts;
}

const argv = process.argv.slice(2);
const dump = argv[0] === '--dump' ? argv[1] : null;
const only = argv[0] === '--only' ? argv[1].split(',') : dump ? [dump] : Object.keys(KERNELS);

const dir = mkdtempSync(join(tmpdir(), 'core-spills-'));
try {
  const named = join(dir, 'named.wasm'), plain = join(dir, 'plain.wasm');
  compileCore(named, ['--debug'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  compileCore(plain, [], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const functions = disassembly(named);
  const sizes = (fns) => [...fns.values()].map((f) => f.length).sort((a, b) => a - b).join();
  if (sizes(functions) !== sizes(disassembly(plain))) throw new Error('the named build compiles to other code than the release build');
  for (const kernel of only) {
    const body = functions.get(KERNELS[kernel]) ?? [];
    const loop = hotLoop(body, INNERMOST.has(kernel));
    if (dump) { for (const { offset, text } of loop) console.log(offset.toString(16).padStart(5), text); continue; }
    const c = classify(loop);
    console.log(`${kernel.padEnd(12)} ${String(c.instructions).padStart(4)} instructions: ${c.spills} spills + ${c.fills} fills, ${c.vector} vector, ${c.memory} other xmm memory, ${c.scalar} scalar (${c.stack} stack) (function: ${body.length})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
