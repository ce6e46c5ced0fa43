// GHASH (NIST SP 800-38D §6.4), fast path: one 16-entry table per nibble position.
//
// A field element is held as two u64 words (hi, lo) of the 16-byte block read big-endian, so
// the coefficient of x^0 is the top bit of `hi` and x^127 the bottom bit of `lo` (§6.3's bit
// order). Multiplying by x is then a right shift, folding x^128 back in as R = 0xE1 || 0^120.
//
// Nibble k of a block (k = 0..31, from the first byte's high nibble) covers x^4k..x^4k+3, so
// X·H = ⊕_k T_k[nibble_k(X)] with T_k[n] = n·H·x^4k, already reduced: 32 independent lookups per
// block, no shift-and-reduce chain, and 8 KiB of tables that stay in L1.
//
// Side channels: the lookups are indexed by nibbles of the hashed data XOR the secret
// accumulator, so they can leak through a shared cache. `ghash-constant-time.ts` has no lookups.

/** Where each block's 32 table offsets are staged (ghashTableBlock), after the tables. */
const OFFSETS: usize = 32 * 16 * 16;
/** Bytes of the per-key tables (32 positions × 16 entries × 16 bytes) and the staged offsets. */
export const GHASH_TABLE_BYTES: usize = OFFSETS + 32;

/**
 * Whether the 16 bytes at `a` and `b` are equal, compared whole (no early exit on the first word):
 * the static tables' owner tag against a context's hash key.
 */
@inline export function sameBlock(a: usize, b: usize): bool {
  return ((load<u64>(a) ^ load<u64>(b)) | (load<u64>(a, 8) ^ load<u64>(b, 8))) == 0;
}

/** Stores (hi, lo)·x to `out`: a right shift, x^128 folded back in as R = 0xE1 || 0^120. */
@inline export function timesX(hi: u64, lo: u64, out: usize): void {
  store<u64>(out, (hi >> 1) ^ ((lo & 1) * 0xe100000000000000));
  store<u64>(out, (lo >> 1) | (hi << 63), 8);
}

/**
 * Fills the tables at `table` for hash key H (16 raw bytes at `h`). In table k, entry n (a nibble
 * whose top bit stands for the lowest degree) holds n·H·x^4k: entry 8 = H·x^4k, 4 = H·x^(4k+1),
 * 2 = H·x^(4k+2), 1 = H·x^(4k+3); the others are sums of those.
 */
export function ghashTableSetKey(table: usize, h: usize): void {
  // Every entry is written below except entry 0 of each table (0·H): zero just those 32, not all
  // 8 KiB (callgrind counts a memset's `rep stosb` byte by byte, which hid this cost's real size).
  for (let k: usize = 0; k < 32; k++) v128.store(table + (k << 8), i64x2.splat(0));
  let power = table + (8 << 4); // H·x^0 goes to table 0, entry 8
  store<u64>(power, bswap<u64>(load<u64>(h)));
  store<u64>(power, bswap<u64>(load<u64>(h, 8)), 8);
  for (let j: usize = 1; j < 128; j++) {
    const next = table + ((j >> 2) << 8) + ((<usize>8 >> (j & 3)) << 4);
    timesX(load<u64>(power), load<u64>(power, 8), next);
    power = next;
  }
  for (let k: usize = 0; k < 32; k++) fillNibbleTableSums(table + (k << 8));
}

/** Fills the entries of the 16-entry table at `t` that are sums (3, 5–7, 9–15) from entries 1, 2, 4 and 8. */
@inline export function fillNibbleTableSums(t: usize): void {
  for (let n: usize = 2; n < 16; n <<= 1) {
    for (let low: usize = 1; low < n; low++) {
      v128.store(t + ((n + low) << 4), v128.xor(v128.load(t + (n << 4)), v128.load(t + (low << 4))));
    }
  }
}

// Each 64-bit half of a block is byte-swapped in one shuffle (V8 expands a scalar bswap<u64> into
// a dozen shifts and masks), kept with X as one v128 of (hi, lo).
export const BSWAP_HALVES: usize = memory.data<u8>([7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8]);

/** The table entry at byte `at` of the staged offsets `o`, in the tables from `t`. */
@inline function entry(t: usize, o: usize, at: usize): usize {
  return t + <usize>load<u8>(o + at);
}

/**
 * The XOR of the entries for the eight nibbles of bytes `byte` down to `byte` − 3 of (X ⊕ B), from
 * the eight consecutive tables at `t`: byte b's high nibble (its offset at `o` + b) indexes one
 * table, its low nibble (at `o` + 16 + b) the next.
 */
@inline function lookupEight(t: usize, o: usize, byte: usize): v128 {
  const a = v128.xor(v128.load(entry(t, o, byte), 0x000), v128.load(entry(t, o, byte + 16), 0x100));
  const b = v128.xor(v128.load(entry(t, o, byte - 1), 0x200), v128.load(entry(t, o, byte + 15), 0x300));
  const c = v128.xor(v128.load(entry(t, o, byte - 2), 0x400), v128.load(entry(t, o, byte + 14), 0x500));
  const d = v128.xor(v128.load(entry(t, o, byte - 3), 0x600), v128.load(entry(t, o, byte + 13), 0x700));
  return v128.xor(v128.xor(a, b), v128.xor(c, d));
}

/**
 * X = (…((X ⊕ B1)·H ⊕ B2)·H …)·H over `blocks` 16-byte blocks at `src`; X (hi, lo) at `x`.
 * Written out in full so every table's offset is a load's constant offset (nibble k of hi, from
 * its top, uses table k; lo's use tables 16..31).
 * The sum so far is stored to `x` after each group of 8 lookups: a table load may not move above
 * a store that could alias it, so V8 cannot hoist all 32 loads ahead of their XORs, which left
 * more entries live than x64's 16 vector registers hold (25 spills and fills per block before).
 * So `x` must not overlap the blocks at `src`.
 */
export function ghashTableBlocks(t: usize, x: usize, src: usize, blocks: usize): void {
  let z = v128.load(x); // (hi, lo) as native words, the layout of the table entries
  for (let b: usize = 0; b < blocks; b++, src += 16) z = ghashTableBlock(t, x, z, src);
  v128.store(x, z);
}

/**
 * (X ⊕ B)·H for X = `z` (hi, lo) and the block B at `src`; `x` as for ghashTableBlocks. The 32
 * entry offsets (16 × each nibble) are computed in two vector operations and staged in memory, so
 * each lookup is a byte load, an add and the entry's load (extracting each nibble from the words
 * in scalar registers took a copy, a shift, a mask and an add: V8's loop was 206 instructions a
 * block, 133 of them scalar, against 152 and 74 so; `node bench/probes/core-spills.mjs`).
 * Nibble k (from the top of `hi`) indexes table k: bytes 7..0 of (X ⊕ B) hold hi's nibbles from
 * the top, bytes 15..8 lo's.
 */
@inline export function ghashTableBlock(t: usize, x: usize, z: v128, src: usize): v128 {
  const a = v128.xor(z, i8x16.swizzle(v128.load(src), v128.load(BSWAP_HALVES)));
  const o = t + OFFSETS;
  const highNibbles = i8x16.splat(<i8>0xf0);
  v128.store(o, v128.and(a, highNibbles));
  // A 16-bit shift moves each byte's low nibble up; what crosses from the byte below is masked off.
  v128.store(o, v128.and(i16x8.shl(a, 4), highNibbles), 16);
  z = lookupEight(t, o, 7);
  v128.store(x, z);
  z = v128.xor(z, lookupEight(t + 0x800, o, 3));
  v128.store(x, z);
  z = v128.xor(z, lookupEight(t + 0x1000, o, 15));
  v128.store(x, z);
  return v128.xor(z, lookupEight(t + 0x1800, o, 11));
}
