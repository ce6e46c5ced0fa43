// GHASH (NIST SP 800-38D §6.4) in constant time: no table, no secret-dependent branch or address.
//
// Carry-less products come from ordinary integer multiplies on operands thinned to every fourth
// bit (the idea of BearSSL's ghash_ctmul). For 32-bit operands each thinned factor has at most 8
// bits, so every output position sums at most 8 terms, which fits in the 3-bit hole before the
// next position of the same class: the 64-bit integer product carries nothing between classes.
//
// Elements are the 128-bit big-endian integers of the blocks (hi, lo), as in ghash.ts: the integer
// bit 127 - t holds the coefficient of x^t. Multiplying two such integers carry-lessly gives the
// product's coefficients in the same reversed order over 255 bits, which one left shift aligns.

/** Exact carry-less product of two 32-bit values (in u64s). */
@inline function bmul32(x: u64, y: u64): u64 {
  const x0 = x & 0x11111111, x1 = x & 0x22222222, x2 = x & 0x44444444, x3 = x & 0x88888888;
  const y0 = y & 0x11111111, y1 = y & 0x22222222, y2 = y & 0x44444444, y3 = y & 0x88888888;
  const z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  const z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  const z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  const z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  return (z0 & 0x1111111111111111) | (z1 & 0x2222222222222222) | (z2 & 0x4444444444444444) | (z3 & 0x8888888888888888);
}

// The two halves of the last clmul64 (module globals stand in for a second return value).
let productLo: u64 = 0;
let productHi: u64 = 0;

/** 64×64 → 128-bit carry-less product by one Karatsuba step over 32-bit halves. */
@inline function clmul64(x: u64, y: u64): void {
  const x0 = x & 0xffffffff, x1 = x >> 32, y0 = y & 0xffffffff, y1 = y >> 32;
  const low = bmul32(x0, y0);
  const high = bmul32(x1, y1);
  const middle = bmul32(x0 ^ x1, y0 ^ y1) ^ low ^ high;
  productLo = low ^ (middle << 32);
  productHi = high ^ (middle >> 32);
}

/** X = (…((X ⊕ B1)·H ⊕ B2)·H …)·H over `blocks` blocks at `src`; H raw at `h`, X (hi, lo) at `x`. */
export function ghashConstantTimeBlocks(h: usize, x: usize, src: usize, blocks: usize): void {
  const bh = bswap<u64>(load<u64>(h));
  const bl = bswap<u64>(load<u64>(h, 8));
  const bm = bh ^ bl;
  let xh = load<u64>(x);
  let xl = load<u64>(x, 8);
  for (let b: usize = 0; b < blocks; b++) {
    const ah = xh ^ bswap<u64>(load<u64>(src));
    const al = xl ^ bswap<u64>(load<u64>(src, 8));
    src += 16;
    // 128×128 → 256 bits (v3 v2 v1 v0) by Karatsuba over 64-bit halves.
    clmul64(al, bl);
    const l0 = productLo, l1 = productHi;
    clmul64(ah, bh);
    const h0 = productLo, h1 = productHi;
    clmul64(al ^ ah, bm);
    const m0 = productLo ^ l0 ^ h0, m1 = productHi ^ l1 ^ h1;
    const v0 = l0, v1 = l1 ^ m0, v2 = h0 ^ m1, v3 = h1;
    // Align: bit 255 - t now holds x^t; w3:w2 are degrees 0..127, w1:w0 degrees 128..255.
    let w3 = (v3 << 1) | (v2 >> 63);
    let w2 = (v2 << 1) | (v1 >> 63);
    let w1 = (v1 << 1) | (v0 >> 63);
    const w0 = v0 << 1;
    // Reduce modulo x^128 + x^7 + x^2 + x + 1: x^t = x^(t-128)·(1 + x + x^2 + x^7); multiplying by
    // x^k moves a coefficient k bits towards the low end. Fold w0 (into w2, w1), then w1 (into w3, w2).
    w2 ^= w0 ^ (w0 >> 1) ^ (w0 >> 2) ^ (w0 >> 7);
    w1 ^= (w0 << 63) ^ (w0 << 62) ^ (w0 << 57);
    w3 ^= w1 ^ (w1 >> 1) ^ (w1 >> 2) ^ (w1 >> 7);
    w2 ^= (w1 << 63) ^ (w1 << 62) ^ (w1 << 57);
    xh = w3;
    xl = w2;
  }
  store<u64>(x, xh);
  store<u64>(x, xl, 8);
  productLo = 0; // products of secret values: leave none behind
  productHi = 0;
}
