// Encrypts a message into the framed format, fed in chunks of any size: update() returns the
// header (first time) and every frame that is full; final() returns the rest and the final frame.
// Memory held: at most one frame of plaintext; each call's output is one array, frames sealed into it.

import { gcm, sealInto } from '../core/gcm.js';
import { InvalidInputError } from '../core/errors.js';
import { requireBytes } from '../core/validate.js';
import { concatBytes } from './byte-concat.js';
import { deriveMessageKey, type EncryptionMaterials } from './materials.js';
import {
  ALGORITHM_AES256_GCM_HKDF_SHA256, DEFAULT_FRAME_BYTES, encodeHeaderBody, FINAL_FRAME_MARKER, FINAL_FRAME_PREFIX, frameAad,
  frameNonce, HEADER_NONCE, headerHash, MAX_FRAME_BYTES, MESSAGE_ID_BYTES, REGULAR_FRAME_PREFIX, TAG_BYTES, writeFramePrefix,
} from './message-format.js';

export interface FramingOptions {
  /** Plaintext bytes per frame (default 64 KiB, at most 16 MiB). */
  frameBytes?: number;
}

export class FramedEncryptor {
  private readonly messageKey: Uint8Array;
  private readonly hash: Uint8Array;
  private readonly frameBytes: number;
  private header: Uint8Array | undefined;
  private pending: Uint8Array;
  private pendingBytes = 0;
  private frameNumber = 1;
  private finished = false;

  constructor(materials: EncryptionMaterials, options: FramingOptions = {}) {
    requireBytes('dataKey', materials?.dataKey, 32);
    if (!Array.isArray(materials.wrappedKeys) || materials.wrappedKeys.length === 0) {
      throw new InvalidInputError('wrappedKeys', 'at least one wrapped copy of the data key is needed, or nobody could decrypt');
    }
    const frameBytes = options.frameBytes ?? DEFAULT_FRAME_BYTES;
    if (!Number.isInteger(frameBytes) || frameBytes < 1 || frameBytes > MAX_FRAME_BYTES) {
      throw new InvalidInputError('frameBytes', `expected an integer from 1 to ${MAX_FRAME_BYTES}, got ${String(frameBytes)}`);
    }
    this.frameBytes = frameBytes;
    this.pending = new Uint8Array(frameBytes);
    const messageId = crypto.getRandomValues(new Uint8Array(MESSAGE_ID_BYTES));
    this.messageKey = deriveMessageKey(materials.dataKey, messageId);
    const body = encodeHeaderBody({
      algorithm: ALGORITHM_AES256_GCM_HKDF_SHA256, messageId, frameBytes,
      encryptionContext: { ...(materials.encryptionContext ?? {}) }, wrappedKeys: materials.wrappedKeys,
    });
    this.hash = headerHash(body);
    this.header = concatBytes([body, gcm(this.messageKey, HEADER_NONCE, body).encrypt(new Uint8Array(0))]);
  }

  update(chunk: Uint8Array): Uint8Array {
    this.assertOpen();
    requireBytes('chunk', chunk);
    return this.seal(chunk, false);
  }

  /** The rest of the message and its final frame; `lastChunk`, if given, is fed first (one array out, no joining). */
  final(lastChunk: Uint8Array = new Uint8Array(0)): Uint8Array {
    this.assertOpen();
    requireBytes('chunk', lastChunk);
    try {
      return this.seal(lastChunk, true);
    } finally {
      this.dispose();
    }
  }

  /** Zeroes the message key and buffered plaintext; the message is then unfinishable. */
  dispose(): void {
    this.finished = true;
    this.messageKey.fill(0);
    this.pending.fill(0);
  }

  /**
   * The header (the first time), every frame `chunk` completes and, when `finishing`, the final
   * frame, sealed straight into one array: full frames are encrypted from `chunk` where they lie,
   * and only a frame split across chunks is gathered in `pending` first.
   */
  private seal(chunk: Uint8Array, finishing: boolean): Uint8Array {
    const frames = Math.floor((this.pendingBytes + chunk.length) / this.frameBytes);
    // Frame numbers stay below FFFFFFFF (the final-frame marker), the final frame's too.
    const lastNumber = this.frameNumber + frames - (finishing ? 0 : 1);
    if (lastNumber >= FINAL_FRAME_MARKER) {
      throw new InvalidInputError('plaintext', 'too many frames for one message; use a larger frameBytes');
    }
    const header = this.header ?? new Uint8Array(0);
    const finalContent = finishing ? (this.pendingBytes + chunk.length) % this.frameBytes : 0;
    const out = new Uint8Array(header.length + frames * (REGULAR_FRAME_PREFIX + this.frameBytes + TAG_BYTES)
      + (finishing ? FINAL_FRAME_PREFIX + finalContent + TAG_BYTES : 0));
    out.set(header);
    this.header = undefined;
    let at = header.length;
    let used = 0;
    for (let frame = 0; frame < frames; frame++) {
      let content: Uint8Array;
      if (this.pendingBytes > 0) {
        used = this.frameBytes - this.pendingBytes;
        this.pending.set(chunk.subarray(0, used), this.pendingBytes);
        this.pendingBytes = 0;
        content = this.pending;
      } else {
        content = chunk.subarray(used, used + this.frameBytes);
        used += this.frameBytes;
      }
      at = this.sealFrame(content, false, out, at);
    }
    this.pending.set(chunk.subarray(used), this.pendingBytes);
    this.pendingBytes += chunk.length - used;
    if (finishing) this.sealFrame(this.pending.subarray(0, this.pendingBytes), true, out, at);
    return out;
  }

  /** Writes frame `frameNumber` (its prefix, ciphertext and tag) into `out` at `at`; returns where it ends. */
  private sealFrame(content: Uint8Array, final: boolean, out: Uint8Array, at: number): number {
    const n = this.frameNumber++;
    const start = writeFramePrefix(out, at, n, final, content.length);
    return sealInto(this.messageKey, frameNonce(n), frameAad(this.hash, n, final, content.length), content, out, start);
  }

  private assertOpen(): void {
    if (this.finished) throw new InvalidInputError('message', 'this message was finished or disposed');
  }
}
