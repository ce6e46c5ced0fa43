// One-shot AES-256-GCM: `gcm(key, iv, aad?).encrypt(plaintext)` → ciphertext || tag.

import { AuthenticationError, InvalidInputError } from './errors.js';
import { checkGcmInputs, gcmSettings, GcmState, type GcmOptions } from './gcm-state.js';
import { constantTimeEqual, requireBytes } from './validate.js';

export interface GcmCipher {
  /** Returns ciphertext || tag (tagLength bytes, 16 by default). */
  encrypt(plaintext: Uint8Array): Uint8Array;
  /** Takes ciphertext || tag; returns the plaintext, or throws AuthenticationError and returns nothing. */
  decrypt(ciphertextAndTag: Uint8Array): Uint8Array;
}

/**
 * AES-256-GCM with a 32-byte key and an IV of any non-zero length (12 bytes is the fast path and
 * the one to use: never repeat an IV under one key). The key and IV are read at each call, and the
 * key schedule is zeroed when the call returns.
 */
export function gcm(key: Uint8Array, iv: Uint8Array, aad?: Uint8Array, options?: GcmOptions): GcmCipher {
  const additionalData = checkGcmInputs(key, iv, aad);
  const { tagLength, constantTime } = gcmSettings(options);
  return {
    encrypt(plaintext: Uint8Array): Uint8Array {
      requireBytes('plaintext', plaintext);
      const output = new Uint8Array(plaintext.length + tagLength);
      const state = GcmState.forMessage(key, iv, additionalData, constantTime);
      try {
        state.encrypt(plaintext, output, 0);
        output.set(state.finish().subarray(0, tagLength), plaintext.length);
      } finally {
        state.release();
      }
      return output;
    },

    decrypt(ciphertextAndTag: Uint8Array): Uint8Array {
      requireBytes('ciphertext', ciphertextAndTag);
      if (ciphertextAndTag.length < tagLength) {
        throw new InvalidInputError('ciphertext', `expected at least the ${tagLength}-byte tag, got ${ciphertextAndTag.length} bytes`);
      }
      const textLength = ciphertextAndTag.length - tagLength;
      const output = new Uint8Array(textLength);
      const state = GcmState.forMessage(key, iv, additionalData, constantTime);
      let expectedTag: Uint8Array;
      try {
        state.decrypt(ciphertextAndTag.subarray(0, textLength), output, 0);
        expectedTag = state.finish().subarray(0, tagLength);
      } finally {
        state.release();
      }
      if (!constantTimeEqual(expectedTag, ciphertextAndTag.subarray(textLength))) {
        output.fill(0);
        throw new AuthenticationError();
      }
      return output;
    },
  };
}

/**
 * Encrypts `plaintext` under `key`/`iv`/`aad` straight into `output` at `offset` (ciphertext, then
 * the 16-byte tag), with the default settings; returns the offset after the tag. For callers that
 * assemble many sealed pieces into one buffer (the envelope's frames) without a copy per piece.
 */
export function sealInto(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, output: Uint8Array, offset: number): number {
  const state = GcmState.forMessage(key, iv, checkGcmInputs(key, iv, aad), gcmSettings(undefined).constantTime);
  try {
    state.encrypt(plaintext, output, offset);
    output.set(state.finish(), offset + plaintext.length);
  } finally {
    state.release();
  }
  return offset + plaintext.length + 16;
}

/**
 * Decrypts `sealed` (ciphertext, then the 16-byte tag) straight into `output` at `offset`, with the
 * default settings; throws AuthenticationError, with those bytes of `output` zeroed, if the tag
 * does not verify. The counterpart of `sealInto`.
 */
export function openInto(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array, output: Uint8Array, offset: number): void {
  if (sealed.length < 16) throw new InvalidInputError('ciphertext', `expected at least the 16-byte tag, got ${sealed.length} bytes`);
  const textLength = sealed.length - 16;
  const state = GcmState.forMessage(key, iv, checkGcmInputs(key, iv, aad), gcmSettings(undefined).constantTime);
  let tag: Uint8Array;
  try {
    state.decrypt(sealed.subarray(0, textLength), output, offset);
    tag = state.finish();
  } finally {
    state.release();
  }
  if (!constantTimeEqual(tag, sealed.subarray(textLength))) {
    output.fill(0, offset, offset + textLength);
    throw new AuthenticationError();
  }
}
