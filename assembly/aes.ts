// AES-256 (FIPS 197), bitsliced: 8 blocks per call, constant-time (no secret-dependent memory
// access or branches). Round keys are kept pre-bitsliced: 15 round keys × 8 planes × 16 bytes.
//
// Inside a batch the state bytes are row-major (position 4r + c, not FIPS's 4c + r): MixColumns'
// "row r takes row r+1" is then a rotation of whole 32-bit lanes (one pshufd on x86) instead of a
// byte shuffle inside each lane; only ShiftRows remains a byte shuffle.

import { aes256KeyExpansionSubWord } from './aes-key-schedule';
import { invMixColumnsInPlace, invShiftRowsInPlace, LAYER_DECRYPT, LAYER_DECRYPT_FINAL, LAYER_ENCRYPT, LAYER_ENCRYPT_FINAL } from './aes-layers';
import { inverseSboxCore, sboxCore } from './aes-sbox-circuit';
import { SAME_BYTES, transpose8, xorByteConstant, xorPlanes } from './bitslice';

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

/**
 * The decryption schedule for `rk`, into `dk` (the equivalent inverse cipher of §5.3.5, with
 * InvShiftRows moved into the keys as well): round keys 13..1 become InvShiftRows(InvMixColumns(k)),
 * so each decryption round adds its key after its linear layer, like an encryption round, loading
 * each key plane just before its store; round key 14 becomes InvShiftRows(k), added after the
 * first InvShiftRows (which the input transposition does). Round key 0 stays as it is.
 */
export function aes256DecryptionSchedule(dk: usize, rk: usize): void {
  memory.copy(dk, rk, AES256_SCHEDULE_BYTES);
  for (let round: usize = <usize>AES256_ROUNDS - 1; round > 0; round--) invMixColumnsInPlace(dk + (round << 7));
  invShiftRowsInPlace(dk + (<usize>AES256_ROUNDS << 7));
}

/** Column-major (FIPS byte order) ↔ row-major: a 4×4 byte transpose, its own inverse (a swizzle mask). */
const ROW_MAJOR = i8x16(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
/** Column-major to row-major, then InvShiftRows (row r rotates right by r bytes), as one swizzle mask. */
const ROW_MAJOR_INV_SHIFTED = i8x16(0, 4, 8, 12, 13, 1, 5, 9, 10, 14, 2, 6, 7, 11, 15, 3);

/**
 * Encrypts the 8 blocks at `s` (128 bytes) in place under the bitsliced schedule `rk`.
 * SubBytes is the circuit alone: its constant is in round keys 1..14.
 */
export function aesEncrypt8(rk: usize, s: usize): void {
  aesEncryptBegin(rk, s);
  for (let round: usize = 1; round < <usize>AES256_ROUNDS; round++) aesEncryptRound(rk, s, round);
  aesEncryptEnd(rk, s);
}

/**
 * Encrypts two batches of 8 blocks at `s` (256 bytes) in place, their rounds alternating: the
 * S-box's inversion in GF(2^4) is a narrow chain of dependent operations, during which the vector
 * ports would idle; the other batch's wide linear layers fill them.
 */
export function aesEncrypt16(rk: usize, s: usize): void {
  aesEncryptBegin(rk, s);
  aesEncryptBegin(rk, s + BATCH_BYTES);
  for (let round: usize = 1; round < <usize>AES256_ROUNDS; round++) {
    aesEncryptRound(rk, s, round);
    aesEncryptRound(rk, s + BATCH_BYTES, round);
  }
  aesEncryptEnd(rk, s);
  aesEncryptEnd(rk, s + BATCH_BYTES);
}

// aesEncrypt8 in three steps, for callers that put other work between the rounds (GCM hashes
// between them, so the scalar and load ports serve GHASH while the vector ports run the S-box).

/** Bitslices the 8 blocks at `s` and adds round key 0. */
@inline export function aesEncryptBegin(rk: usize, s: usize): void {
  transpose8(s, ROW_MAJOR);
  xorPlanes(s, rk);
}

/** Round `round` (1..13) of the bitsliced state at `s`. */
@inline export function aesEncryptRound(rk: usize, s: usize, round: usize): void {
  sboxCore(s, rk + (round << 7), LAYER_ENCRYPT);
}

/** The last round, and the state back to 8 blocks. */
@inline export function aesEncryptEnd(rk: usize, s: usize): void {
  sboxCore(s, rk + (<usize>AES256_ROUNDS << 7), LAYER_ENCRYPT_FINAL);
  transpose8(s, ROW_MAJOR);
}

/**
 * Decrypts the 8 blocks at `s` in place (the inverse cipher, §5.3) under the decryption schedule
 * `dk` (aes256DecryptionSchedule). InvSubBytes is the inverse circuit alone: its constant 0x63 is
 * in the round keys (it passes through InvMixColumns and InvShiftRows unchanged). Each round below
 * is InvSubBytes, then InvMixColumns, InvShiftRows (the next round's, moved up: it commutes with
 * InvSubBytes) and AddRoundKey.
 */
export function aesDecrypt8(dk: usize, s: usize): void {
  aesDecryptBegin(dk, s);
  for (let round = AES256_ROUNDS - 1; round > 0; round--) aesDecryptRound(dk, s, <usize>round);
  aesDecryptEnd(dk, s);
}

/** Decrypts two batches of 8 blocks at `s` (256 bytes) in place, their rounds alternating (see aesEncrypt16). */
export function aesDecrypt16(dk: usize, s: usize): void {
  aesDecryptBegin(dk, s);
  aesDecryptBegin(dk, s + BATCH_BYTES);
  for (let round = AES256_ROUNDS - 1; round > 0; round--) {
    aesDecryptRound(dk, s, <usize>round);
    aesDecryptRound(dk, s + BATCH_BYTES, <usize>round);
  }
  aesDecryptEnd(dk, s);
  aesDecryptEnd(dk, s + BATCH_BYTES);
}

@inline function aesDecryptBegin(dk: usize, s: usize): void {
  transpose8(s, ROW_MAJOR_INV_SHIFTED);
  xorPlanes(s, dk + (<usize>AES256_ROUNDS << 7));
}

@inline function aesDecryptRound(dk: usize, s: usize, round: usize): void {
  inverseSboxCore(s, dk + (round << 7), LAYER_DECRYPT);
}

@inline function aesDecryptEnd(dk: usize, s: usize): void {
  inverseSboxCore(s, dk, LAYER_DECRYPT_FINAL);
  transpose8(s, ROW_MAJOR);
}

/**
 * Encrypts (or decrypts) one block from `src` to `dst` (which may be equal) through a batch, under
 * the encryption (or decryption) schedule at `schedule`.
 */
export function aesOneBlock(schedule: usize, src: usize, dst: usize, encrypting: bool): void {
  memory.fill(SINGLE, 0, BATCH_BYTES);
  memory.copy(SINGLE, src, 16);
  if (encrypting) aesEncrypt8(schedule, SINGLE);
  else aesDecrypt8(schedule, SINGLE);
  memory.copy(dst, SINGLE, 16);
  memory.fill(SINGLE, 0, BATCH_BYTES);
}
