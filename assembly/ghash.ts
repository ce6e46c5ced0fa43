// GHASH (NIST SP 800-38D §6.4), fast path: Shoup's 8-bit tables.
//
// A field element is held as two u64 words (hi, lo) of the 16-byte block read big-endian, so
// the coefficient of x^0 is the top bit of `hi` and x^127 the bottom bit of `lo` (§6.3's bit
// order). Multiplying by x is then a right shift, folding x^128 back in as R = 0xE1 || 0^120.
//
// Side channels: the table lookups are indexed by bytes of the hashed data XOR the secret
// accumulator, so they can leak through a shared cache. `ghash-constant-time.ts` has no lookups.

/** Bytes of the per-key table: 256 entries of 16 bytes. */
export const GHASH_TABLE_BYTES: usize = 4096;

// REM8[r]: the high word of (0, r) · x^8, i.e. what the 8 bits shifted out of `lo` fold back into.
const REM8: usize = memory.data(256 * 8, 64);

@inline function timesX(hi: u64, lo: u64, out: usize): void {
  store<u64>(out, (hi >> 1) ^ ((lo & 1) * 0xe100000000000000));
  store<u64>(out, (lo >> 1) | (hi << 63), 8);
}

export function initGhashTables(): void {
  const scratch = memory.data(16, 16);
  for (let r: u64 = 0; r < 256; r++) {
    store<u64>(scratch, 0);
    store<u64>(scratch, r, 8);
    for (let i = 0; i < 8; i++) timesX(load<u64>(scratch), load<u64>(scratch, 8), scratch);
    store<u64>(REM8 + (<usize>r << 3), load<u64>(scratch));
  }
}

/**
 * Fills the table at `table` for hash key H (16 raw bytes at `h`). Entry b (a byte whose top bit
 * stands for x^0) holds b·H: entry 0x80 = H, 0x40 = H·x, …, 0x01 = H·x^7; the rest are sums.
 */
export function ghashTableSetKey(table: usize, h: usize): void {
  memory.fill(table, 0, GHASH_TABLE_BYTES);
  store<u64>(table + 0x80 * 16, bswap<u64>(load<u64>(h)));
  store<u64>(table + 0x80 * 16, bswap<u64>(load<u64>(h, 8)), 8);
  for (let n: usize = 0x40; n > 0; n >>= 1) {
    const from = table + (n << 5); // entry 2n
    timesX(load<u64>(from), load<u64>(from, 8), table + (n << 4));
  }
  for (let n: usize = 2; n < 256; n <<= 1) {
    for (let low: usize = 1; low < n; low++) {
      v128.store(table + ((n + low) << 4), v128.xor(v128.load(table + (n << 4)), v128.load(table + (low << 4))));
    }
  }
}

/**
 * X = (…((X ⊕ B1)·H ⊕ B2)·H …)·H over `blocks` 16-byte blocks at `src`; X (hi, lo) at `x`.
 * Each product is Horner's rule over the 16 bytes, last byte (highest degrees) first: shift Z
 * by 8 bits (folding the bits shifted out back in with REM8), then add the byte's table entry.
 */
export function ghashTableBlocks(table: usize, x: usize, src: usize, blocks: usize): void {
  let xh = load<u64>(x);
  let xl = load<u64>(x, 8);
  for (let b: usize = 0; b < blocks; b++) {
    const ah = xh ^ bswap<u64>(load<u64>(src));
    const al = xl ^ bswap<u64>(load<u64>(src, 8));
    src += 16;
    let entry = table + (<usize>(al & 0xff) << 4);
    let zh = load<u64>(entry);
    let zl = load<u64>(entry, 8);
    for (let i = 1; i < 16; i++) {
      const byte = i < 8 ? (al >> (<u64>i << 3)) & 0xff : (ah >> (<u64>(i - 8) << 3)) & 0xff;
      const rem = REM8 + (<usize>(zl & 0xff) << 3);
      zl = (zl >> 8) | (zh << 56);
      zh = (zh >> 8) ^ load<u64>(rem);
      entry = table + (<usize>byte << 4);
      zh ^= load<u64>(entry);
      zl ^= load<u64>(entry, 8);
    }
    xh = zh;
    xl = zl;
  }
  store<u64>(x, xh);
  store<u64>(x, xl, 8);
}
