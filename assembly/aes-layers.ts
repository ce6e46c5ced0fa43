// The linear layers of bitsliced AES-256 rounds (see aes.ts for the row-major plane layout), and
// `afterSbox`: what the S-box circuit does with its eight output planes. The layer is a constant
// at every call site, so each use inlines to straight-line code that keeps the planes in
// registers from the S-box through the next AddRoundKey, instead of storing and reloading them.

import { plane, setPlane } from './bitslice';

/** Store the S-box outputs as they are. */
export const LAYER_STORE: i32 = 0;
/** ShiftRows, MixColumns, AddRoundKey (rounds 1..13). */
export const LAYER_ENCRYPT: i32 = 1;
/** ShiftRows, AddRoundKey (round 14). */
export const LAYER_ENCRYPT_FINAL: i32 = 2;
/** InvMixColumns, InvShiftRows, AddRoundKey with a key of the decryption schedule (rounds 13..1). */
export const LAYER_DECRYPT: i32 = 3;
/** AddRoundKey (the last decryption step). */
export const LAYER_DECRYPT_FINAL: i32 = 4;

// ShiftRows as a swizzle by a constant mask, not as a constant shuffle: V8 rebuilds a constant
// shuffle's 16-byte mask from two immediates at every use (4 instructions before each pshufb),
// while a constant swizzle mask is built once per round and, all its indices being below 16, needs
// no saturating add before the pshufb (a mask loaded from memory needs one at every use: with it,
// 16 more instructions per round).
const SHIFT_ROWS = i8x16(0, 1, 2, 3, 5, 6, 7, 4, 10, 11, 8, 9, 15, 12, 13, 14);
const INV_SHIFT_ROWS = i8x16(0, 1, 2, 3, 7, 4, 5, 6, 10, 11, 8, 9, 13, 14, 15, 12);

/** ShiftRows (§5.1.2) of one row-major plane: row r rotates left by r bytes. */
@inline function shiftRows(x: v128): v128 {
  return i8x16.swizzle(x, SHIFT_ROWS);
}

@inline function invShiftRows(x: v128): v128 {
  return i8x16.swizzle(x, INV_SHIFT_ROWS);
}

/** Row r of each column takes row r+1: a rotation of the four 32-bit rows. */
@inline function rot1(x: v128): v128 {
  return i8x16.shuffle(x, x, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3);
}

@inline function rot2(x: v128): v128 {
  return i8x16.shuffle(x, x, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
}

/**
 * Stores eight planes to `s`, first applying InvShiftRows if `thenInvShiftRows` and adding the
 * round key at `k` if `addKey`. The flags are constants at every call site, so each use compiles
 * to straight-line code with the planes in registers.
 */
@inline function storeLayer(s: usize, k: usize, thenInvShiftRows: bool, addKey: bool,
  b0: v128, b1: v128, b2: v128, b3: v128, b4: v128, b5: v128, b6: v128, b7: v128): void {
  if (thenInvShiftRows) {
    b0 = invShiftRows(b0); b1 = invShiftRows(b1); b2 = invShiftRows(b2); b3 = invShiftRows(b3);
    b4 = invShiftRows(b4); b5 = invShiftRows(b5); b6 = invShiftRows(b6); b7 = invShiftRows(b7);
  }
  storePlane(s, k, 0, addKey, b0); storePlane(s, k, 1, addKey, b1); storePlane(s, k, 2, addKey, b2); storePlane(s, k, 3, addKey, b3);
  storePlane(s, k, 4, addKey, b4); storePlane(s, k, 5, addKey, b5); storePlane(s, k, 6, addKey, b6); storePlane(s, k, 7, addKey, b7);
}

/**
 * Stores plane i, first adding round-key plane i if `addKey`. Each key plane is loaded just before
 * its store: a load may not pass a store that could alias it, so loading all eight first (as
 * separate steps would) pins them in registers, or on the stack, through the whole linear layer.
 */
@inline function storePlane(s: usize, k: usize, i: usize, addKey: bool, b: v128): void {
  setPlane(s, i, addKey ? v128.xor(b, plane(k, i)) : b);
}

/**
 * MixColumns (§5.1.3) of planes a0..a7, then storeLayer's optional steps:
 * b_r = 2a_r ⊕ 3a_{r+1} ⊕ a_{r+2} ⊕ a_{r+3} = 2t_r ⊕ a_{r+1} ⊕ t_{r+2} with t_r = a_r ⊕ a_{r+1};
 * the doubling is xtime across planes (0x1b feeds planes 0, 1, 3, 4).
 */
@inline function mixColumnsStore(s: usize, k: usize, thenInvShiftRows: bool, addKey: bool,
  a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128): void {
  const r0 = rot1(a0), r1 = rot1(a1), r2 = rot1(a2), r3 = rot1(a3);
  const r4 = rot1(a4), r5 = rot1(a5), r6 = rot1(a6), r7 = rot1(a7);
  const t0 = v128.xor(a0, r0), t1 = v128.xor(a1, r1), t2 = v128.xor(a2, r2), t3 = v128.xor(a3, r3);
  const t4 = v128.xor(a4, r4), t5 = v128.xor(a5, r5), t6 = v128.xor(a6, r6), t7 = v128.xor(a7, r7);
  storeLayer(s, k, thenInvShiftRows, addKey,
    v128.xor(t7, v128.xor(r0, rot2(t0))),
    v128.xor(v128.xor(t0, t7), v128.xor(r1, rot2(t1))),
    v128.xor(t1, v128.xor(r2, rot2(t2))),
    v128.xor(v128.xor(t2, t7), v128.xor(r3, rot2(t3))),
    v128.xor(v128.xor(t3, t7), v128.xor(r4, rot2(t4))),
    v128.xor(t4, v128.xor(r5, rot2(t5))),
    v128.xor(t5, v128.xor(r6, rot2(t6))),
    v128.xor(t6, v128.xor(r7, rot2(t7))));
}

/**
 * InvMixColumns, InvShiftRows and (if `addKey`) the round key at `k` of planes a0..a7, stored to `s`.
 * InvMixColumns = MixColumns ∘ P with P(a)_r = a_r ⊕ 4(a_r ⊕ a_{r+2}): the circulant
 * (14, 11, 13, 9) is (2, 3, 1, 1) × (5, 0, 4, 0); 4u is xtime applied twice, written out per plane.
 */
@inline function invMixColumnsStore(s: usize, k: usize, addKey: bool,
  a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128): void {
  const u0 = v128.xor(a0, rot2(a0)), u1 = v128.xor(a1, rot2(a1)), u2 = v128.xor(a2, rot2(a2));
  const u3 = v128.xor(a3, rot2(a3)), u4 = v128.xor(a4, rot2(a4)), u5 = v128.xor(a5, rot2(a5));
  const u6 = v128.xor(a6, rot2(a6)), u7 = v128.xor(a7, rot2(a7));
  const u67 = v128.xor(u6, u7);
  mixColumnsStore(s, k, true, addKey,
    v128.xor(a0, u6), v128.xor(a1, u67), v128.xor(a2, v128.xor(u0, u7)), v128.xor(a3, v128.xor(u1, u6)),
    v128.xor(a4, v128.xor(u2, u67)), v128.xor(a5, v128.xor(u3, u7)), v128.xor(a6, u4), v128.xor(a7, u5));
}

/** InvShiftRows ∘ InvMixColumns of the planes at `s`, in place: a round key of the decryption schedule. */
export function invMixColumnsInPlace(s: usize): void {
  invMixColumnsStore(s, 0, false,
    plane(s, 0), plane(s, 1), plane(s, 2), plane(s, 3), plane(s, 4), plane(s, 5), plane(s, 6), plane(s, 7));
}

/** InvShiftRows of the planes at `s`, in place. */
export function invShiftRowsInPlace(s: usize): void {
  storeLayer(s, 0, true, false,
    plane(s, 0), plane(s, 1), plane(s, 2), plane(s, 3), plane(s, 4), plane(s, 5), plane(s, 6), plane(s, 7));
}

/** Applies `layer` to the S-box output planes p0..p7 (plane i = bit i) and stores the result to `s`. */
@inline export function afterSbox(s: usize, k: usize, layer: i32,
  p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, p5: v128, p6: v128, p7: v128): void {
  if (layer == LAYER_STORE) {
    storeLayer(s, k, false, false, p0, p1, p2, p3, p4, p5, p6, p7);
  } else if (layer == LAYER_ENCRYPT) {
    mixColumnsStore(s, k, false, true, shiftRows(p0), shiftRows(p1), shiftRows(p2), shiftRows(p3),
      shiftRows(p4), shiftRows(p5), shiftRows(p6), shiftRows(p7));
  } else if (layer == LAYER_ENCRYPT_FINAL) {
    storeLayer(s, k, false, true, shiftRows(p0), shiftRows(p1), shiftRows(p2), shiftRows(p3),
      shiftRows(p4), shiftRows(p5), shiftRows(p6), shiftRows(p7));
  } else if (layer == LAYER_DECRYPT) {
    invMixColumnsStore(s, k, true, p0, p1, p2, p3, p4, p5, p6, p7);
  } else {
    storeLayer(s, k, false, true, p0, p1, p2, p3, p4, p5, p6, p7);
  }
}
