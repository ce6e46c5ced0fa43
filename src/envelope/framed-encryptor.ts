// Encrypts a message into the framed format, fed in chunks of any size: update() returns the
// header (first time) and every frame that is full; final() returns the rest and the final frame.
// Memory held: at most one frame of plaintext.

import { gcm } from '../core/gcm.js';
import { InvalidInputError } from '../core/errors.js';
import { requireBytes } from '../core/validate.js';
import { concatBytes } from './byte-concat.js';
import { deriveMessageKey, type EncryptionMaterials } from './materials.js';
import {
  ALGORITHM_AES256_GCM_HKDF_SHA256, DEFAULT_FRAME_BYTES, encodeHeaderBody, FINAL_FRAME_MARKER, FINAL_FRAME_PREFIX, frameAad,
  frameNonce, HEADER_NONCE, headerHash, MAX_FRAME_BYTES, MESSAGE_ID_BYTES, REGULAR_FRAME_PREFIX, TAG_BYTES,
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
    const out: Uint8Array[] = this.takeHeader();
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(this.frameBytes - this.pendingBytes, chunk.length - at);
      this.pending.set(chunk.subarray(at, at + take), this.pendingBytes);
      this.pendingBytes += take;
      at += take;
      if (this.pendingBytes === this.frameBytes) out.push(this.regularFrame());
    }
    return concatBytes(out);
  }

  final(): Uint8Array {
    this.assertOpen();
    const out = this.takeHeader();
    const content = this.pending.subarray(0, this.pendingBytes);
    const prefix = new Uint8Array(FINAL_FRAME_PREFIX);
    const view = new DataView(prefix.buffer);
    view.setUint32(0, FINAL_FRAME_MARKER);
    view.setUint32(4, this.frameNumber);
    view.setUint32(8, content.length);
    out.push(prefix, gcm(this.messageKey, frameNonce(this.frameNumber), frameAad(this.hash, this.frameNumber, true, content.length)).encrypt(content));
    this.dispose();
    return concatBytes(out);
  }

  /** Zeroes the message key and buffered plaintext; the message is then unfinishable. */
  dispose(): void {
    this.finished = true;
    this.messageKey.fill(0);
    this.pending.fill(0);
  }

  private takeHeader(): Uint8Array[] {
    const header = this.header;
    this.header = undefined;
    return header ? [header] : [];
  }

  private regularFrame(): Uint8Array {
    const n = this.frameNumber++;
    if (n >= FINAL_FRAME_MARKER) throw new InvalidInputError('plaintext', 'too many frames for one message; use a larger frameBytes');
    const frame = new Uint8Array(REGULAR_FRAME_PREFIX + this.frameBytes + TAG_BYTES);
    new DataView(frame.buffer).setUint32(0, n);
    frame.set(gcm(this.messageKey, frameNonce(n), frameAad(this.hash, n, false, this.frameBytes)).encrypt(this.pending), REGULAR_FRAME_PREFIX);
    this.pendingBytes = 0;
    return frame;
  }

  private assertOpen(): void {
    if (this.finished) throw new InvalidInputError('message', 'this message was finished or disposed');
  }
}
