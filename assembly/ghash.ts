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
  memory.fill(table, 0, GHASH_TABLE_BYTES);
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

/** T_k[nibble] for the nibble at bit offset `shift` of `word`, table k at `tables`. */
@inline function lookup(tables: usize, word: u64, shift: u64): v128 {
  return v128.load(tables + <usize>((word >> shift) & 0xf) * 16);
}

/** X = (…((X ⊕ B1)·H ⊕ B2)·H …)·H over `blocks` 16-byte blocks at `src`; X (hi, lo) at `x`. */
export function ghashTableBlocks(table: usize, x: usize, src: usize, blocks: usize): void {
  let xh = load<u64>(x);
  let xl = load<u64>(x, 8);
  for (let b: usize = 0; b < blocks; b++) {
    const ah = xh ^ bswap<u64>(load<u64>(src));
    const al = xl ^ bswap<u64>(load<u64>(src, 8));
    src += 16;
    // Nibble k of ah sits at bits 60 - 4k; table k starts at k·256. Two accumulators for ILP.
    let z0 = i64x2.splat(0);
    let z1 = i64x2.splat(0);
    for (let k: usize = 0; k < 16; k += 2) {
      const shift = <u64>(60 - (k << 2));
      z0 = v128.xor(z0, lookup(table + (k << 8), ah, shift));
      z1 = v128.xor(z1, lookup(table + ((k + 1) << 8), ah, shift - 4));
      z0 = v128.xor(z0, lookup(table + ((k + 16) << 8), al, shift));
      z1 = v128.xor(z1, lookup(table + ((k + 17) << 8), al, shift - 4));
    }
    const z = v128.xor(z0, z1);
    xh = i64x2.extract_lane(z, 0);
    xl = i64x2.extract_lane(z, 1);
  }
  store<u64>(x, xh);
  store<u64>(x, xl, 8);
}
