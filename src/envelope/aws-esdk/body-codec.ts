// The message body of the Encryption SDK format: frame layout, IVs and the body AAD.
// Spec: data-format/message-body.md and data-format/message-body-aad.md.
//
//   regular frame: sequence number (u32) | IV (12) | content (frame length) | tag (16)
//   final frame:   FFFFFFFF | sequence number (u32) | IV (12) | content length (u32) | content | tag (16)
//   non-framed:    IV (12) | content length (u64) | content | tag (16)
//   body AAD:      message id | "AWSKMSEncryptionClient Frame" / "… Final Frame" / "… Single Block" |
//                  sequence number (u32) | content length (u64)

import { compareBytes } from '../../core/bytes.js';
import { MessageFormatError } from '../message-format.js';
import { IV_BYTES } from './algorithm-suites.js';
import { ByteReader, ByteWriter } from './byte-fields.js';

export const FINAL_FRAME_MARKER = 0xffffffff;
/** A message holds at most 2^32 − 1 frames, numbered from 1 (message-body.md). */
export const MAX_FRAMES = 0xffffffff;
export const MAX_FRAME_LENGTH = 0xffffffff;
/** SP 800-38D's limit for one IV, which a non-framed body is: 2^36 − 32 bytes. */
export const MAX_NON_FRAMED_BYTES = 2 ** 36 - 32;
export const REGULAR_FRAME_PREFIX = 4 + IV_BYTES;
export const FINAL_FRAME_PREFIX = 4 + 4 + IV_BYTES + 4;
export const NON_FRAMED_PREFIX = IV_BYTES + 8;

export type BodyPart = 'frame' | 'final frame' | 'single block';

const aadLabels: Record<BodyPart, Uint8Array> = {
  'frame': new TextEncoder().encode('AWSKMSEncryptionClient Frame'),
  'final frame': new TextEncoder().encode('AWSKMSEncryptionClient Final Frame'),
  'single block': new TextEncoder().encode('AWSKMSEncryptionClient Single Block'),
};

export function bodyAad(messageId: Uint8Array, part: BodyPart, sequenceNumber: number, contentLength: number): Uint8Array {
  const label = aadLabels[part];
  return new ByteWriter(messageId.length + label.length + 4 + 8).raw(messageId).raw(label).u32(sequenceNumber).u64(contentLength).bytes;
}

/** A frame's IV: its sequence number, big-endian, padded on the left with zeros to 12 bytes. */
export function frameIv(sequenceNumber: number): Uint8Array {
  return new ByteWriter(IV_BYTES).u32(0).u32(0).u32(sequenceNumber).bytes;
}

/** Writes a frame's prefix into `out` at `at`; returns where its content goes. */
export function writeFramePrefix(out: Uint8Array, at: number, sequenceNumber: number, final: boolean, contentLength: number): number {
  const view = new DataView(out.buffer, out.byteOffset + at);
  if (final) {
    view.setUint32(0, FINAL_FRAME_MARKER);
    view.setUint32(4, sequenceNumber);
    out.set(frameIv(sequenceNumber), at + 8);
    view.setUint32(8 + IV_BYTES, contentLength);
    return at + FINAL_FRAME_PREFIX;
  }
  view.setUint32(0, sequenceNumber);
  out.set(frameIv(sequenceNumber), at + 4);
  return at + REGULAR_FRAME_PREFIX;
}

/** What precedes a frame's content; `prefixBytes` is where the content starts. */
export interface FramePrefix {
  sequenceNumber: number;
  final: boolean;
  iv: Uint8Array;
  contentLength: number;
  prefixBytes: number;
}

/**
 * The frame prefix at the start of `bytes`, or undefined until `bytes` holds all of it. A frame's
 * IV must be its sequence number padded (decrypt.md computes it so; a frame carrying another is
 * malformed).
 */
export function readFramePrefix(bytes: Uint8Array, frameLength: number): FramePrefix | undefined {
  const reader = new ByteReader(bytes);
  const first = reader.u32();
  if (first === undefined) return undefined;
  const final = first === FINAL_FRAME_MARKER;
  const sequenceNumber = final ? reader.u32() : first;
  const iv = reader.take(IV_BYTES);
  const contentLength = final ? reader.u32() : frameLength;
  if (sequenceNumber === undefined || !iv || contentLength === undefined) return undefined;
  if (compareBytes(iv, frameIv(sequenceNumber)) !== 0) throw new MessageFormatError(`frame ${sequenceNumber} carries an IV that is not its sequence number`);
  if (contentLength > frameLength) throw new MessageFormatError(`the final frame claims ${contentLength} bytes, more than the frame length ${frameLength}`);
  return { sequenceNumber, final, iv, contentLength, prefixBytes: final ? FINAL_FRAME_PREFIX : REGULAR_FRAME_PREFIX };
}

/** The prefix of a non-framed body, or undefined until `bytes` holds all of it. */
export function readNonFramedPrefix(bytes: Uint8Array): { iv: Uint8Array; contentLength: number } | undefined {
  const reader = new ByteReader(bytes);
  const iv = reader.take(IV_BYTES);
  const contentLength = reader.u64();
  if (!iv || contentLength === undefined) return undefined;
  if (contentLength > MAX_NON_FRAMED_BYTES) throw new MessageFormatError(`a non-framed body of ${contentLength} bytes exceeds the ${MAX_NON_FRAMED_BYTES} one IV may encrypt`);
  return { iv, contentLength };
}
