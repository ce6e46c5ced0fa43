// Reads an Encryption SDK message (format 1.0 or 2.0, framed or not, signed or not) fed in chunks
// of any size. Spec: client-apis/decrypt.md. In order: the header is parsed (limits enforced), the
// commitment policy checked, the data key unwrapped by the keyring, the key commitment checked,
// the header tag verified; then each frame is verified before its plaintext is released, in
// order, each once, ending with exactly one final frame. Of a signed message nothing is released
// until the signature verifies (so its plaintext is held in memory until the end); an unsigned
// framed message streams in bounded memory (one frame plus the chunk being read).

import { AuthenticationError } from '../../core/errors.js';
import { gcm, openInto } from '../../core/gcm.js';
import { concatBytes } from '../../core/bytes.js';
import { ChunkedDecryptor } from '../chunked-decryptor.js';
import { MessageFormatError } from '../message-format.js';
import { assertDecryptAllowed, type CommitmentPolicy, TAG_BYTES } from './algorithm-suites.js';
import { bodyAad, FINAL_FRAME_PREFIX, NON_FRAMED_PREFIX, readFramePrefix, readNonFramedPrefix, type BodyPart } from './body-codec.js';
import { ByteReader } from './byte-fields.js';
import { CONTENT_TYPE_FRAMED, decodeHeader, type HeaderLimits, type MessageHeader } from './header-codec.js';
import { deriveDataKey, verifyCommitKey } from './key-derivation.js';
import type { MaterialsManager } from './materials-manager.js';
import type { MessageVerifier } from './message-signature.js';

export interface MessageDecryptorOptions extends HeaderLimits {
  materialsManager: MaterialsManager;
  commitmentPolicy: CommitmentPolicy;
}

/** One authenticated piece of the body in the buffered bytes: its sealed content from `start`. */
interface SealedPart { part: BodyPart; sequenceNumber: number; iv: Uint8Array; start: number; contentLength: number }

const sealedEnd = (p: SealedPart) => p.start + p.contentLength + TAG_BYTES;

type Stage = 'header' | 'body' | 'footer' | 'done';

export class MessageDecryptor extends ChunkedDecryptor {
  private stage: Stage = 'header';
  private opened: { header: MessageHeader; key: Uint8Array; verifier: MessageVerifier | undefined } | undefined;
  private nextSequenceNumber = 1;
  /** Verified plaintext of a signed message, held until its signature verifies. */
  private readonly held: Uint8Array[] = [];

  constructor(private readonly options: MessageDecryptorOptions) {
    super();
  }

  /** The header, once it has been read and authenticated. */
  get header(): MessageHeader | undefined {
    return this.opened?.header;
  }

  protected missing(): string | undefined {
    return this.stage === 'done' ? undefined : `the message is truncated: it ends inside its ${this.stage}`;
  }

  protected wipe(): void {
    this.opened?.key.fill(0);
    for (const part of this.held.splice(0)) part.fill(0);
  }

  protected async drain(): Promise<Uint8Array> {
    if (this.stage === 'header' && !(await this.openHeader())) return new Uint8Array(0);
    let released: Uint8Array = new Uint8Array(0);
    if (this.stage === 'body') released = this.openBody();
    if (this.stage === 'footer') released = this.checkFooter();
    if (this.stage === 'done' && this.buffer.length > 0) {
      released.fill(0);
      throw new MessageFormatError('data follows the end of the message');
    }
    this.buffer.compact();
    return released;
  }

  /** Reads and authenticates the header; false while it has not all arrived. */
  private async openHeader(): Promise<boolean> {
    const { materialsManager, commitmentPolicy, maxEncryptedDataKeys } = this.options;
    const decoded = decodeHeader(this.buffer.head(this.buffer.length), { maxEncryptedDataKeys });
    if (!decoded) return false;
    const { header, suite, body, iv, tag, headerBytes } = decoded;
    assertDecryptAllowed(commitmentPolicy, suite);
    const { dataKey, verifier } = await materialsManager.getDecryptionMaterials(suite, header);
    let key: Uint8Array;
    try {
      if (suite.committing) verifyCommitKey(suite, dataKey, header.messageId, header.commitKey!);
      key = deriveDataKey(suite, dataKey, header.messageId);
    } finally {
      dataKey.fill(0);
    }
    try {
      gcm(key, iv, body).decrypt(tag);
    } catch (error) {
      key.fill(0);
      if (error instanceof AuthenticationError) throw new AuthenticationError('the message header does not authenticate: it was changed');
      throw error;
    }
    verifier?.update(this.buffer.head(headerBytes));
    this.buffer.drop(headerBytes);
    this.opened = { header, key, verifier };
    this.stage = 'body';
    return true;
  }

  /** Verifies and decrypts every body part the buffer holds in full, into one array; nothing of it is released unless all verify. */
  private openBody(): Uint8Array {
    const { header, key, verifier } = this.opened!;
    const parts = header.contentType === CONTENT_TYPE_FRAMED ? this.completeFrames() : this.completeNonFramedBody();
    const end = parts.length > 0 ? sealedEnd(parts.at(-1)!) : 0;
    const sealed = this.buffer.head(end);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.contentLength, 0));
    let at = 0;
    for (const p of parts) {
      try {
        openInto(key, p.iv, bodyAad(header.messageId, p.part, p.sequenceNumber, p.contentLength), sealed.subarray(p.start, sealedEnd(p)), out, at);
      } catch (error) {
        out.fill(0);
        if (error instanceof AuthenticationError) throw new AuthenticationError(`${p.part} ${p.sequenceNumber} does not authenticate: the message was changed`);
        throw error;
      }
      at += p.contentLength;
    }
    verifier?.update(sealed);
    this.buffer.drop(end);
    this.nextSequenceNumber += parts.length;
    if (parts.at(-1)?.part !== 'frame' && parts.length > 0) {
      key.fill(0);
      this.stage = verifier ? 'footer' : 'done';
    }
    if (!verifier) return out;
    if (out.length > 0) this.held.push(out);
    return new Uint8Array(0);
  }

  /** The frames the buffer holds in full, from its start, checked for order. */
  private completeFrames(): SealedPart[] {
    const { frameLength } = this.opened!.header;
    const parts: SealedPart[] = [];
    let offset = 0;
    while (parts.at(-1)?.part !== 'final frame') {
      const prefix = readFramePrefix(this.buffer.head(Math.min(this.buffer.length, offset + FINAL_FRAME_PREFIX)).subarray(offset), frameLength);
      if (!prefix) break;
      const expected = this.nextSequenceNumber + parts.length;
      if (prefix.sequenceNumber !== expected) {
        throw new MessageFormatError(`frame ${prefix.sequenceNumber} where frame ${expected} was expected (reordered, dropped or duplicated)`);
      }
      const part: SealedPart = { part: prefix.final ? 'final frame' : 'frame', sequenceNumber: expected, iv: prefix.iv, start: offset + prefix.prefixBytes, contentLength: prefix.contentLength };
      if (this.buffer.length < sealedEnd(part)) break;
      parts.push(part);
      offset = sealedEnd(part);
    }
    return parts;
  }

  /** A non-framed body, once the buffer holds all of it (its one tag covers it all). */
  private completeNonFramedBody(): SealedPart[] {
    const prefix = readNonFramedPrefix(this.buffer.head(Math.min(this.buffer.length, NON_FRAMED_PREFIX)));
    if (!prefix) return [];
    const part: SealedPart = { part: 'single block', sequenceNumber: 1, iv: prefix.iv, start: NON_FRAMED_PREFIX, contentLength: prefix.contentLength };
    return this.buffer.length < sealedEnd(part) ? [] : [part];
  }

  /** Verifies the signature footer; then releases everything held. */
  private checkFooter(): Uint8Array {
    const signature = new ByteReader(this.buffer.head(this.buffer.length)).field();
    if (!signature) return new Uint8Array(0);
    this.opened!.verifier!.verify(signature);
    this.buffer.drop(2 + signature.length);
    this.stage = 'done';
    const plaintext = this.held.length === 1 ? this.held[0]! : concatBytes(this.held);
    if (this.held.length > 1) for (const part of this.held) part.fill(0);
    this.held.length = 0;
    return plaintext;
  }
}
