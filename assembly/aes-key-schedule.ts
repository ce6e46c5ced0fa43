// AES-256 key expansion (FIPS 197 §5.2) with SubWord computed by the S-box circuit, so that no
// table is indexed by key bytes.

import { LAYER_STORE } from './aes-layers';
import { sboxCore } from './aes-sbox-circuit';
import { SAME_BYTES, transpose8, xorByteConstant } from './bitslice';

const SUBWORD_BATCH: usize = memory.data(128, 16);

/** S-box applied to each byte of `w`: the word sits in block 0 of an otherwise zero batch. */
function subWord(w: u32): u32 {
  memory.fill(SUBWORD_BATCH, 0, 128);
  store<u32>(SUBWORD_BATCH, w);
  transpose8(SUBWORD_BATCH, SAME_BYTES);
  sboxCore(SUBWORD_BATCH, 0, LAYER_STORE);
  xorByteConstant(SUBWORD_BATCH, 0x63);
  transpose8(SUBWORD_BATCH, SAME_BYTES);
  const result = load<u32>(SUBWORD_BATCH);
  memory.fill(SUBWORD_BATCH, 0, 128);
  return result;
}

/**
 * Writes the 60 schedule words (240 bytes) for the 32-byte key at `key` to `words`. Words are
 * little-endian u32 loads of the key bytes, so RotWord (byte 1 to byte 0) is a right rotation.
 */
export function aes256KeyExpansionSubWord(words: usize, key: usize): void {
  memory.copy(words, key, 32);
  let rcon: u32 = 1;
  for (let i: usize = 8; i < 60; i++) {
    let t = load<u32>(words + ((i - 1) << 2));
    if (i % 8 == 0) {
      t = subWord(rotr<u32>(t, 8)) ^ rcon;
      rcon = ((rcon << 1) ^ (((rcon >> 7) & 1) * 0x1b)) & 0xff;
    } else if (i % 8 == 4) {
      t = subWord(t);
    }
    store<u32>(words + (i << 2), load<u32>(words + ((i - 8) << 2)) ^ t);
  }
}
