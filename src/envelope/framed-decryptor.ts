// Decrypts a framed message fed in chunks of any size. A frame's plaintext is released only after
// its tag verifies, and frames must come in order, each once, ending with exactly one final frame:
// reordered, dropped, duplicated, truncated or appended data fails loudly. Memory held: at most
// one frame of ciphertext plus the chunk being processed.

import { AuthenticationError } from '../core/errors.js';
import { gcm, openInto } from '../core/gcm.js';
import { constantTimeEqual } from '../core/bytes.js';
import { ChunkedDecryptor } from './chunked-decryptor.js';
import { deriveMessageKey, type DataKeyResolver } from './materials.js';
import {
  decodeHeader, FINAL_FRAME_PREFIX, frameAad, frameNonce, HEADER_NONCE, headerHash, MessageFormatError, readFramePrefix,
  TAG_BYTES, type MessageHeader,
} from './message-format.js';

/** Verifies the header tag and returns the message key (which the caller zeroes). */
export async function openHeader(bytes: Uint8Array, resolveDataKey: DataKeyResolver):
  Promise<{ header: MessageHeader; messageKey: Uint8Array; hash: Uint8Array; headerBytes: number } | undefined> {
  const decoded = decodeHeader(bytes);
  if (!decoded) return undefined;
  const body = bytes.subarray(0, decoded.bodyBytes);
  const dataKey = await resolveDataKey(decoded.header);
  const messageKey = deriveMessageKey(dataKey, decoded.header.messageId);
  dataKey.fill(0);
  const tag = gcm(messageKey, HEADER_NONCE, body).encrypt(new Uint8Array(0));
  if (!constantTimeEqual(tag, decoded.tag)) {
    messageKey.fill(0);
    throw new AuthenticationError('the envelope header does not authenticate: it was changed, or the data key is not its own');
  }
  return { header: decoded.header, messageKey, hash: headerHash(body), headerBytes: decoded.bodyBytes + TAG_BYTES };
}

/**
 * Decrypts one frame's ciphertext ‖ tag into `output` at `offset` (a new array by default) and
 * returns `output`, or throws AuthenticationError naming the frame.
 */
export function openFrame(messageKey: Uint8Array, hash: Uint8Array, frameNumber: number, final: boolean, sealed: Uint8Array,
  output = new Uint8Array(Math.max(0, sealed.length - TAG_BYTES)), offset = 0): Uint8Array {
  const contentBytes = sealed.length - TAG_BYTES;
  try {
    openInto(messageKey, frameNonce(frameNumber), frameAad(hash, frameNumber, final, contentBytes), sealed, output, offset);
    return output;
  } catch (error) {
    if (error instanceof AuthenticationError) throw new AuthenticationError(`frame ${frameNumber} does not authenticate: the message was changed`);
    throw error;
  }
}

/** Where a frame lies in the buffered bytes: its content from `contentStart`, then its tag. */
export interface FrameSpan { number: number; final: boolean; contentStart: number; contentBytes: number }

/** Where a frame's tag ends. */
const sealedEnd = (frame: FrameSpan) => frame.contentStart + frame.contentBytes + TAG_BYTES;

export class FramedDecryptor extends ChunkedDecryptor {
  private opened: { header: MessageHeader; messageKey: Uint8Array; hash: Uint8Array } | undefined;
  private nextFrame = 1;
  private done = false;

  constructor(private readonly resolveDataKey: DataKeyResolver) {
    super();
  }

  /** The header, once enough bytes have arrived to read and authenticate it. */
  get header(): MessageHeader | undefined {
    return this.opened?.header;
  }

  protected missing(): string | undefined {
    if (this.done) return undefined;
    return this.opened ? 'the message is truncated: its final frame is missing' : 'the message ended inside its header';
  }

  protected wipe(): void {
    this.opened?.messageKey.fill(0);
  }

  protected async drain(): Promise<Uint8Array> {
    if (!this.opened) {
      const opened = await openHeader(this.buffer.head(this.buffer.length), this.resolveDataKey);
      if (!opened) return new Uint8Array(0);
      this.opened = opened;
      this.buffer.drop(opened.headerBytes);
    }
    const { messageKey, hash } = this.opened;
    // Every frame the buffer holds in full, checked for order first; then all decrypted straight
    // into one output array (nothing of it is released unless every one verifies).
    const frames = this.completeFrames();
    const end = frames.length > 0 ? sealedEnd(frames.at(-1)!) : 0;
    const out = await this.openFrames(messageKey, hash, this.buffer.head(end), frames);
    this.buffer.drop(end);
    this.nextFrame += frames.length;
    if (frames.at(-1)?.final) {
      this.done = true;
      messageKey.fill(0);
    }
    if (this.done && this.buffer.length > 0) {
      out.fill(0);
      throw new MessageFormatError('data follows the final frame');
    }
    this.buffer.compact();
    return out;
  }

  /** Decrypts `frames`, which lie in `sealed`, into one array of their plaintexts (the pooled decryptor runs them on workers). */
  protected openFrames(messageKey: Uint8Array, hash: Uint8Array, sealed: Uint8Array, frames: FrameSpan[]): Uint8Array | Promise<Uint8Array> {
    const out = new Uint8Array(frames.reduce((n, f) => n + f.contentBytes, 0));
    let at = 0;
    for (const frame of frames) {
      try {
        openFrame(messageKey, hash, frame.number, frame.final, sealed.subarray(frame.contentStart, sealedEnd(frame)), out, at);
      } catch (error) {
        out.fill(0); // frames before this one verified, but a failed update releases nothing
        throw error;
      }
      at += frame.contentBytes;
    }
    return out;
  }

  /** The frames the buffer holds in full, from its start. */
  private completeFrames(): FrameSpan[] {
    const { header } = this.opened!;
    const frames: FrameSpan[] = [];
    let offset = 0;
    let expected = this.nextFrame;
    while (!this.done && !frames.at(-1)?.final) {
      const prefix = readFramePrefix(this.buffer.head(Math.min(this.buffer.length, offset + FINAL_FRAME_PREFIX)).subarray(offset), header.frameBytes);
      if (!prefix) break;
      const { number, final, contentBytes } = prefix;
      if (contentBytes > header.frameBytes) throw new MessageFormatError(`final frame claims ${contentBytes} bytes, more than a frame holds`);
      if (number !== expected) throw new MessageFormatError(`frame ${number} where frame ${expected} was expected (reordered, dropped or duplicated)`);
      const frame = { number, final, contentStart: offset + prefix.prefixBytes, contentBytes };
      if (this.buffer.length < sealedEnd(frame)) break;
      frames.push(frame);
      offset = sealedEnd(frame);
      expected++;
    }
    return frames;
  }
}
