// GHASH (NIST SP 800-38D §6.4) in constant time for long runs: 16 lanes hashed side by side, each
// multiplied by H^16 through 4-bit tables looked up with byte shuffles (pshufb on x86, tbl on Arm),
// which read a register, not memory: no address depends on the data or the key.
//
// The run's blocks B_1..B_16q are dealt out in turn: lane s takes B_s+1, B_s+17, … With
// Y_s = (…((B_s+1·H^16 ⊕ B_s+17)·H^16 ⊕ …)·H^16 ⊕ B_16(q−1)+s+1 (the running hash X added to B_1),
// Horner over the lanes, X' = (…((Y_0·H ⊕ Y_1)·H ⊕ …) ⊕ Y_15)·H, gives X'= X·H^16q ⊕ Σ B_i·H^(16q−i+1):
// GHASH of the run. The fold is 16 blocks of the constant-time multiplier (ghash-constant-time.ts).
//
// The lanes are byte-sliced: vector j holds byte j of every lane's element (lane s in byte s), so
// nibble k of all 16 elements (k = 0..31 from the first byte's high nibble, x^4k..x^4k+3) is one
// vector, and byte j of all 16 products by H^16 is ⊕_k shuffle(V_k,j, nibbles_k), where V_k,j[n] is
// byte j of n·H^16·x^4k (the nibble tables of ghash.ts, for H^16 and in the block's byte order).
// 512 shuffles and XORs for 16 blocks, where the multiplier of ghash-constant-time.ts takes 16
// multiplies of 9 Karatsuba products, each 8 widening multiplies that V8 lowers to 3 instructions.
//
// The tables take 8 KiB: one set per WASM instance (static memory, like the byte tables of
// ghash-byte-tables.ts and for the same reason), built for one hash key at a time and tagged with
// it; the caller zeroes them when the context that owns them is released (ghashLanesForget).

import { BSWAP_HALVES, fillNibbleTableSums, sameBlock, timesX } from './ghash';
import { ghashConstantTimeBlocks } from './ghash-constant-time';
import { multiplyByPowerOfH } from './ghash-combine';

/** Blocks per lane step: one per lane. */
export const LANE_BLOCKS: usize = 16;
/**
 * V_k,j at TABLES + 512j + 16k: the 16 entries of table k, byte j of each; the 32 vectors one byte
 * position needs lie together, at offsets below 1 KiB, which asc folds into the loads (see
 * scripts/compile-core.mjs; with V_k,j at 256k + 16j, V8 computed each address with a `lea`).
 */
const TABLES: usize = memory.data(32 * 256, 64);
/** The lanes, byte-sliced: vector j is byte j of each lane's element. */
const LANES: usize = memory.data(256, 64);
/** Nibble k of every lane, as vector k (ghashLanesBeginStep). */
const NIBBLES: usize = memory.data(32 * 16, 64);
/** Scratch for transposes (ROWS and SWAP take turns), and a table's entries while it is built (in SWAP). */
const SCRATCH: usize = memory.data(2 * 256, 64);
const ROWS: usize = SCRATCH;
const SWAP: usize = SCRATCH + 256;
/** The hash key the tables are for, and H^16 while they are built. */
const OWNER: usize = memory.data(16, 16);
const POWER: usize = memory.data(16, 16);

/** Whether the tables hold the multiples of the hash key at `h` (16 raw bytes). */
export function ghashLanesOwnedBy(h: usize): bool {
  return sameBlock(OWNER, h);
}

/**
 * One step of the 16×16 byte transpose, from `src` to `dst` (16 rows each): row 2i interleaves the
 * first halves of rows i and i + 8, row 2i + 1 their second halves. With row r, column c as the
 * byte r‖c of 8 bits, a step rotates it left by one: four steps swap r and c.
 */
function interleaveRows(src: usize, dst: usize): void {
  for (let i: usize = 0; i < 8; i++) {
    const a = v128.load(src + (i << 4)), b = v128.load(src + ((i + 8) << 4));
    v128.store(dst + (i << 5), i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
    v128.store(dst + (i << 5), i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), 16);
  }
}

/** Transposes the 16×16 bytes at `src` into `dst` through ROWS and SWAP (neither may be ROWS; `dst` may be `src`). */
function transpose16(src: usize, dst: usize): void {
  interleaveRows(src, ROWS);
  interleaveRows(ROWS, SWAP);
  interleaveRows(SWAP, ROWS);
  interleaveRows(ROWS, dst);
}

/**
 * Fills the tables for the hash key at `h` (16 raw bytes): for each nibble position k, the entries
 * n·H^16·x^4k built as ghashTableSetKey builds them (entry 8 is H^16·x^4k, 4, 2 and 1 the next
 * three powers of x, the others sums of those), byte-swapped to block order and transposed so that
 * vector j holds byte j of the 16 entries.
 */
export function ghashLanesBuild(h: usize): void {
  store<u64>(POWER, bswap<u64>(load<u64>(h)));
  store<u64>(POWER, bswap<u64>(load<u64>(h, 8)), 8);
  multiplyByPowerOfH(POWER, h, 15); // H^16 as (hi, lo) words
  const entries = SWAP; // 16 entries of 16 bytes, then transposed into the table
  for (let k: usize = 0; k < 32; k++) {
    v128.store(entries, i64x2.splat(0));
    v128.store(entries + (8 << 4), v128.load(POWER));
    timesX(load<u64>(entries, 8 << 4), load<u64>(entries, (8 << 4) + 8), entries + (4 << 4));
    timesX(load<u64>(entries, 4 << 4), load<u64>(entries, (4 << 4) + 8), entries + (2 << 4));
    timesX(load<u64>(entries, 2 << 4), load<u64>(entries, (2 << 4) + 8), entries + (1 << 4));
    timesX(load<u64>(entries, 1 << 4), load<u64>(entries, (1 << 4) + 8), POWER);
    fillNibbleTableSums(entries);
    const swap = v128.load(BSWAP_HALVES);
    for (let n: usize = 0; n < 16; n++) v128.store(entries + (n << 4), i8x16.swizzle(v128.load(entries + (n << 4)), swap));
    transpose16(entries, entries);
    for (let j: usize = 0; j < 16; j++) v128.store(TABLES + (j << 9) + (k << 4), v128.load(entries + (j << 4)));
  }
  v128.store(OWNER, v128.load(h));
  memory.fill(POWER, 0, 16);
  memory.fill(SCRATCH, 0, 2 * 256);
}

/** Zeroes the tables if they are for the hash key at `h`. */
export function ghashLanesForget(h: usize): void {
  if (ghashLanesOwnedBy(h)) {
    memory.fill(TABLES, 0, 32 * 256);
    memory.fill(OWNER, 0, 16);
  }
}

/** Starts a run: the lanes hold the 16 blocks at `src`, the first plus X (hi, lo) from `x`. */
export function ghashLanesStart(x: usize, src: usize): void {
  memory.copy(SWAP, src, 256);
  v128.store(SWAP, v128.xor(v128.load(SWAP), i8x16.swizzle(v128.load(x), v128.load(BSWAP_HALVES))));
  transpose16(SWAP, LANES);
}

/** The first part of a step: takes the lanes' nibbles, which the 16 parts after it multiply. */
@inline export function ghashLanesBeginStep(): void {
  const low = i8x16.splat(0x0f);
  for (let j: usize = 0; j < 16; j++) {
    const lanes = v128.load(LANES + (j << 4));
    v128.store(NIBBLES + (j << 5), v128.and(i16x8.shr_u(lanes, 4), low));
    v128.store(NIBBLES + (j << 5), v128.and(lanes, low), 16);
  }
}

/** One table's lookup: byte j of n·H^16·x^4k for each lane's nibble n (`t` = V_0,j). */
@inline function lookup(t: usize, k: usize): v128 {
  return i8x16.swizzle(v128.load(t + (k << 4)), v128.load(NIBBLES + (k << 4)));
}

/** The XOR of lookups k to k + 3. */
@inline function lookupFour(t: usize, k: usize): v128 {
  return v128.xor(v128.xor(lookup(t, k), lookup(t, k + 1)), v128.xor(lookup(t, k + 2), lookup(t, k + 3)));
}

/** Stores `sum` to `lanes` (the fence below), then adds lookups k to k + 3 to it. */
@inline function fenceThenAddFour(lanes: usize, sum: v128, t: usize, k: usize): v128 {
  v128.store(lanes, sum);
  return v128.xor(sum, lookupFour(t, k));
}

/**
 * Byte `j` of every lane times H^16, into the lanes (after ghashLanesBeginStep). The sum so far is
 * stored after every four lookups: a load may not move above a store that could alias it, so V8
 * cannot hoist all 64 loads to the top, which left them spilled to the stack (62 spills and 62
 * fills per byte position before).
 */
@inline export function ghashLanesMultiplyByte(j: usize): void {
  const t = TABLES + (j << 9), lanes = LANES + (j << 4);
  let sum = lookupFour(t, 0);
  sum = fenceThenAddFour(lanes, sum, t, 4);
  sum = fenceThenAddFour(lanes, sum, t, 8);
  sum = fenceThenAddFour(lanes, sum, t, 12);
  sum = fenceThenAddFour(lanes, sum, t, 16);
  sum = fenceThenAddFour(lanes, sum, t, 20);
  sum = fenceThenAddFour(lanes, sum, t, 24);
  sum = fenceThenAddFour(lanes, sum, t, 28);
  v128.store(lanes, sum);
}

/** The last part of a step: adds the 16 blocks at `src`, one to each lane. */
export function ghashLanesAbsorb(src: usize): void {
  transpose16(src, SWAP);
  for (let j: usize = 0; j < 16; j++) v128.store(LANES + (j << 4), v128.xor(v128.load(LANES + (j << 4)), v128.load(SWAP + (j << 4))));
}

/** Ends a run: X (hi, lo) at `x` becomes the fold of the lanes, by the constant-time key at `key`. */
export function ghashLanesFinish(key: usize, x: usize): void {
  transpose16(LANES, LANES);
  v128.store(x, i64x2.splat(0));
  ghashConstantTimeBlocks(key, x, LANES, LANE_BLOCKS);
  memory.fill(LANES, 0, 256);
  memory.fill(NIBBLES, 0, 32 * 16);
  memory.fill(SCRATCH, 0, 2 * 256);
}

/**
 * X = GHASH over `blocks` blocks at `src` (a multiple of 16, at least 16) from X at `x`, with the
 * tables built for this key and its constant-time key at `key`.
 */
export function ghashLanesBlocks(key: usize, x: usize, src: usize, blocks: usize): void {
  ghashLanesStart(x, src);
  for (let done: usize = LANE_BLOCKS; done < blocks; done += LANE_BLOCKS) {
    ghashLanesBeginStep();
    for (let j: usize = 0; j < 16; j++) ghashLanesMultiplyByte(j);
    ghashLanesAbsorb(src + (done << 4));
  }
  ghashLanesFinish(key, x);
}
