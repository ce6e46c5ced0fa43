// The framed envelope message format, version 1 (specified in docs/format.md): serialization only —
// header encoding and decoding, frame layout, nonces and AAD. No keys are handled here.

import { sha256 } from '@noble/hashes/sha2.js';
import { copyBytes } from '../core/bytes.js';
import { canonicalEncryptionContext, type EncryptionContext } from './encryption-context.js';

export const MAGIC = new Uint8Array([0x4b, 0x57, 0x45, 0x31]); // "KWE1"
export const FORMAT_VERSION = 1;
/** AES-256-GCM frames under an HKDF-SHA-256 message key. */
export const ALGORITHM_AES256_GCM_HKDF_SHA256 = 0x0001;
export const MESSAGE_ID_BYTES = 32;
export const TAG_BYTES = 16;
export const DEFAULT_FRAME_BYTES = 64 * 1024;
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Bytes before a regular frame's ciphertext: its number. */
export const REGULAR_FRAME_PREFIX = 4;
/** Bytes before a final frame's ciphertext: the end marker, its number, its length. */
export const FINAL_FRAME_PREFIX = 12;
export const FINAL_FRAME_MARKER = 0xffffffff;

export class MessageFormatError extends Error {
  override readonly name = 'MessageFormatError';
}

export interface WrappedKey {
  /** Who can unwrap it, e.g. "aws-kms". */
  providerId: string;
  /** Which key of that provider, e.g. a KMS key ARN. */
  keyId: string;
  /** The provider's ciphertext of the data key. */
  blob: Uint8Array;
}

export interface MessageHeader {
  algorithm: number;
  messageId: Uint8Array;
  frameBytes: number;
  encryptionContext: EncryptionContext;
  wrappedKeys: WrappedKey[];
}

const encoder = new TextEncoder();
// Stryker disable next-line StringLiteral: TextDecoder('') throws a RangeError when the module loads, failing every test, which the vitest runner reports as a survivor
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The header's bytes without its tag (what the header tag and every frame's AAD cover). */
export function encodeHeaderBody(header: MessageHeader): Uint8Array {
  const context = canonicalEncryptionContext(header.encryptionContext);
  const keys = header.wrappedKeys.map((k) => [encoder.encode(k.providerId), encoder.encode(k.keyId), k.blob] as const);
  const size = 4 + 1 + 2 + MESSAGE_ID_BYTES + 4 + context.length + 2 + keys.reduce((n, parts) => n + parts.reduce((m, p) => m + 2 + p.length, 0), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC);
  out[4] = FORMAT_VERSION;
  view.setUint16(5, header.algorithm);
  out.set(header.messageId, 7);
  view.setUint32(7 + MESSAGE_ID_BYTES, header.frameBytes);
  let at = 11 + MESSAGE_ID_BYTES;
  out.set(context, at);
  at += context.length;
  view.setUint16(at, keys.length);
  at += 2;
  for (const parts of keys) {
    for (const part of parts) {
      if (part.length > 0xffff) throw new MessageFormatError('a wrapped key field is longer than 65535 bytes');
      view.setUint16(at, part.length);
      out.set(part, at + 2);
      at += 2 + part.length;
    }
  }
  return out;
}

/**
 * Reads a header from the start of `bytes`. Returns undefined if `bytes` does not yet hold all of
 * it (a stream may deliver it in pieces); throws MessageFormatError if it is malformed.
 */
export function decodeHeader(bytes: Uint8Array): { header: MessageHeader; bodyBytes: number; tag: Uint8Array } | undefined {
  const need = (n: number) => bytes.length >= n;
  if (!need(5)) return undefined;
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw new MessageFormatError('not a kms-wasm envelope message (bad magic)');
  if (bytes[4] !== FORMAT_VERSION) throw new MessageFormatError(`unsupported format version ${bytes[4]}`);
  if (!need(11 + MESSAGE_ID_BYTES + 2)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const algorithm = view.getUint16(5);
  if (algorithm !== ALGORITHM_AES256_GCM_HKDF_SHA256) throw new MessageFormatError(`unsupported algorithm 0x${algorithm.toString(16)}`);
  const messageId = bytes.slice(7, 7 + MESSAGE_ID_BYTES);
  const frameBytes = view.getUint32(7 + MESSAGE_ID_BYTES);
  if (frameBytes < 1 || frameBytes > MAX_FRAME_BYTES) throw new MessageFormatError(`frame size ${frameBytes} is out of range`);
  let at = 11 + MESSAGE_ID_BYTES;
  const readField = (): Uint8Array | undefined => {
    if (!need(at + 2)) return undefined;
    const length = view.getUint16(at);
    if (!need(at + 2 + length)) return undefined;
    const field = bytes.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    return field;
  };
  const text = (field: Uint8Array) => {
    try {
      return decoder.decode(field);
    } catch {
      throw new MessageFormatError('a header string is not valid UTF-8');
    }
  };
  const pairCount = view.getUint16(at);
  at += 2;
  const pairs = new Map<string, string>();
  for (let i = 0; i < pairCount; i++) {
    const key = readField();
    const value = key && readField();
    if (!key || !value) return undefined;
    const name = text(key);
    if (pairs.has(name)) throw new MessageFormatError(`the header's encryption context repeats the key "${name}"`);
    pairs.set(name, text(value));
  }
  // fromEntries defines each key as the context's own, so a key such as "__proto__" survives as
  // written (assigning it would set the object's prototype instead, and drop the pair).
  const encryptionContext: EncryptionContext = Object.fromEntries(pairs);
  if (!need(at + 2)) return undefined;
  const keyCount = view.getUint16(at);
  at += 2;
  if (keyCount === 0) throw new MessageFormatError('the header carries no wrapped data key');
  const wrappedKeys: WrappedKey[] = [];
  for (let i = 0; i < keyCount; i++) {
    const providerId = readField();
    const keyId = providerId && readField();
    const blob = keyId && readField();
    // Stryker disable next-line LogicalOperator,ConditionalExpression: keyId is read only once providerId is, and blob once keyId is, so `!blob` alone decides (the other two tests narrow the types): `!providerId || !keyId` made false or `&&` changes nothing (this line's other mutants of these mutators are killed: unmarked run)
    if (!providerId || !keyId || !blob) return undefined;
    wrappedKeys.push({ providerId: text(providerId), keyId: text(keyId), blob: copyBytes(blob) });
  }
  if (!need(at + TAG_BYTES)) return undefined;
  return { header: { algorithm, messageId, frameBytes, encryptionContext, wrappedKeys }, bodyBytes: at, tag: bytes.slice(at, at + TAG_BYTES) };
}

export const headerHash = (headerBody: Uint8Array): Uint8Array => sha256(headerBody);

/** What precedes a frame's ciphertext: its number, whether it is the final frame, how much content it holds. */
export interface FramePrefix {
  number: number;
  final: boolean;
  contentBytes: number;
  /** Bytes of the prefix itself: where the ciphertext starts. */
  prefixBytes: number;
}

/** Writes frame `number`'s prefix into `out` at `at`; returns where its ciphertext starts. */
export function writeFramePrefix(out: Uint8Array, at: number, number: number, final: boolean, contentBytes: number): number {
  const view = new DataView(out.buffer, out.byteOffset + at);
  if (!final) {
    view.setUint32(0, number);
    return at + REGULAR_FRAME_PREFIX;
  }
  view.setUint32(0, FINAL_FRAME_MARKER);
  view.setUint32(4, number);
  view.setUint32(8, contentBytes);
  return at + FINAL_FRAME_PREFIX;
}

/** Reads the prefix at the start of `bytes` (a regular frame holds `frameBytes`); undefined until `bytes` holds all of it. */
export function readFramePrefix(bytes: Uint8Array, frameBytes: number): FramePrefix | undefined {
  // Stryker disable next-line EqualityOperator: with exactly 4 bytes a regular frame is still incomplete (17 or more bytes follow), so waiting for a 5th changes nothing
  if (bytes.length < REGULAR_FRAME_PREFIX) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== FINAL_FRAME_MARKER) return { number: view.getUint32(0), final: false, contentBytes: frameBytes, prefixBytes: REGULAR_FRAME_PREFIX };
  if (bytes.length < FINAL_FRAME_PREFIX) return undefined;
  return { number: view.getUint32(4), final: true, contentBytes: view.getUint32(8), prefixBytes: FINAL_FRAME_PREFIX };
}

/** Frame n's nonce: 4 zero bytes and n as a big-endian u64 (never reused: one message key per message). */
export function frameNonce(frameNumber: number): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, BigInt(frameNumber));
  return nonce;
}

/** The header tag's nonce: all ones, which no frame number reaches. */
export const HEADER_NONCE = new Uint8Array(12).fill(0xff);

/** Frame AAD: header hash ‖ frame number (u64) ‖ final flag (u8) ‖ content length (u64). */
export function frameAad(hash: Uint8Array, frameNumber: number, final: boolean, contentBytes: number): Uint8Array {
  const aad = new Uint8Array(32 + 8 + 1 + 8);
  const view = new DataView(aad.buffer);
  aad.set(hash);
  view.setBigUint64(32, BigInt(frameNumber));
  aad[40] = final ? 1 : 0;
  view.setBigUint64(41, BigInt(contentBytes));
  return aad;
}
