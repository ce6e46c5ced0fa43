// GHASH (NIST SP 800-38D §6.4) in constant time: no table, no secret-dependent branch or address.
//
// Carry-less products come from ordinary integer multiplies on operands thinned to every fourth
// bit (the idea of BearSSL's ghash_ctmul). For 32-bit operands each thinned factor has at most 8
// bits, so every output position sums at most 8 terms, which fits in the 3-bit hole before the
// next position of the same class: the 64-bit integer product carries nothing between classes.
// The 16 products of one 32×32 multiply run on SIMD lanes, two per i64x2.extmul (pmuludq on x86,
// a fixed-latency multiply like the scalar one), with the key's thinned words prepared once per
// key; the 128×128 product is two Karatsuba levels over such 32-bit multiplies (9 of them).
//
// Elements are the 128-bit big-endian integers of the blocks (hi, lo), as in ghash.ts: the integer
// bit 127 - t holds the coefficient of x^t. Multiplying two such integers carry-lessly gives the
// product's coefficients in the same reversed order over 255 bits, which one left shift aligns.

import { BSWAP_HALVES } from './ghash';

/**
 * Bytes of a prepared key: for each of the 9 Karatsuba words of H (lo, hi and lo⊕hi halves of
 * H_lo, H_hi and H_lo⊕H_hi), 4 vectors; vector c holds the word's thinned parts y_c, y_c-1,
 * y_c-2, y_c-3 (y_j = word & 0x11111111 << j, indices mod 4), the partners of x_0..x_3 in class c.
 */
export const GHASH_CT_KEY_BYTES: usize = 9 * 4 * 16;

const THIN: usize = memory.data<u32>([0x11111111, 0x22222222, 0x44444444, 0x88888888]);
const CLASS_MASKS: usize = memory.data<u64>([
  0x1111111111111111, 0x1111111111111111, 0x2222222222222222, 0x2222222222222222,
  0x4444444444444444, 0x4444444444444444, 0x8888888888888888, 0x8888888888888888,
]);

function prepareWord(dst: usize, word: u32): void {
  const y0 = word & 0x11111111, y1 = word & 0x22222222, y2 = word & 0x44444444, y3 = word & 0x88888888;
  store<u32>(dst, y0); store<u32>(dst, y3, 4); store<u32>(dst, y2, 8); store<u32>(dst, y1, 12);
  store<u32>(dst, y1, 16); store<u32>(dst, y0, 20); store<u32>(dst, y3, 24); store<u32>(dst, y2, 28);
  store<u32>(dst, y2, 32); store<u32>(dst, y1, 36); store<u32>(dst, y0, 40); store<u32>(dst, y3, 44);
  store<u32>(dst, y3, 48); store<u32>(dst, y2, 52); store<u32>(dst, y1, 56); store<u32>(dst, y0, 60);
}

/** The three Karatsuba words (low, high, low ⊕ high) of one 64-bit half of H. */
function prepareHalf(dst: usize, half: u64): void {
  const low = <u32>half, high = <u32>(half >> 32);
  prepareWord(dst, low);
  prepareWord(dst + 64, high);
  prepareWord(dst + 128, low ^ high);
}

/** Prepares the hash key H (16 raw bytes at `h`) into `key` (GHASH_CT_KEY_BYTES). */
export function ghashConstantTimeSetKey(key: usize, h: usize): void {
  const hi = bswap<u64>(load<u64>(h));
  const lo = bswap<u64>(load<u64>(h, 8));
  prepareHalf(key, lo);
  prepareHalf(key + 192, hi);
  prepareHalf(key + 384, lo ^ hi);
}

/**
 * Carry-less 32×32 product of the word splatted in `xs` and prepared key word `y` (64 bytes).
 * The product is also stored to `fence` (the accumulator's slot, rewritten after the block): a load
 * may not move above a store that could alias it, so V8 cannot hoist the next product's key and
 * mask loads above this one, as it did with nothing in between (all 9 × 9 loaded at the top of the
 * loop, more than x64's 16 vector registers hold: 301 spills and fills per block).
 */
@inline function bmul32(xs: v128, y: usize, fence: usize): u64 {
  const x = v128.and(xs, v128.load(THIN)); // x_0..x_3
  let r = v128.and(v128.xor(i64x2.extmul_low_i32x4_u(x, v128.load(y)), i64x2.extmul_high_i32x4_u(x, v128.load(y))), v128.load(CLASS_MASKS));
  r = v128.xor(r, v128.and(v128.xor(i64x2.extmul_low_i32x4_u(x, v128.load(y, 16)), i64x2.extmul_high_i32x4_u(x, v128.load(y, 16))), v128.load(CLASS_MASKS, 16)));
  r = v128.xor(r, v128.and(v128.xor(i64x2.extmul_low_i32x4_u(x, v128.load(y, 32)), i64x2.extmul_high_i32x4_u(x, v128.load(y, 32))), v128.load(CLASS_MASKS, 32)));
  r = v128.xor(r, v128.and(v128.xor(i64x2.extmul_low_i32x4_u(x, v128.load(y, 48)), i64x2.extmul_high_i32x4_u(x, v128.load(y, 48))), v128.load(CLASS_MASKS, 48)));
  const product = i64x2.extract_lane(r, 0) ^ i64x2.extract_lane(r, 1);
  store<u64>(fence, product);
  return product;
}

/**
 * X = (…((X ⊕ B1)·H ⊕ B2)·H …)·H over `blocks` blocks at `src`; H prepared at `key`, X (hi, lo) at `x`,
 * which must not overlap the blocks (bmul32 writes its products there mid-block).
 */
export function ghashConstantTimeBlocks(key: usize, x: usize, src: usize, blocks: usize): void {
  let acc = v128.load(x);
  for (let b: usize = 0; b < blocks; b++, src += 16) acc = ghashConstantTimeBlock(key, x, acc, src);
  v128.store(x, acc);
}

/** (X ⊕ B)·H for X = `acc` (hi, lo) and the block B at `src`; `x` as for ghashConstantTimeBlocks. */
@inline export function ghashConstantTimeBlock(key: usize, x: usize, acc: v128, src: usize): v128 {
  // a = X ⊕ B as (hi, lo); as 32-bit lanes: hi0, hi1, lo0, lo1 (low word first).
  const a = v128.xor(acc, i8x16.swizzle(v128.load(src), v128.load(BSWAP_HALVES)));
  const folded = v128.xor(a, i32x4.shuffle(a, a, 1, 0, 3, 2)); // hi0^hi1 in lane 0, lo0^lo1 in lane 2
  const middle = v128.xor(a, i32x4.shuffle(a, a, 2, 3, 0, 1)); // (hi^lo)0, (hi^lo)1
  const middleFolded = v128.xor(middle, i32x4.shuffle(middle, middle, 1, 0, 1, 0));
  // 64×64 products by Karatsuba over 32-bit halves: low, high, and middle ⊕ low ⊕ high.
  const ll = bmul32(i32x4.shuffle(a, a, 2, 2, 2, 2), key, x);
  const lh = bmul32(i32x4.shuffle(a, a, 3, 3, 3, 3), key + 64, x);
  const lm = bmul32(i32x4.shuffle(folded, folded, 2, 2, 2, 2), key + 128, x) ^ ll ^ lh;
  const hl = bmul32(i32x4.shuffle(a, a, 0, 0, 0, 0), key + 192, x);
  const hh = bmul32(i32x4.shuffle(a, a, 1, 1, 1, 1), key + 256, x);
  const hm = bmul32(i32x4.shuffle(folded, folded, 0, 0, 0, 0), key + 320, x) ^ hl ^ hh;
  const ml = bmul32(i32x4.shuffle(middle, middle, 0, 0, 0, 0), key + 384, x);
  const mh = bmul32(i32x4.shuffle(middle, middle, 1, 1, 1, 1), key + 448, x);
  const mm = bmul32(i32x4.shuffle(middleFolded, middleFolded, 0, 0, 0, 0), key + 512, x) ^ ml ^ mh;
  const l0 = ll ^ (lm << 32), l1 = lh ^ (lm >> 32);
  const h0 = hl ^ (hm << 32), h1 = hh ^ (hm >> 32);
  const m0 = ml ^ (mm << 32) ^ l0 ^ h0, m1 = mh ^ (mm >> 32) ^ l1 ^ h1;
  // 128×128 → 256 bits (v3 v2 v1 v0) by Karatsuba over 64-bit halves.
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
  return i64x2.replace_lane(i64x2.splat(w3), 1, w2);
}
