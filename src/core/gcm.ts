// One-shot AES-256-GCM: `gcm(key, iv, aad?).encrypt(plaintext)` → ciphertext || tag, and the same
// computation writing into (or reading from) a caller's larger array: `sealInto` / `openInto`.

import { AuthenticationError, InvalidInputError } from './errors.js';
import { checkGcmInputs, GCM_FULL_TAG_BYTES, gcmSettings, GcmState, type GcmOptions, type GcmSettings, type PreparedGcmKey } from './gcm-state.js';
import { constantTimeEqual } from './bytes.js';
import { requireBytes } from './validate.js';

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
  return oneShot(key, iv, additionalData, gcmSettings(options));
}

/**
 * The same under a prepared key (gcm-state.ts: its set-up done once, for many messages), with a
 * 16-byte tag; the GHASH is always the constant-time one.
 */
export function preparedGcm(key: PreparedGcmKey, iv: Uint8Array, aad?: Uint8Array): GcmCipher {
  // Stryker disable next-line BooleanLiteral: a prepared key's message copies the key's slot, whose constant-time flag is set (gcm-state.ts); this value is never read for it
  return oneShot(key, iv, checkGcmInputs(key, iv, aad), { tagLength: GCM_FULL_TAG_BYTES, constantTime: true });
}

function oneShot(key: Uint8Array | PreparedGcmKey, iv: Uint8Array, additionalData: Uint8Array, settings: GcmSettings): GcmCipher {
  return {
    encrypt(plaintext: Uint8Array): Uint8Array {
      requireBytes('plaintext', plaintext);
      const output = new Uint8Array(plaintext.length + settings.tagLength);
      seal(key, iv, additionalData, settings, plaintext, output, 0);
      return output;
    },

    decrypt(ciphertextAndTag: Uint8Array): Uint8Array {
      requireBytes('ciphertext', ciphertextAndTag);
      const output = new Uint8Array(Math.max(0, ciphertextAndTag.length - settings.tagLength));
      open(key, iv, additionalData, settings, ciphertextAndTag, output, 0);
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
  const additionalData = checkGcmInputs(key, iv, aad);
  checkRoom(output, offset, requireBytes('plaintext', plaintext).length + GCM_FULL_TAG_BYTES);
  return seal(key, iv, additionalData, gcmSettings(undefined), plaintext, output, offset);
}

/**
 * Decrypts `sealed` (ciphertext, then the 16-byte tag) straight into `output` at `offset`, with the
 * default settings; throws AuthenticationError, with those bytes of `output` zeroed, if the tag
 * does not verify. The counterpart of `sealInto`.
 */
export function openInto(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array, output: Uint8Array, offset: number): void {
  const additionalData = checkGcmInputs(key, iv, aad);
  checkRoom(output, offset, Math.max(0, requireBytes('ciphertext', sealed).length - GCM_FULL_TAG_BYTES));
  open(key, iv, additionalData, gcmSettings(undefined), sealed, output, offset);
}

/** `output` must hold `bytes` bytes from `offset`: checked before any work, so a bad call writes nothing. */
function checkRoom(output: Uint8Array, offset: number, bytes: number): void {
  requireBytes('output', output);
  if (!Number.isInteger(offset) || offset < 0 || offset + bytes > output.length) {
    throw new InvalidInputError('offset', `expected room for ${bytes} bytes in an output of ${output.length} bytes, from offset ${String(offset)}`);
  }
}

/**
 * Below this many bytes of AAD and text, a one-shot message hashes without tables even when tables
 * are allowed: the per-key table setup costs more than the table-free GHASH of so few blocks, so
 * the constant-time path is also the cheaper one. Counted with callgrind on the WASM calls of one
 * message (`node bench/probes/core-instructions.mjs --only gcm,gcm-ct 64 128 256`): 64 B 50.6 k
 * instructions with tables, 43.2 k without; 128 B 58.5 k and 53.5 k; 256 B 65.7 k and 65.4 k.
 */
export const SHORT_MESSAGE_BYTES = 256;

/** The GHASH a one-shot message of `bytes` bytes (AAD and text) uses. */
function constantTimeFor(constantTime: boolean, bytes: number): boolean {
  return constantTime || bytes < SHORT_MESSAGE_BYTES;
}

/** The encryption under both entry points (inputs already checked); returns the offset after the tag. */
function seal(key: Uint8Array | PreparedGcmKey, iv: Uint8Array, aad: Uint8Array, { tagLength, constantTime }: GcmSettings,
  plaintext: Uint8Array, output: Uint8Array, offset: number): number {
  const state = GcmState.forMessage(key, iv, aad, constantTimeFor(constantTime, aad.length + plaintext.length));
  try {
    state.encrypt(plaintext, output, offset);
    output.set(state.finish().subarray(0, tagLength), offset + plaintext.length);
  } finally {
    state.release();
  }
  return offset + plaintext.length + tagLength;
}

/** The decryption under both entry points (inputs already checked): nothing unverified is left in `output`. */
function open(key: Uint8Array | PreparedGcmKey, iv: Uint8Array, aad: Uint8Array, { tagLength, constantTime }: GcmSettings,
  sealed: Uint8Array, output: Uint8Array, offset: number): void {
  if (sealed.length < tagLength) {
    throw new InvalidInputError('ciphertext', `expected at least the ${tagLength}-byte tag, got ${sealed.length} bytes`);
  }
  const textLength = sealed.length - tagLength;
  const state = GcmState.forMessage(key, iv, aad, constantTimeFor(constantTime, aad.length + textLength));
  let expectedTag: Uint8Array;
  try {
    state.decrypt(sealed.subarray(0, textLength), output, offset);
    expectedTag = state.finish().subarray(0, tagLength);
  } finally {
    state.release();
  }
  if (!constantTimeEqual(expectedTag, sealed.subarray(textLength))) {
    output.fill(0, offset, offset + textLength);
    throw new AuthenticationError();
  }
}
