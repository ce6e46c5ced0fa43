// Writes an Encryption SDK message (format 2.0, framed) fed in chunks of any size: update()
// returns the header the first time and every frame the chunk completes; final() returns the
// rest, the final frame and, for signed suites, the signature footer.
// Spec: client-apis/encrypt.md ("Construct the header", "Construct the body", "Construct the
// signature"). Memory held: at most one frame of plaintext; frames are sealed straight into the
// one array each call returns.

import { gcm, sealInto } from '../../core/gcm.js';
import { InvalidInputError } from '../../core/errors.js';
import { requireBytes, requireIntegerInRange } from '../../core/validate.js';
import { concatBytes } from '../byte-concat.js';
import { IV_BYTES, TAG_BYTES } from './algorithm-suites.js';
import { bodyAad, FINAL_FRAME_PREFIX, frameIv, MAX_FRAME_LENGTH, MAX_FRAMES, REGULAR_FRAME_PREFIX, writeFramePrefix } from './body-codec.js';
import { CONTENT_TYPE_FRAMED, encodeHeaderBodyV2, messageIdBytes, type MessageHeader } from './header-codec.js';
import { deriveCommitKey, deriveDataKey } from './key-derivation.js';
import type { EncryptionMaterials } from './materials-manager.js';
import type { MessageSigner } from './message-signature.js';

export const DEFAULT_FRAME_LENGTH = 4096;
/** A DER ECDSA P-384 signature is at most 104 bytes; the footer adds its u16 length. */
const MAX_FOOTER_BYTES = 2 + 104;

export class MessageEncryptor {
  readonly header: MessageHeader;
  private readonly key: Uint8Array;
  private readonly frameLength: number;
  private readonly signer: MessageSigner | undefined;
  private headerBytes: Uint8Array | undefined;
  private pending: Uint8Array | undefined;
  private pendingBytes = 0;
  private sequenceNumber = 1;
  private finished = false;

  /** Takes ownership of `materials`: its data key is zeroed here, once the message keys are derived. */
  constructor(materials: EncryptionMaterials, frameLength = DEFAULT_FRAME_LENGTH) {
    this.frameLength = requireIntegerInRange('frameLength', frameLength, 1, MAX_FRAME_LENGTH);
    const { suite, dataKey, encryptionContext, encryptedDataKeys, signer } = materials;
    const messageId = crypto.getRandomValues(new Uint8Array(messageIdBytes(2)));
    this.key = deriveDataKey(suite, dataKey, messageId);
    const commitKey = deriveCommitKey(suite, dataKey, messageId);
    dataKey.fill(0);
    this.header = { version: 2, suiteId: suite.id, messageId, encryptionContext, encryptedDataKeys, contentType: CONTENT_TYPE_FRAMED, frameLength, commitKey };
    const body = encodeHeaderBodyV2(this.header);
    this.headerBytes = concatBytes([body, gcm(this.key, new Uint8Array(IV_BYTES), body).encrypt(new Uint8Array(0))]);
    this.signer = signer;
    signer?.update(this.headerBytes);
  }

  update(chunk: Uint8Array): Uint8Array {
    this.assertOpen();
    requireBytes('chunk', chunk);
    return this.seal(chunk, false);
  }

  /** The rest of the message: `lastChunk` (if given) in frames, the final frame, the signature. */
  final(lastChunk: Uint8Array = new Uint8Array(0)): Uint8Array {
    this.assertOpen();
    requireBytes('chunk', lastChunk);
    try {
      return this.seal(lastChunk, true);
    } finally {
      this.dispose();
    }
  }

  /** Zeroes the message key, buffered plaintext and signing key; the message is then unfinishable. */
  dispose(): void {
    this.finished = true;
    this.key.fill(0);
    this.pending?.fill(0);
    this.signer?.dispose();
  }

  /**
   * The header (the first time), every frame `chunk` completes and, when `finishing`, the final
   * frame and footer, in one array: full frames are encrypted from `chunk` where they lie, and
   * only a frame split across chunks is gathered in `pending` first.
   */
  private seal(chunk: Uint8Array, finishing: boolean): Uint8Array {
    const frames = Math.floor((this.pendingBytes + chunk.length) / this.frameLength);
    if (this.sequenceNumber + frames > MAX_FRAMES) { // the final frame needs a number too
      throw new InvalidInputError('plaintext', `more than ${MAX_FRAMES} frames in one message; use a larger frameLength`);
    }
    const header = this.headerBytes ?? new Uint8Array(0);
    const finalContent = finishing ? (this.pendingBytes + chunk.length) % this.frameLength : 0;
    const out = new Uint8Array(header.length + frames * (REGULAR_FRAME_PREFIX + this.frameLength + TAG_BYTES)
      + (finishing ? FINAL_FRAME_PREFIX + finalContent + TAG_BYTES + (this.signer ? MAX_FOOTER_BYTES : 0) : 0));
    out.set(header);
    this.headerBytes = undefined;
    let at = header.length;
    let used = 0;
    for (let frame = 0; frame < frames; frame++) {
      let content: Uint8Array;
      if (this.pendingBytes > 0) {
        used = this.frameLength - this.pendingBytes;
        this.pending!.set(chunk.subarray(0, used), this.pendingBytes);
        this.pendingBytes = 0;
        content = this.pending!;
      } else {
        content = chunk.subarray(used, used + this.frameLength);
        used += this.frameLength;
      }
      at = this.sealFrame(content, false, out, at);
    }
    if (used < chunk.length) {
      this.pending ??= new Uint8Array(this.frameLength);
      this.pending.set(chunk.subarray(used), this.pendingBytes);
      this.pendingBytes += chunk.length - used;
    }
    if (finishing) at = this.sealFrame(this.pending?.subarray(0, this.pendingBytes) ?? new Uint8Array(0), true, out, at);
    this.signer?.update(out.subarray(header.length, at));
    if (!finishing || !this.signer) return out;
    const signature = this.signer.sign();
    new DataView(out.buffer).setUint16(at, signature.length);
    out.set(signature, at + 2);
    return out.subarray(0, at + 2 + signature.length);
  }

  /** Writes the next frame (prefix, ciphertext, tag) into `out` at `at`; returns where it ends. */
  private sealFrame(content: Uint8Array, final: boolean, out: Uint8Array, at: number): number {
    const n = this.sequenceNumber++;
    const start = writeFramePrefix(out, at, n, final, content.length);
    const aad = bodyAad(this.header.messageId, final ? 'final frame' : 'frame', n, content.length);
    return sealInto(this.key, frameIv(n), aad, content, out, start);
  }

  private assertOpen(): void {
    if (this.finished) throw new InvalidInputError('message', 'this message was finished or disposed');
  }
}
