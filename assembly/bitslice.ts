// Bitsliced representation of 8 AES blocks in 8 v128 "planes" (Käsper & Schwabe, CHES 2009).
//
// 128 bytes at `s`: before `transpose8`, block k sits at s + 16k. After it, plane i sits at
// s + 16i and holds bit i of every state byte: byte j of plane i has, in its bit k, bit i of
// byte j of block k. Byte j of the AES state stays at byte position j of every plane, so
// ShiftRows and MixColumns become byte shuffles within a plane, and SubBytes becomes a boolean
// circuit across the 8 planes. Nothing indexes memory by secret data.

/** The bits of `y` selected by `mask` XOR those `n` places higher in `x`: what a swap-move exchanges. */
@inline function swapDelta(x: v128, y: v128, mask: v128, n: i32): v128 {
  return v128.and(v128.xor(i64x2.shr_u(x, n), y), mask);
}

/**
 * Transposes the 8x8 bit matrix at every byte position: blocks ↔ planes. It is its own inverse.
 * Each row is first permuted bytewise by the swizzle mask `bytes` (the same permutation for every
 * block or plane, so it commutes with the transpose). The rows stay in registers from load to
 * store: twelve swap-moves through memory cost 48 loads and stores where this needs 16.
 * (The masks keep each moved bit inside its byte, so 64-bit lane shifts are safe.)
 */
@inline export function transpose8(s: usize, bytes: v128): void {
  const m1 = i64x2.splat(0x5555555555555555);
  const m2 = i64x2.splat(0x3333333333333333);
  const m4 = i64x2.splat(0x0f0f0f0f0f0f0f0f);
  let x0 = i8x16.swizzle(plane(s, 0), bytes), x1 = i8x16.swizzle(plane(s, 1), bytes);
  let x2 = i8x16.swizzle(plane(s, 2), bytes), x3 = i8x16.swizzle(plane(s, 3), bytes);
  let x4 = i8x16.swizzle(plane(s, 4), bytes), x5 = i8x16.swizzle(plane(s, 5), bytes);
  let x6 = i8x16.swizzle(plane(s, 6), bytes), x7 = i8x16.swizzle(plane(s, 7), bytes);
  let t = swapDelta(x0, x1, m1, 1); x1 = v128.xor(x1, t); x0 = v128.xor(x0, i64x2.shl(t, 1));
  t = swapDelta(x2, x3, m1, 1); x3 = v128.xor(x3, t); x2 = v128.xor(x2, i64x2.shl(t, 1));
  t = swapDelta(x4, x5, m1, 1); x5 = v128.xor(x5, t); x4 = v128.xor(x4, i64x2.shl(t, 1));
  t = swapDelta(x6, x7, m1, 1); x7 = v128.xor(x7, t); x6 = v128.xor(x6, i64x2.shl(t, 1));
  t = swapDelta(x0, x2, m2, 2); x2 = v128.xor(x2, t); x0 = v128.xor(x0, i64x2.shl(t, 2));
  t = swapDelta(x1, x3, m2, 2); x3 = v128.xor(x3, t); x1 = v128.xor(x1, i64x2.shl(t, 2));
  t = swapDelta(x4, x6, m2, 2); x6 = v128.xor(x6, t); x4 = v128.xor(x4, i64x2.shl(t, 2));
  t = swapDelta(x5, x7, m2, 2); x7 = v128.xor(x7, t); x5 = v128.xor(x5, i64x2.shl(t, 2));
  t = swapDelta(x0, x4, m4, 4); x4 = v128.xor(x4, t); x0 = v128.xor(x0, i64x2.shl(t, 4));
  t = swapDelta(x1, x5, m4, 4); x5 = v128.xor(x5, t); x1 = v128.xor(x1, i64x2.shl(t, 4));
  t = swapDelta(x2, x6, m4, 4); x6 = v128.xor(x6, t); x2 = v128.xor(x2, i64x2.shl(t, 4));
  t = swapDelta(x3, x7, m4, 4); x7 = v128.xor(x7, t); x3 = v128.xor(x3, i64x2.shl(t, 4));
  setPlane(s, 0, x0); setPlane(s, 1, x1); setPlane(s, 2, x2); setPlane(s, 3, x3);
  setPlane(s, 4, x4); setPlane(s, 5, x5); setPlane(s, 6, x6); setPlane(s, 7, x7);
}

/** The swizzle mask that leaves every byte in place. */
export const SAME_BYTES = i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

@inline export function plane(s: usize, i: usize): v128 {
  return v128.load(s + (i << 4));
}

@inline export function setPlane(s: usize, i: usize, value: v128): void {
  v128.store(s + (i << 4), value);
}

/** XORs the 8 planes at `k` into the 8 planes at `s` (AddRoundKey with a bitsliced round key). */
@inline export function xorPlanes(s: usize, k: usize): void {
  for (let i: usize = 0; i < 8; i++) setPlane(s, i, v128.xor(plane(s, i), plane(k, i)));
}

/** Complements the planes whose bit is set in `constant`: XOR of a byte constant into every byte. */
@inline export function xorByteConstant(s: usize, constant: u32): void {
  for (let i: usize = 0; i < 8; i++) {
    if ((constant >> <u32>i) & 1) setPlane(s, i, v128.not(plane(s, i)));
  }
}
