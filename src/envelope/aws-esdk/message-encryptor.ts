// Writes an Encryption SDK message (format 2.0, framed) fed in chunks of any size: update()
// returns the header the first time and every frame the chunk completes; final() returns the
// rest, the final frame and, for signed suites, the signature footer.
// Spec: client-apis/encrypt.md ("Construct the header", "Construct the body", "Construct the
// signature"). Memory held: at most one frame of plaintext (framing-encryptor.ts); frames are
// sealed straight into the one array each call returns.

import { gcm, sealInto } from '../../core/gcm.js';
import { InvalidInputError } from '../../core/errors.js';
import { requireIntegerInRange } from '../../core/validate.js';
import { concatBytes } from '../../core/bytes.js';
import { FramingEncryptor } from '../framing-encryptor.js';
import { IV_BYTES, TAG_BYTES } from './algorithm-suites.js';
import { bodyAad, FINAL_FRAME_PREFIX, frameIv, MAX_FRAME_LENGTH, MAX_FRAMES, REGULAR_FRAME_PREFIX, writeFramePrefix } from './body-codec.js';
import { CONTENT_TYPE_FRAMED, encodeHeaderBodyV2, messageIdBytes, type MessageHeader } from './header-codec.js';
import { deriveCommitKey, deriveDataKey } from './key-derivation.js';
import type { EncryptionMaterials } from './materials-manager.js';
import { MessageSigner } from './message-signature.js';

export const DEFAULT_FRAME_LENGTH = 4096;
/** A DER ECDSA P-384 signature is at most 104 bytes; the footer adds its u16 length. */
const MAX_FOOTER_BYTES = 2 + 104;

export class MessageEncryptor extends FramingEncryptor {
  readonly header: MessageHeader;
  private readonly key: Uint8Array;
  private readonly signer: MessageSigner | undefined;
  private headerBytes: Uint8Array | undefined;
  private sequenceNumber = 1;

  /** Takes ownership of `materials`: its data key and signing key are zeroed here, once used. */
  constructor(materials: EncryptionMaterials, frameLength = DEFAULT_FRAME_LENGTH) {
    super(requireIntegerInRange('frameLength', frameLength, 1, MAX_FRAME_LENGTH));
    const { suite, dataKey, encryptionContext, encryptedDataKeys, signingKey } = materials;
    const messageId = crypto.getRandomValues(new Uint8Array(messageIdBytes(2)));
    this.key = deriveDataKey(suite, dataKey, messageId);
    const commitKey = deriveCommitKey(suite, dataKey, messageId);
    dataKey.fill(0);
    this.header = { version: 2, suiteId: suite.id, messageId, encryptionContext, encryptedDataKeys, contentType: CONTENT_TYPE_FRAMED, frameLength, commitKey };
    const body = encodeHeaderBodyV2(this.header);
    this.headerBytes = concatBytes([body, gcm(this.key, new Uint8Array(IV_BYTES), body).encrypt(new Uint8Array(0))]);
    this.signer = signingKey && new MessageSigner(signingKey);
    signingKey?.fill(0);
    this.signer?.update(this.headerBytes);
  }

  protected wipeSecrets(): void {
    this.key.fill(0);
    this.signer?.dispose();
  }

  /** Adds, when finishing, the signature footer of signed suites after the final frame. */
  protected seal(chunk: Uint8Array, finishing: boolean): Uint8Array {
    const frames = this.fullFrames(chunk.length);
    if (this.sequenceNumber + frames > MAX_FRAMES) { // the final frame needs a number too
      throw new InvalidInputError('plaintext', `more than ${MAX_FRAMES} frames in one message; use a larger frameLength`);
    }
    const header = this.headerBytes ?? new Uint8Array(0);
    const out = new Uint8Array(header.length + frames * (REGULAR_FRAME_PREFIX + this.frameLength + TAG_BYTES)
      + (finishing ? FINAL_FRAME_PREFIX + this.finalFrameLength(chunk.length) + TAG_BYTES + (this.signer ? MAX_FOOTER_BYTES : 0) : 0));
    out.set(header);
    this.headerBytes = undefined;
    let at = header.length;
    this.cutFrames(chunk, finishing, (content, final) => {
      at = this.sealFrame(content, final, out, at);
    });
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
}
