// Bitsliced representation of 8 AES blocks in 8 v128 "planes" (Käsper & Schwabe, CHES 2009).
//
// 128 bytes at `s`: before `transpose8`, block k sits at s + 16k. After it, plane i sits at
// s + 16i and holds bit i of every state byte: byte j of plane i has, in its bit k, bit i of
// byte j of block k. Byte j of the AES state stays at byte position j of every plane, so
// ShiftRows and MixColumns become byte shuffles within a plane, and SubBytes becomes a boolean
// circuit across the 8 planes. Nothing indexes memory by secret data.

/** Exchanges the bits selected by `mask` in `b` with the bits `n` places higher in `a`. */
@inline function swapMove(s: usize, a: usize, b: usize, mask: v128, n: i32): void {
  const x = v128.load(s + (a << 4));
  const y = v128.load(s + (b << 4));
  const t = v128.and(v128.xor(i64x2.shr_u(x, n), y), mask);
  v128.store(s + (b << 4), v128.xor(y, t));
  v128.store(s + (a << 4), v128.xor(x, i64x2.shl(t, n)));
}

/**
 * Transposes the 8x8 bit matrix at every byte position: blocks ↔ planes. It is its own inverse.
 * (The masks keep each moved bit inside its byte, so 64-bit lane shifts are safe.)
 */
@inline export function transpose8(s: usize): void {
  const m1 = i64x2.splat(0x5555555555555555);
  const m2 = i64x2.splat(0x3333333333333333);
  const m4 = i64x2.splat(0x0f0f0f0f0f0f0f0f);
  swapMove(s, 0, 1, m1, 1); swapMove(s, 2, 3, m1, 1); swapMove(s, 4, 5, m1, 1); swapMove(s, 6, 7, m1, 1);
  swapMove(s, 0, 2, m2, 2); swapMove(s, 1, 3, m2, 2); swapMove(s, 4, 6, m2, 2); swapMove(s, 5, 7, m2, 2);
  swapMove(s, 0, 4, m4, 4); swapMove(s, 1, 5, m4, 4); swapMove(s, 2, 6, m4, 4); swapMove(s, 3, 7, m4, 4);
}

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
