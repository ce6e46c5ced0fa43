// AES-256 (FIPS 197), bitsliced: 8 blocks per call, constant-time (no secret-dependent memory
// access or branches). Round keys are kept pre-bitsliced: 15 round keys × 8 planes × 16 bytes.
//
// Inside a batch the state bytes are row-major (position 4r + c, not FIPS's 4c + r): MixColumns'
// "row r takes row r+1" is then a rotation of whole 32-bit lanes (one pshufd on x86) instead of a
// byte shuffle inside each lane; only ShiftRows remains a byte shuffle.

import { aes256KeyExpansionSubWord } from './aes-key-schedule';
import { sboxCore } from './aes-sbox-circuit';
import { plane, setPlane, transpose8, xorByteConstant, xorPlanes } from './bitslice';

export const AES256_ROUNDS: i32 = 14;
/** Bytes of one bitsliced AES-256 key schedule. */
export const AES256_SCHEDULE_BYTES: usize = 15 * 128;
/** Blocks processed by one call of aesEncrypt8 / aesDecrypt8. */
export const BATCH_BLOCKS: usize = 8;
export const BATCH_BYTES: usize = 128;

const SCALAR_SCHEDULE: usize = memory.data(240, 16);
const SINGLE: usize = memory.data(128, 16);

/** Expands the 32-byte key at `key` (§5.2) and bitslices every round key into `rk`. */
export function aes256ExpandKey(rk: usize, key: usize): void {
  aes256KeyExpansionSubWord(SCALAR_SCHEDULE, key);
  for (let round: usize = 0; round <= <usize>AES256_ROUNDS; round++) {
    const planes = rk + (round << 7);
    // The same round key in all 8 block positions, then transposed: each plane byte is 0x00 or 0xff.
    const roundKey = toRowMajor(v128.load(SCALAR_SCHEDULE + (round << 4)));
    for (let k: usize = 0; k < 8; k++) v128.store(planes + (k << 4), roundKey);
    transpose8(planes);
    // The S-box constant 0x63 passes unchanged through ShiftRows, MixColumns and InvMixColumns
    // (each matrix row sums to 1), so it is added here once instead of after every S-box.
    if (round > 0) xorByteConstant(planes, 0x63);
  }
  memory.fill(SCALAR_SCHEDULE, 0, 240);
}

/** Column-major (FIPS byte order) ↔ row-major: a 4×4 byte transpose, its own inverse. */
@inline function toRowMajor(x: v128): v128 {
  return i8x16.shuffle(x, x, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
}

@inline function blocksToRowMajor(s: usize): void {
  for (let i: usize = 0; i < 8; i++) setPlane(s, i, toRowMajor(plane(s, i)));
}

/** ShiftRows (§5.1.2) of one row-major plane: row r rotates left by r bytes. */
@inline function shiftRows(x: v128): v128 {
  return i8x16.shuffle(x, x, 0, 1, 2, 3, 5, 6, 7, 4, 10, 11, 8, 9, 15, 12, 13, 14);
}

@inline function invShiftRows(x: v128): v128 {
  return i8x16.shuffle(x, x, 0, 1, 2, 3, 7, 4, 5, 6, 10, 11, 8, 9, 13, 14, 15, 12);
}

/** Row r of each column takes row r+1: a rotation of the four 32-bit rows. */
@inline function rot1(x: v128): v128 {
  return i8x16.shuffle(x, x, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3);
}

@inline function rot2(x: v128): v128 {
  return i8x16.shuffle(x, x, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
}

/** Stores one output plane of a linear layer: optionally InvShiftRows'd, optionally keyed. */
@inline function storeOutput(s: usize, i: usize, value: v128, k: usize, addKey: bool, thenInvShiftRows: bool): void {
  const shifted = thenInvShiftRows ? invShiftRows(value) : value;
  setPlane(s, i, addKey ? v128.xor(shifted, plane(k, i)) : shifted);
}

/**
 * MixColumns (§5.1.3) of planes a0..a7, stored to `s` (then InvShiftRows'd and/or keyed with `k`):
 * b_r = 2a_r ⊕ 3a_{r+1} ⊕ a_{r+2} ⊕ a_{r+3} = 2t_r ⊕ a_{r+1} ⊕ t_{r+2} with t_r = a_r ⊕ a_{r+1};
 * the doubling is xtime across planes (0x1b feeds planes 0, 1, 3, 4).
 */
@inline function mixColumnsStore(s: usize, k: usize, addKey: bool, thenInvShiftRows: bool,
  a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128): void {
  const r0 = rot1(a0), r1 = rot1(a1), r2 = rot1(a2), r3 = rot1(a3);
  const r4 = rot1(a4), r5 = rot1(a5), r6 = rot1(a6), r7 = rot1(a7);
  const t0 = v128.xor(a0, r0), t1 = v128.xor(a1, r1), t2 = v128.xor(a2, r2), t3 = v128.xor(a3, r3);
  const t4 = v128.xor(a4, r4), t5 = v128.xor(a5, r5), t6 = v128.xor(a6, r6), t7 = v128.xor(a7, r7);
  storeOutput(s, 0, v128.xor(t7, v128.xor(r0, rot2(t0))), k, addKey, thenInvShiftRows);
  storeOutput(s, 1, v128.xor(v128.xor(t0, t7), v128.xor(r1, rot2(t1))), k, addKey, thenInvShiftRows);
  storeOutput(s, 2, v128.xor(t1, v128.xor(r2, rot2(t2))), k, addKey, thenInvShiftRows);
  storeOutput(s, 3, v128.xor(v128.xor(t2, t7), v128.xor(r3, rot2(t3))), k, addKey, thenInvShiftRows);
  storeOutput(s, 4, v128.xor(v128.xor(t3, t7), v128.xor(r4, rot2(t4))), k, addKey, thenInvShiftRows);
  storeOutput(s, 5, v128.xor(t4, v128.xor(r5, rot2(t5))), k, addKey, thenInvShiftRows);
  storeOutput(s, 6, v128.xor(t5, v128.xor(r6, rot2(t6))), k, addKey, thenInvShiftRows);
  storeOutput(s, 7, v128.xor(t6, v128.xor(r7, rot2(t7))), k, addKey, thenInvShiftRows);
}

/** The linear layer of an encryption round in one pass: ShiftRows, MixColumns, AddRoundKey. */
@inline function encryptionLinearLayer(s: usize, k: usize): void {
  mixColumnsStore(s, k, true, false,
    shiftRows(plane(s, 0)), shiftRows(plane(s, 1)), shiftRows(plane(s, 2)), shiftRows(plane(s, 3)),
    shiftRows(plane(s, 4)), shiftRows(plane(s, 5)), shiftRows(plane(s, 6)), shiftRows(plane(s, 7)));
}

/** The last round has no MixColumns: ShiftRows and AddRoundKey. */
@inline function finalLinearLayer(s: usize, k: usize): void {
  for (let i: usize = 0; i < 8; i++) setPlane(s, i, v128.xor(shiftRows(plane(s, i)), plane(k, i)));
}

/**
 * L⁻¹, the linear part of the inverse affine map (§5.3.2): b_i = x_{i+2} ⊕ x_{i+5} ⊕ x_{i+7};
 * then the round key at `k` if `addKey`.
 */
@inline function inverseAffine(s: usize, k: usize, addKey: bool): void {
  const x0 = plane(s, 0), x1 = plane(s, 1), x2 = plane(s, 2), x3 = plane(s, 3);
  const x4 = plane(s, 4), x5 = plane(s, 5), x6 = plane(s, 6), x7 = plane(s, 7);
  storeOutput(s, 0, v128.xor(x2, v128.xor(x5, x7)), k, addKey, false);
  storeOutput(s, 1, v128.xor(x3, v128.xor(x6, x0)), k, addKey, false);
  storeOutput(s, 2, v128.xor(x4, v128.xor(x7, x1)), k, addKey, false);
  storeOutput(s, 3, v128.xor(x5, v128.xor(x0, x2)), k, addKey, false);
  storeOutput(s, 4, v128.xor(x6, v128.xor(x1, x3)), k, addKey, false);
  storeOutput(s, 5, v128.xor(x7, v128.xor(x2, x4)), k, addKey, false);
  storeOutput(s, 6, v128.xor(x0, v128.xor(x3, x5)), k, addKey, false);
  storeOutput(s, 7, v128.xor(x1, v128.xor(x4, x6)), k, addKey, false);
}

/**
 * InvMixColumns, then InvShiftRows. InvMixColumns = MixColumns ∘ P with
 * P(a)_r = a_r ⊕ 4(a_r ⊕ a_{r+2}): the circulant (14, 11, 13, 9) is (2, 3, 1, 1) × (5, 0, 4, 0);
 * 4u is xtime applied twice, written out per plane.
 */
@inline function invMixColumnsInvShiftRows(s: usize): void {
  const a0 = plane(s, 0), a1 = plane(s, 1), a2 = plane(s, 2), a3 = plane(s, 3);
  const a4 = plane(s, 4), a5 = plane(s, 5), a6 = plane(s, 6), a7 = plane(s, 7);
  const u0 = v128.xor(a0, rot2(a0)), u1 = v128.xor(a1, rot2(a1)), u2 = v128.xor(a2, rot2(a2));
  const u3 = v128.xor(a3, rot2(a3)), u4 = v128.xor(a4, rot2(a4)), u5 = v128.xor(a5, rot2(a5));
  const u6 = v128.xor(a6, rot2(a6)), u7 = v128.xor(a7, rot2(a7));
  const u67 = v128.xor(u6, u7);
  mixColumnsStore(s, 0, false, true,
    v128.xor(a0, u6), v128.xor(a1, u67), v128.xor(a2, v128.xor(u0, u7)), v128.xor(a3, v128.xor(u1, u6)),
    v128.xor(a4, v128.xor(u2, u67)), v128.xor(a5, v128.xor(u3, u7)), v128.xor(a6, u4), v128.xor(a7, u5));
}

/**
 * Encrypts the 8 blocks at `s` (128 bytes) in place under the bitsliced schedule `rk`.
 * SubBytes is the circuit alone: its constant is in round keys 1..14.
 */
export function aesEncrypt8(rk: usize, s: usize): void {
  blocksToRowMajor(s);
  transpose8(s);
  xorPlanes(s, rk);
  for (let round: usize = 1; round < <usize>AES256_ROUNDS; round++) {
    sboxCore(s);
    encryptionLinearLayer(s, rk + (round << 7));
  }
  sboxCore(s);
  finalLinearLayer(s, rk + (<usize>AES256_ROUNDS << 7));
  transpose8(s);
  blocksToRowMajor(s);
}

/**
 * Decrypts the 8 blocks at `s` in place (the inverse cipher, §5.3). InvSubBytes is the forward
 * circuit between two L⁻¹ maps, S⁻¹(x) = L⁻¹(core(L⁻¹(x ⊕ 0x63))), with 0x63 already in the round
 * keys (it passes through InvMixColumns and InvShiftRows unchanged). Each round below is
 * core, L⁻¹ + AddRoundKey, InvMixColumns + InvShiftRows, then the next S-box's leading L⁻¹.
 */
export function aesDecrypt8(rk: usize, s: usize): void {
  blocksToRowMajor(s);
  transpose8(s);
  xorPlanes(s, rk + (<usize>AES256_ROUNDS << 7));
  for (let i: usize = 0; i < 8; i++) setPlane(s, i, invShiftRows(plane(s, i)));
  inverseAffine(s, 0, false);
  for (let round = AES256_ROUNDS - 1; round > 0; round--) {
    sboxCore(s);
    inverseAffine(s, rk + (<usize>round << 7), true);
    invMixColumnsInvShiftRows(s);
    inverseAffine(s, 0, false);
  }
  sboxCore(s);
  inverseAffine(s, rk, true);
  transpose8(s);
  blocksToRowMajor(s);
}

/** Encrypts (or decrypts) one block from `src` to `dst` (which may be equal) through a batch. */
export function aesOneBlock(rk: usize, src: usize, dst: usize, encrypting: bool): void {
  memory.fill(SINGLE, 0, BATCH_BYTES);
  memory.copy(SINGLE, src, 16);
  if (encrypting) aesEncrypt8(rk, SINGLE);
  else aesDecrypt8(rk, SINGLE);
  memory.copy(dst, SINGLE, 16);
  memory.fill(SINGLE, 0, BATCH_BYTES);
}
