// Hand-written mutants of the AssemblyScript core (`npm run test:mutation:assembly`). Stryker mutates
// TypeScript only, so this script puts each plausible one-line bug below into assembly/, one at a
// time, compiles the core, embeds it where the library loads it from, and runs the core's
// known-answer, Wycheproof and differential suites against it. Every mutant must make them fail
// ("killed"); a mutant that passes is a hole in those suites. It works in a copy of the sources
// in a temporary directory, so the worktree never holds a mutant (a build or a Stryker run started
// meanwhile sees only the real core).
//   node scripts/assembly-mutants.mjs [<mutant name substring> …]
import { join } from 'node:path';
import { compileCore, embedWasm } from './compile-core.mjs';
import { applyInCopy, sourceCopy, vitestPasses } from './mutation-copy.mjs';

/** The suites each mutant runs against (single-threaded, through the embedded core). */
const CORE_TESTS = [
  'test/core/gcm-wycheproof.test.ts',
  'test/core/xts-wycheproof.test.ts',
  'test/core/gcm-differential.test.ts',
  'test/core/xts-differential.test.ts',
  'test/core/gcm-short-message.test.ts',
  'test/core/tampering.test.ts',
];

/**
 * Each mutant replaces `from` (which must occur exactly once in `file`) by `to`. `vitestArgs` replaces
 * the suites above where the mutated code runs only on another path (the parallel GCM combine).
 */
const MUTANTS = [
  // S-box circuit (Boyar–Peralta) and its constant.
  { name: 'sbox: a top-layer XOR takes the wrong input', file: 'aes-sbox-circuit.ts', from: 'const y14 = v128.xor(u3, u5);', to: 'const y14 = v128.xor(u3, u4);' },
  { name: 'sbox: a non-linear AND becomes OR', file: 'aes-sbox-circuit.ts', from: 'const m2 = v128.and(y12, y15);', to: 'const m2 = v128.or(y12, y15);' },
  { name: 'sbox: SubWord constant 0x63 → 0x62', file: 'aes-key-schedule.ts', from: 'xorByteConstant(SUBWORD_BATCH, 0x63);', to: 'xorByteConstant(SUBWORD_BATCH, 0x62);' },
  { name: 'sbox: round-key constant left out of round 1', file: 'aes.ts', from: 'if (round > 0) xorByteConstant(planes, 0x63);', to: 'if (round > 1) xorByteConstant(planes, 0x63);' },
  // Key schedule (FIPS 197 §5.2).
  { name: 'key schedule: rcon doubles twice', file: 'aes-key-schedule.ts', from: 'rcon = ((rcon << 1) ^', to: 'rcon = ((rcon << 2) ^' },
  { name: 'key schedule: AES-256 extra SubWord at i % 8 == 5', file: 'aes-key-schedule.ts', from: '} else if (i % 8 == 4) {', to: '} else if (i % 8 == 5) {' },
  { name: 'key schedule: RotWord rotates the wrong way', file: 'aes-key-schedule.ts', from: 'subWord(rotr<u32>(t, 8))', to: 'subWord(rotl<u32>(t, 8))' },
  { name: 'key schedule: Key2 of XTS is Key1', file: 'xts.ts', from: 'aes256ExpandKey(ctx + RK2, key + 32);', to: 'aes256ExpandKey(ctx + RK2, key);' },
  // Decryption: the inverse S-box circuit and the decryption schedule.
  { name: 'inverse sbox: a top-layer XOR takes the wrong input', file: 'aes-sbox-circuit.ts', from: 'const y5 = v128.xor(x4, x6);', to: 'const y5 = v128.xor(x4, x5);' },
  { name: 'inverse sbox: a bottom-layer XOR takes the wrong input', file: 'aes-sbox-circuit.ts', from: 'const c0 = v128.xor(z6, z15);', to: 'const c0 = v128.xor(z6, z14);' },
  { name: 'decryption schedule: round key 1 misses InvMixColumns', file: 'aes.ts', from: 'round > 0; round--) invMixColumnsInPlace', to: 'round > 1; round--) invMixColumnsInPlace' },
  { name: 'decryption: the first InvShiftRows left out of the input transposition', file: 'aes.ts', from: 'transpose8(s, ROW_MAJOR_INV_SHIFTED);', to: 'transpose8(s, ROW_MAJOR);' },
  // Rounds and linear layers.
  { name: 'rounds: encryption does 12 middle rounds instead of 13', file: 'aes.ts', from: 'for (let round: usize = 1; round < <usize>AES256_ROUNDS; round++) aesEncryptRound', to: 'for (let round: usize = 2; round < <usize>AES256_ROUNDS; round++) aesEncryptRound' },
  { name: 'rounds: the second batch of an encryption pair skips its last round', file: 'aes.ts', from: '  aesEncryptEnd(rk, s + BATCH_BYTES);\n', to: '' },
  { name: 'rounds: the second batch of a decryption pair is not bitsliced', file: 'aes.ts', from: '  aesDecryptBegin(dk, s + BATCH_BYTES);\n', to: '' },
  { name: 'ShiftRows: row 3 rotates like row 1', file: 'aes-layers.ts', from: '10, 11, 8, 9, 15, 12, 13, 14);', to: '10, 11, 8, 9, 13, 14, 15, 12);' },
  { name: 'MixColumns: xtime feeds 0x1b into plane 2 instead of 3', file: 'aes-layers.ts', from: 'v128.xor(t1, v128.xor(r2, rot2(t2))),', to: 'v128.xor(v128.xor(t1, t7), v128.xor(r2, rot2(t2))),' },
  // GHASH: the table path, the constant-time path and its reduction.
  { name: 'GHASH table: reduction constant 0xE1 → 0xE0', file: 'ghash.ts', from: '(lo & 1) * 0xe100000000000000', to: '(lo & 1) * 0xe000000000000000' },
  { name: 'GHASH table: the low nibbles staged one bit short of their place', file: 'ghash.ts', from: 'i16x8.shl(a, 4)', to: 'i16x8.shl(a, 3)' },
  { name: 'GHASH table: a low nibble read from the wrong staged byte', file: 'ghash.ts', from: 'v128.load(entry(t, o, byte + 15), 0x300)', to: 'v128.load(entry(t, o, byte + 14), 0x300)' },
  { name: 'GHASH table: the low half of hi looked up from the wrong bytes', file: 'ghash.ts', from: 'lookupEight(t + 0x800, o, 3)', to: 'lookupEight(t + 0x800, o, 4)' },
  { name: 'GHASH constant-time: reduction drops the x^7 term (high fold)', file: 'ghash-constant-time.ts', from: 'w2 ^= w0 ^ (w0 >> 1) ^ (w0 >> 2) ^ (w0 >> 7);', to: 'w2 ^= w0 ^ (w0 >> 1) ^ (w0 >> 2);' },
  { name: 'GHASH constant-time: reduction drops the carried x^7 bits', file: 'ghash-constant-time.ts', from: 'w1 ^= (w0 << 63) ^ (w0 << 62) ^ (w0 << 57);', to: 'w1 ^= (w0 << 63) ^ (w0 << 62);' },
  { name: 'GHASH constant-time: product not aligned by one bit', file: 'ghash-constant-time.ts', from: 'const w0 = v0 << 1;', to: 'const w0 = v0;' },
  { name: 'GHASH constant-time: Karatsuba middle term loses the low product', file: 'ghash-constant-time.ts', from: 'key + 128, x) ^ ll ^ lh;', to: 'key + 128, x) ^ lh;' },
  // GCM (SP 800-38D §7): counter, J0, lengths block, tag, order of hashing.
  { name: 'GCM: the counter increments by 2', file: 'gcm.ts', from: '    counter++;\n', to: '    counter += 2;\n' },
  { name: 'GCM: J0 of a 96-bit IV ends in 2, not 1', file: 'gcm.ts', from: 'store<u32>(ctx + CTR + 12, bswap<u32>(1));', to: 'store<u32>(ctx + CTR + 12, bswap<u32>(2));' },
  { name: 'GCM: the counter is stored without its byte swap (inc32 on the wrong end)', file: 'gcm.ts', from: 'store<u32>(ctx + CTR + 12, bswap<u32>(counter));', to: 'store<u32>(ctx + CTR + 12, counter);' },
  { name: 'GCM: the lengths block counts AAD in bytes, not bits', file: 'gcm.ts', from: 'bswap<u64>(aBytes << 3)', to: 'bswap<u64>(aBytes)' },
  { name: 'GCM: the tag is not masked with E(J0)', file: 'gcm.ts', from: 'bswap<u64>(load<u64>(ctx + X)) ^ load<u64>(ctx + TAG_MASK));', to: 'bswap<u64>(load<u64>(ctx + X)));' },
  { name: 'GCM: a trailing partial block is not padded into GHASH', file: 'gcm.ts', from: '  if (fill == 0) return;\n  memory.fill(ctx + GBUF + fill', to: '  if (fill < 16) return;\n  memory.fill(ctx + GBUF + fill' },
  { name: 'GCM: decryption hashes the plaintext instead of the ciphertext', file: 'gcm.ts', from: '    ghashAbsorb(ctx, p, len);\n    ctrXor(ctx, p, len);\n', to: '    ctrXor(ctx, p, len);\n    ghashAbsorb(ctx, p, len);\n' },
  { name: 'GCM bulk: encryption hashes each batch during its own keystream (its plaintext)', file: 'gcm.ts', from: 'keystreamPairHashing(ctx, p + ((i - 1) << 8), ghash);', to: 'keystreamPairHashing(ctx, p + (i << 8), ghash);' },
  { name: 'GCM bulk: the last encrypted pair loses a block of its hash', file: 'gcm.ts', from: 'ghashBlocks(ctx, p + ((pairs - 1) << 8), 16);', to: 'ghashBlocks(ctx, p + ((pairs - 1) << 8), 15);' },
  { name: 'GCM bulk: the rounds hash 7 blocks of a pair\'s first half', file: 'gcm.ts', from: 'if (round <= 8) hashSlice(ctx, hashed, (round - 1) << 1, ghash);', to: 'if (round < 8) hashSlice(ctx, hashed, (round - 1) << 1, ghash);' },
  // Constant-time GHASH in lanes (ghash-lanes.ts): tables, transposes, steps, fold.
  { name: 'GHASH lanes: the tables hold H^15, not H^16', file: 'ghash-lanes.ts', from: 'multiplyByPowerOfH(POWER, h, 15);', to: 'multiplyByPowerOfH(POWER, h, 14);' },
  { name: 'GHASH lanes: a transpose interleaves rows i and i + 7', file: 'ghash-lanes.ts', from: 'b = v128.load(src + ((i + 8) << 4));', to: 'b = v128.load(src + ((i + 7) << 4));' },
  { name: 'GHASH lanes: high nibbles shifted by 3', file: 'ghash-lanes.ts', from: 'i16x8.shr_u(lanes, 4)', to: 'i16x8.shr_u(lanes, 3)' },
  { name: 'GHASH lanes: the last table of each byte position is left out', file: 'ghash-lanes.ts', from: 'v128.xor(lookup(t, k + 2), lookup(t, k + 3))', to: 'lookup(t, k + 2)' },
  { name: 'GHASH lanes: X is not added to the first block of a run', file: 'ghash-lanes.ts', from: 'v128.store(SWAP, v128.xor(v128.load(SWAP), i8x16.swizzle(v128.load(x), v128.load(BSWAP_HALVES))));', to: '' },
  { name: 'GHASH lanes: the pair loop multiplies the even byte positions twice, the odd ones never', file: 'gcm.ts', from: 'if (ghash == CONSTANT_TIME_LANES) ghashLanesMultiplyByte(slot);', to: 'if (ghash == CONSTANT_TIME_LANES) ghashLanesMultiplyByte(slot & 14);' },
  { name: 'GHASH lanes: decryption adds the plaintext to the lanes', file: 'gcm.ts', from: '    if (!encrypting) ghashLanesAbsorb(pair);\n    xorPair(ctx, pair);\n    if (encrypting) ghashLanesAbsorb(pair);', to: '    xorPair(ctx, pair);\n    ghashLanesAbsorb(pair);' },
  { name: 'GHASH lanes: blocks after the last lane step are not hashed', file: 'gcm.ts', from: 'src + (laned << 4), blocks - laned);', to: 'src + (laned << 4), 0);' },
  { name: 'GCM: a GHASH buffer of 15 bytes counts as full', file: 'gcm.ts', from: '    while (fill < 16 && len > 0) {', to: '    while (fill < 15 && len > 0) {' },
  {
    name: 'GCM parallel combine: H^n skips its odd bit',
    file: 'ghash-combine.ts',
    from: 'if (n & 1) multiplyRaw',
    to: 'if (n & 2) multiplyRaw',
    vitestArgs: ['test/core/parallel.test.ts', '-t', 'parallelGcm'],
  },
  // XTS (IEEE 1619 §5): tweak doubling, ciphertext stealing, sector tweaks.
  { name: 'XTS: tweak doubling folds 0x86 instead of 0x87', file: 'xts.ts', from: 'i32x4(0x87, 0, 1, 0)', to: 'i32x4(0x86, 0, 1, 0)' },
  { name: 'XTS: tweak doubling drops the carry between halves', file: 'xts.ts', from: 'i32x4(0x87, 0, 1, 0)', to: 'i32x4(0x87, 0, 0, 0)' },
  { name: 'XTS: tweak doubling uses a logical shift for the carry mask', file: 'xts.ts', from: 'i32x4.shr_s(t, 31)', to: 'i32x4.shr_u(t, 31)' },
  { name: 'XTS: stealing decrypts the last block with the current tweak', file: 'xts.ts', from: 'cryptOneBlock(ctx, last, ctx + PREVIOUS_TWEAK, false);', to: 'cryptOneBlock(ctx, last, t, false);' },
  { name: 'XTS: stealing swaps one byte too few', file: 'xts.ts', from: '  nextTweak(t);\n  swapBytes(last, last + 16, tail);', to: '  nextTweak(t);\n  swapBytes(last, last + 16, tail - 1);' },
  { name: 'XTS: every sector of a group gets the first sector\'s tweak', file: 'xts.ts', from: 'store<u64>(starts + (j << 4), sector + <u64>j);', to: 'store<u64>(starts + (j << 4), sector);' },
  { name: 'XTS: the next group of sectors starts one sector early', file: 'xts.ts', from: 'sector += <u64>group;', to: 'sector += <u64>group - 1;' },
];

const wanted = process.argv.slice(2);
const selected = wanted.length ? MUTANTS.filter((m) => wanted.some((w) => m.name.includes(w))) : MUTANTS;

// The copy: what the core tests read (sources, tests, their vectors, configs), node_modules linked.
const copy = sourceCopy('kms-wasm-assembly-mutants-', ['assembly', 'src', 'test', 'package.json', 'tsconfig.json', 'vitest.config.ts']);

/** Compiles the copy's assembly/ into its embedded core and runs vitest with `args`: whether all pass. */
function compileAndTest(args) {
  compileCore('core-mutant.wasm', [], { cwd: copy.dir, stdio: 'pipe' });
  embedWasm(join(copy.dir, 'core-mutant.wasm'), join(copy.dir, 'src/core/wasm-binary.generated.ts'), 'CORE_WASM_BASE64');
  return vitestPasses(copy.dir, args);
}

const results = [];
try {
  // The unmutated core must pass every run used, or a "killed" below would mean nothing.
  for (const args of new Set([CORE_TESTS, ...selected.map((mutant) => mutant.vitestArgs ?? CORE_TESTS)])) {
    if (!compileAndTest(args)) throw new Error(`the unmutated core fails vitest run ${args.join(' ')}`);
  }
  for (const mutant of selected) {
    let outcome;
    try {
      outcome = applyInCopy(copy.dir, { ...mutant, file: join('assembly', mutant.file) },
        () => (compileAndTest(mutant.vitestArgs ?? CORE_TESTS) ? 'SURVIVED' : 'killed'));
    } catch (error) {
      outcome = `not compiled (${String(error.message).split('\n')[0]})`;
    }
    results.push({ mutant, outcome });
    console.log(`${outcome.padEnd(8)} ${mutant.file}: ${mutant.name}`);
  }
} finally {
  copy.remove();
}

const survived = results.filter(({ outcome }) => outcome !== 'killed');
console.log(`\n${results.length - survived.length} of ${results.length} assembly mutants killed`);
process.exit(survived.length === 0 ? 0 : 1);
