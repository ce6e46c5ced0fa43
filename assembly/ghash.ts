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

/** Bytes of the per-key tables: 32 positions × 16 entries × 16 bytes. */
export const GHASH_TABLE_BYTES: usize = 32 * 16 * 16;

@inline function timesX(hi: u64, lo: u64, out: usize): void {
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
  for (let k: usize = 0; k < 32; k++) {
    const t = table + (k << 8);
    for (let n: usize = 2; n < 16; n <<= 1) {
      for (let low: usize = 1; low < n; low++) {
        v128.store(t + ((n + low) << 4), v128.xor(v128.load(t + (n << 4)), v128.load(t + (low << 4))));
      }
    }
  }
}

// Each 64-bit half of a block is byte-swapped in one shuffle (V8 expands a scalar bswap<u64> into
// a dozen shifts and masks), kept with X as one v128 of (hi, lo).
export const BSWAP_HALVES: usize = memory.data<u8>([7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8]);

/** 16 × the nibble at bit offset `shift` of `word`: its entry's byte offset within a table. */
@inline function entry(word: u64, shift: i32): usize {
  return shift >= 4 ? <usize>((word >> <u64>(shift - 4)) & 0xf0) : <usize>((word << 4) & 0xf0);
}

/**
 * The XOR of the table entries for eight nibbles of `word`: its high half (bits 63..32) if `low` is
 * 32, its low half if 0, from the eight consecutive tables at `t`.
 */
@inline function lookupEight(t: usize, word: u64, low: i32): v128 {
  const a = v128.xor(v128.load(t + entry(word, low + 28), 0x000), v128.load(t + entry(word, low + 24), 0x100));
  const b = v128.xor(v128.load(t + entry(word, low + 20), 0x200), v128.load(t + entry(word, low + 16), 0x300));
  const c = v128.xor(v128.load(t + entry(word, low + 12), 0x400), v128.load(t + entry(word, low + 8), 0x500));
  const d = v128.xor(v128.load(t + entry(word, low + 4), 0x600), v128.load(t + entry(word, low), 0x700));
  return v128.xor(v128.xor(a, b), v128.xor(c, d));
}

/**
 * X = (…((X ⊕ B1)·H ⊕ B2)·H …)·H over `blocks` 16-byte blocks at `src`; X (hi, lo) at `x`.
 * Written out in full so every shift is an immediate and every table offset a load's constant
 * offset (nibble k of hi sits at bits 60 - 4k and uses table k; lo's use tables 16..31).
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

/** (X ⊕ B)·H for X = `z` (hi, lo) and the block B at `src`; `x` as for ghashTableBlocks. */
@inline export function ghashTableBlock(t: usize, x: usize, z: v128, src: usize): v128 {
  const a = v128.xor(z, i8x16.swizzle(v128.load(src), v128.load(BSWAP_HALVES)));
  const h = i64x2.extract_lane(a, 0);
  const l = i64x2.extract_lane(a, 1);
  z = lookupEight(t, h, 32);
  v128.store(x, z);
  z = v128.xor(z, lookupEight(t + 0x800, h, 0));
  v128.store(x, z);
  z = v128.xor(z, lookupEight(t + 0x1000, l, 32));
  v128.store(x, z);
  return v128.xor(z, lookupEight(t + 0x1800, l, 0));
}
