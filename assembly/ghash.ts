// GHASH (NIST SP 800-38D §6.4) with Shoup's 4-bit tables.
//
// A field element is held as two u64 words (hi, lo) of the 16-byte block read big-endian, so
// the coefficient of x^0 is the top bit of `hi` and x^127 the bottom bit of `lo` (§6.3's bit
// order). Multiplying by x is then a right shift, folding x^128 back in as R = 0xE1 || 0^120.
//
// Side channels: the table lookups are indexed by bits of the hashed data XOR the secret
// accumulator; like the T-table AES this is the fast path, not the constant-time one.

// REM4[r]: the high word of (0, r) * x^4, i.e. what the four bits shifted out of `lo` fold back into.
const REM4: usize = memory.data(16 * 8, 64);

@inline function shiftRightOne(hi: u64, lo: u64, out: usize): void {
  const carry = lo & 1;
  store<u64>(out, (hi >> 1) ^ (carry * 0xe100000000000000));
  store<u64>(out, (lo >> 1) | (hi << 63), 8);
}

export function initGhashTables(): void {
  const scratch = memory.data(16, 16);
  for (let r: u64 = 0; r < 16; r++) {
    store<u64>(scratch, 0);
    store<u64>(scratch, r, 8);
    for (let i = 0; i < 4; i++) shiftRightOne(load<u64>(scratch), load<u64>(scratch, 8), scratch);
    store<u64>(REM4 + (<usize>r << 3), load<u64>(scratch));
  }
}

/**
 * Fills the 256-byte table at `table` for hash key H (16 bytes at `h`, a raw block).
 * Entry n (a nibble whose top bit stands for x^0) holds n·H: entry 8 = H, 4 = H·x, 2 = H·x², 1 = H·x³.
 */
export function ghashSetKey(table: usize, h: usize): void {
  memory.fill(table, 0, 256);
  store<u64>(table + 8 * 16, bswap<u64>(load<u64>(h)));
  store<u64>(table + 8 * 16, bswap<u64>(load<u64>(h, 8)), 8);
  for (let n: usize = 4; n > 0; n >>= 1) {
    const from = table + (n << 5); // entry 2n
    shiftRightOne(load<u64>(from), load<u64>(from, 8), table + (n << 4));
  }
  for (let n: usize = 2; n < 16; n <<= 1) {
    for (let low: usize = 1; low < n; low++) {
      const to = table + ((n + low) << 4);
      store<u64>(to, load<u64>(table + (n << 4)) ^ load<u64>(table + (low << 4)));
      store<u64>(to, load<u64>(table + (n << 4), 8) ^ load<u64>(table + (low << 4), 8), 8);
    }
  }
}

/**
 * X = (X ⊕ block) · H, with X the 16-byte accumulator at `x` (stored as hi, lo words) and
 * `block` 16 raw bytes. Horner's rule over nibbles from the highest degree (last byte, low nibble) down.
 */
@inline export function ghashBlock(table: usize, x: usize, block: usize): void {
  const ah = load<u64>(x) ^ bswap<u64>(load<u64>(block));
  const al = load<u64>(x, 8) ^ bswap<u64>(load<u64>(block, 8));
  let zh: u64 = 0;
  let zl: u64 = 0;
  for (let i: i32 = 15; i >= 0; i--) {
    const byte = i >= 8 ? (al >> (8 * (15 - i))) & 0xff : (ah >> (8 * (7 - i))) & 0xff;
    // Low nibble (higher degrees) first, then the high nibble.
    for (let half = 0; half < 2; half++) {
      const nibble = half == 0 ? byte & 0xf : byte >> 4;
      if (i != 15 || half != 0) {
        const rem = zl & 0xf;
        zl = (zl >> 4) | (zh << 60);
        zh = (zh >> 4) ^ load<u64>(REM4 + (<usize>rem << 3));
      }
      const entry = table + (<usize>nibble << 4);
      zh ^= load<u64>(entry);
      zl ^= load<u64>(entry, 8);
    }
  }
  store<u64>(x, zh);
  store<u64>(x, zl, 8);
}
