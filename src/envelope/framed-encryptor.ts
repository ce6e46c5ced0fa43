// Encrypts a message into the framed format, fed in chunks of any size: update() returns the
// header (first time) and every frame that is full; final() returns the rest and the final frame.
// Memory held: at most one frame of plaintext (framing-encryptor.ts); each call's output is one
// array, frames sealed into it.

import { gcm, sealInto } from '../core/gcm.js';
import { InvalidInputError } from '../core/errors.js';
import { requireIntegerInRange } from '../core/validate.js';
import { concatBytes } from '../core/bytes.js';
import { FramingEncryptor } from './framing-encryptor.js';
import { deriveMessageKey, requireMaterials, type EncryptionMaterials } from './materials.js';
import {
  ALGORITHM_AES256_GCM_HKDF_SHA256, DEFAULT_FRAME_BYTES, encodeHeaderBody, FINAL_FRAME_MARKER, FINAL_FRAME_PREFIX, frameAad,
  frameNonce, HEADER_NONCE, headerHash, MAX_FRAME_BYTES, MESSAGE_ID_BYTES, REGULAR_FRAME_PREFIX, TAG_BYTES, writeFramePrefix,
} from './message-format.js';

export interface FramingOptions {
  /** Plaintext bytes per frame (default 64 KiB, at most 16 MiB). */
  frameBytes?: number;
}

export class FramedEncryptor extends FramingEncryptor {
  protected readonly messageKey: Uint8Array;
  private readonly hash: Uint8Array;
  private header: Uint8Array | undefined;
  private frameNumber = 1;

  constructor(materials: EncryptionMaterials, options: FramingOptions = {}) {
    requireMaterials(materials);
    super(requireIntegerInRange('frameBytes', options.frameBytes ?? DEFAULT_FRAME_BYTES, 1, MAX_FRAME_BYTES));
    const messageId = crypto.getRandomValues(new Uint8Array(MESSAGE_ID_BYTES));
    this.messageKey = deriveMessageKey(materials.dataKey, messageId);
    const body = encodeHeaderBody({
      algorithm: ALGORITHM_AES256_GCM_HKDF_SHA256, messageId, frameBytes: this.frameLength,
      encryptionContext: { ...(materials.encryptionContext ?? {}) }, wrappedKeys: materials.wrappedKeys,
    });
    this.hash = headerHash(body);
    this.header = concatBytes([body, gcm(this.messageKey, HEADER_NONCE, body).encrypt(new Uint8Array(0))]);
  }

  protected wipeSecrets(): void {
    this.messageKey.fill(0);
  }

  protected seal(chunk: Uint8Array, finishing: boolean): Uint8Array {
    const frames = this.fullFrames(chunk.length);
    // Frame numbers stay below FFFFFFFF (the final-frame marker), the final frame's too.
    const lastNumber = this.frameNumber + frames - (finishing ? 0 : 1);
    if (lastNumber >= FINAL_FRAME_MARKER) {
      throw new InvalidInputError('plaintext', 'too many frames for one message; use a larger frameBytes');
    }
    const header = this.header ?? new Uint8Array(0);
    const out = new Uint8Array(header.length + frames * (REGULAR_FRAME_PREFIX + this.frameLength + TAG_BYTES)
      + (finishing ? FINAL_FRAME_PREFIX + this.finalFrameLength(chunk.length) + TAG_BYTES : 0));
    out.set(header);
    this.header = undefined;
    let at = header.length;
    this.cutFrames(chunk, finishing, (content, final) => {
      at = this.sealFrame(content, final, out, at);
    });
    return out;
  }

  /** Writes frame `frameNumber` (its prefix, ciphertext and tag) into `out` at `at`; returns where it ends. */
  private sealFrame(content: Uint8Array, final: boolean, out: Uint8Array, at: number): number {
    const n = this.frameNumber++;
    const start = writeFramePrefix(out, at, n, final, content.length);
    return this.sealContent(frameNonce(n), frameAad(this.hash, n, final, content.length), content, out, start);
  }

  /** Seals one frame's content into `out` at `start`; returns where its tag ends. The pooled encryptor defers this. */
  protected sealContent(iv: Uint8Array, aad: Uint8Array, content: Uint8Array, out: Uint8Array, start: number): number {
    return sealInto(this.messageKey, iv, aad, content, out, start);
  }
}
