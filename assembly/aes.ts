// AES-256 (FIPS 197), bitsliced: 8 blocks per call, constant-time (no secret-dependent memory
// access or branches). Round keys are kept pre-bitsliced: 15 round keys × 8 planes × 16 bytes.
//
// Inside a batch the state bytes are row-major (position 4r + c, not FIPS's 4c + r): MixColumns'
// "row r takes row r+1" is then a rotation of whole 32-bit lanes (one pshufd on x86) instead of a
// byte shuffle inside each lane; only ShiftRows remains a byte shuffle.

import { aes256KeyExpansionSubWord } from './aes-key-schedule';
import { inverseAffineInPlace, invShiftRows, LAYER_DECRYPT, LAYER_DECRYPT_FINAL, LAYER_ENCRYPT, LAYER_ENCRYPT_FINAL } from './aes-layers';
import { sboxCore } from './aes-sbox-circuit';
import { plane, SAME_BYTES, setPlane, transpose8, xorByteConstant, xorPlanes } from './bitslice';

export const AES256_ROUNDS: i32 = 14;
/** Bytes of one bitsliced AES-256 key schedule. */
export const AES256_SCHEDULE_BYTES: usize = 15 * 128;
/** Bytes processed by one call of aesEncrypt8 / aesDecrypt8: 8 blocks. */
export const BATCH_BYTES: usize = 128;

const SCALAR_SCHEDULE: usize = memory.data(240, 16);
const SINGLE: usize = memory.data(128, 16);

/** Expands the 32-byte key at `key` (§5.2) and bitslices every round key into `rk`. */
export function aes256ExpandKey(rk: usize, key: usize): void {
  aes256KeyExpansionSubWord(SCALAR_SCHEDULE, key);
  for (let round: usize = 0; round <= <usize>AES256_ROUNDS; round++) {
    const planes = rk + (round << 7);
    // The same round key in all 8 block positions, then transposed: each plane byte is 0x00 or 0xff.
    const roundKey = i8x16.swizzle(v128.load(SCALAR_SCHEDULE + (round << 4)), ROW_MAJOR);
    for (let k: usize = 0; k < 8; k++) v128.store(planes + (k << 4), roundKey);
    transpose8(planes, SAME_BYTES);
    // The S-box constant 0x63 passes unchanged through ShiftRows, MixColumns and InvMixColumns
    // (each matrix row sums to 1), so it is added here once instead of after every S-box.
    if (round > 0) xorByteConstant(planes, 0x63);
  }
  memory.fill(SCALAR_SCHEDULE, 0, 240);
}

/** Column-major (FIPS byte order) ↔ row-major: a 4×4 byte transpose, its own inverse (a swizzle mask). */
const ROW_MAJOR = i8x16(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);

/**
 * Encrypts the 8 blocks at `s` (128 bytes) in place under the bitsliced schedule `rk`.
 * SubBytes is the circuit alone: its constant is in round keys 1..14.
 */
export function aesEncrypt8(rk: usize, s: usize): void {
  transpose8(s, ROW_MAJOR);
  xorPlanes(s, rk);
  for (let round: usize = 1; round < <usize>AES256_ROUNDS; round++) sboxCore(s, rk + (round << 7), LAYER_ENCRYPT);
  sboxCore(s, rk + (<usize>AES256_ROUNDS << 7), LAYER_ENCRYPT_FINAL);
  transpose8(s, ROW_MAJOR);
}

/**
 * Decrypts the 8 blocks at `s` in place (the inverse cipher, §5.3). InvSubBytes is the forward
 * circuit between two L⁻¹ maps, S⁻¹(x) = L⁻¹(core(L⁻¹(x ⊕ 0x63))), with 0x63 already in the round
 * keys (it passes through InvMixColumns and InvShiftRows unchanged). Each round below is
 * core, L⁻¹ + AddRoundKey, then InvMixColumns + InvShiftRows + the next S-box's leading L⁻¹.
 */
export function aesDecrypt8(rk: usize, s: usize): void {
  transpose8(s, ROW_MAJOR);
  xorPlanes(s, rk + (<usize>AES256_ROUNDS << 7));
  for (let i: usize = 0; i < 8; i++) setPlane(s, i, invShiftRows(plane(s, i)));
  inverseAffineInPlace(s);
  for (let round = AES256_ROUNDS - 1; round > 0; round--) sboxCore(s, rk + (<usize>round << 7), LAYER_DECRYPT);
  sboxCore(s, rk, LAYER_DECRYPT_FINAL);
  transpose8(s, ROW_MAJOR);
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
