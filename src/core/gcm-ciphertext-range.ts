// Decrypting a piece of an AES-256-GCM message's ciphertext that starts at a block boundary, without
// the rest of the message: GCM's encryption is CTR, the text's block i under counter inc32^(i+1)(J0)
// (NIST SP 800-38D §7.2, steps 2–3), so a piece at byte `offset` needs only the counter of block
// offset / 16. This authenticates NOTHING: a caller may use it only for bytes it has proven to be
// those of a message whose tag it verified (src/s3/cse-gcm-ranges.ts: the whole object's tag checked
// in one streaming pass, and each piece's ciphertext checked against that pass's digests).

import { InvalidInputError } from './errors.js';
import { checkGcmInputs, GcmState } from './gcm-state.js';
import { requireBytes } from './validate.js';

const BLOCK_BYTES = 16;

/** J0 with its 32-bit counter advanced by `blocks` (inc32 applied `blocks` times, §6.2). */
export function counterAfter(j0: Uint8Array, blocks: number): Uint8Array {
  const block = j0.slice();
  const view = new DataView(block.buffer);
  view.setUint32(12, (view.getUint32(12) + blocks) % 2 ** 32);
  return block;
}

/**
 * The plaintext of `ciphertext`, the bytes at `offset` (a multiple of 16) of a GCM message's
 * ciphertext under `key` and `iv`. Unauthenticated: see the note at the top.
 */
export function decryptCiphertextRange(key: Uint8Array, iv: Uint8Array, offset: number, ciphertext: Uint8Array): Uint8Array {
  checkGcmInputs(key, iv, undefined);
  requireBytes('ciphertext', ciphertext);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset % BLOCK_BYTES !== 0) {
    throw new InvalidInputError('offset', `expected a whole number of 16-byte blocks, got ${offset}`);
  }
  const message = GcmState.forMessage(key, iv, new Uint8Array(0), false);
  const j0 = message.preCounterBlock();
  message.release();
  const piece = GcmState.forPart(key, counterAfter(j0, offset / BLOCK_BYTES + 1), false);
  try {
    const plaintext = new Uint8Array(ciphertext.length);
    piece.decrypt(ciphertext, plaintext, 0);
    return plaintext;
  } finally {
    piece.release();
  }
}
