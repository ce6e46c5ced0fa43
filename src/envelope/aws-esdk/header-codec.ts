// The message header of the AWS Encryption SDK format, versions 1.0 and 2.0: serialization only.
// Spec: aws-encryption-sdk-specification, data-format/message-header.md (fields and their order,
// both versions) and framework/structures.md (encryption context serialization).
//
//   v2: version 02 | suite (u16) | message id (32) | AAD length (u16) | AAD | data key count (u16) |
//       data keys | content type (u8) | frame length (u32) | commit key (32) || tag (16)
//   v1: version 01 | type 80 | suite (u16) | message id (16) | AAD length (u16) | AAD | data key count |
//       data keys | content type | reserved 00000000 | IV length 0C | frame length || IV (12) | tag (16)
//
// The AAD is the encryption context (pair count, then each key and value length-prefixed, keys in
// byte order), empty when the context is; each data key is provider id, provider info and
// ciphertext, each length-prefixed (u16).

import { compareBytes, copyBytes } from '../../core/bytes.js';
import { InvalidInputError } from '../../core/errors.js';
import type { EncryptionContext } from '../encryption-context.js';
import { MessageFormatError } from '../message-format.js';
import { ByteReader, ByteWriter } from './byte-fields.js';
import { algorithmSuite, COMMIT_KEY_BYTES, hex, IV_BYTES, TAG_BYTES, type AlgorithmSuite } from './algorithm-suites.js';

export interface EncryptedDataKey {
  /** Who wrapped it: "aws-kms", or a raw keyring's key namespace. */
  providerId: string;
  /** Which key wrapped it, as the provider writes it (a KMS key ARN; a raw keyring's key name and more). */
  providerInfo: Uint8Array;
  /** The wrapped data key. */
  ciphertext: Uint8Array;
}

export const CONTENT_TYPE_NON_FRAMED = 1;
export const CONTENT_TYPE_FRAMED = 2;
const V1_TYPE_CUSTOMER_AE_DATA = 0x80;

export interface MessageHeader {
  version: 1 | 2;
  suiteId: number;
  messageId: Uint8Array;
  encryptionContext: EncryptionContext;
  encryptedDataKeys: EncryptedDataKey[];
  contentType: typeof CONTENT_TYPE_NON_FRAMED | typeof CONTENT_TYPE_FRAMED;
  /** Plaintext bytes per frame; 0 in a non-framed message. */
  frameLength: number;
  /** v2: the commit key (algorithm suite data). */
  commitKey?: Uint8Array;
}

export const messageIdBytes = (version: 1 | 2) => (version === 2 ? 32 : 16);

/** A decoded header and where its parts lie in the message. */
export interface DecodedHeader {
  header: MessageHeader;
  suite: AlgorithmSuite;
  /** The bytes the header tag authenticates (everything before the IV or tag). */
  body: Uint8Array;
  /** v1: the IV in the header; v2: none is written, it is all zeros. */
  iv: Uint8Array;
  tag: Uint8Array;
  /** Bytes of the whole header, authentication included: where the body starts. */
  headerBytes: number;
}

export interface HeaderLimits {
  /** Refuse a message with more encrypted data keys than this (client.md, "Maximum number of encrypted data keys"). */
  maxEncryptedDataKeys?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The encryption context as the header's AAD: empty for an empty context (structures.md, "Serialization"). */
export function serializeEncryptionContext(context: EncryptionContext): Uint8Array {
  const pairs = Object.entries(context).map(([k, v]) => [encoder.encode(k), encoder.encode(v)] as const)
    .sort((a, b) => compareBytes(a[0], b[0]));
  if (pairs.length === 0) return new Uint8Array(0);
  const size = 2 + pairs.reduce((n, [k, v]) => n + 4 + k.length + v.length, 0);
  if (size > 0xffff) throw new InvalidInputError('encryptionContext', `serializes to ${size} bytes; the header holds at most 65535`);
  const writer = new ByteWriter(size);
  writer.u16(pairs.length);
  for (const [key, value] of pairs) writer.field(key).field(value);
  return writer.bytes;
}

/** The header body of a version 2.0 message (the only version this package writes). */
export function encodeHeaderBodyV2(header: MessageHeader): Uint8Array {
  const aad = serializeEncryptionContext(header.encryptionContext);
  const keysBytes = header.encryptedDataKeys.reduce((n, k) => n + 6 + encoder.encode(k.providerId).length + k.providerInfo.length + k.ciphertext.length, 0);
  const writer = new ByteWriter(1 + 2 + 32 + 2 + aad.length + 2 + keysBytes + 1 + 4 + COMMIT_KEY_BYTES);
  writer.u8(2).u16(header.suiteId).raw(header.messageId).u16(aad.length).raw(aad).u16(header.encryptedDataKeys.length);
  for (const key of header.encryptedDataKeys) writer.field(encoder.encode(key.providerId)).field(key.providerInfo).field(key.ciphertext);
  writer.u8(header.contentType).u32(header.frameLength).raw(header.commitKey!);
  return writer.bytes;
}

/**
 * Reads the header at the start of `bytes`: undefined while `bytes` does not hold all of it (a
 * stream delivers it in pieces), MessageFormatError as soon as what it holds is malformed.
 */
export function decodeHeader(bytes: Uint8Array, limits: HeaderLimits = {}): DecodedHeader | undefined {
  const reader = new ByteReader(bytes);
  const version = reader.u8();
  if (version === undefined) return undefined;
  if (version !== 1 && version !== 2) {
    throw new MessageFormatError(`not an AWS Encryption SDK message: version byte 0x${version.toString(16)}${version === 0x41 ? ' (is it base64?)' : ''}`);
  }
  if (version === 1) {
    const type = reader.u8();
    if (type === undefined) return undefined;
    if (type !== V1_TYPE_CUSTOMER_AE_DATA) throw new MessageFormatError(`unknown message type 0x${type.toString(16)}`);
  }
  const suiteId = reader.u16();
  if (suiteId === undefined) return undefined;
  const suite = algorithmSuite(suiteId);
  if (!suite) throw new MessageFormatError(`unsupported algorithm suite 0x${hex(suiteId)}`);
  if (suite.messageFormat !== version) throw new MessageFormatError(`algorithm suite 0x${hex(suiteId)} is not written in message format ${version}`);
  const messageId = reader.take(messageIdBytes(version));
  const aad = reader.field();
  if (!messageId || !aad) return undefined;
  const encryptionContext = parseEncryptionContext(aad);
  const encryptedDataKeys = readEncryptedDataKeys(reader, limits);
  if (!encryptedDataKeys) return undefined;
  const contentType = reader.u8();
  if (contentType === undefined) return undefined;
  if (contentType !== CONTENT_TYPE_FRAMED && contentType !== CONTENT_TYPE_NON_FRAMED) throw new MessageFormatError(`unknown content type ${contentType}`);
  if (version === 1) {
    const reserved = reader.u32();
    const ivLength = reader.u8();
    if (ivLength === undefined) return undefined;
    if (reserved !== 0) throw new MessageFormatError('the reserved field of a version 1.0 header is not zero');
    if (ivLength !== IV_BYTES) throw new MessageFormatError(`IV length ${ivLength} where the algorithm suite uses ${IV_BYTES}`);
  }
  const frameLength = reader.u32();
  if (frameLength === undefined) return undefined;
  if (contentType === CONTENT_TYPE_FRAMED && frameLength === 0) throw new MessageFormatError('a framed message with a frame length of 0');
  if (contentType === CONTENT_TYPE_NON_FRAMED && frameLength !== 0) throw new MessageFormatError('a non-framed message must have a frame length of 0');
  const commitKey = version === 2 ? reader.take(COMMIT_KEY_BYTES) : undefined;
  const bodyEnd = reader.at;
  const iv = version === 1 ? reader.take(IV_BYTES) : new Uint8Array(IV_BYTES);
  const tag = reader.take(TAG_BYTES);
  if ((version === 2 && !commitKey) || !iv || !tag) return undefined;
  const header: MessageHeader = {
    version, suiteId, messageId: copyBytes(messageId), encryptionContext, encryptedDataKeys, contentType, frameLength,
    ...(commitKey ? { commitKey: copyBytes(commitKey) } : {}),
  };
  return { header, suite, body: bytes.subarray(0, bodyEnd), iv: copyBytes(iv), tag: copyBytes(tag), headerBytes: reader.at };
}

function readEncryptedDataKeys(reader: ByteReader, limits: HeaderLimits): EncryptedDataKey[] | undefined {
  const count = reader.u16();
  if (count === undefined) return undefined;
  if (count === 0) throw new MessageFormatError('the header carries no encrypted data key');
  if (limits.maxEncryptedDataKeys !== undefined && count > limits.maxEncryptedDataKeys) {
    throw new MessageFormatError(`the message has ${count} encrypted data keys, more than maxEncryptedDataKeys (${limits.maxEncryptedDataKeys})`);
  }
  const keys: EncryptedDataKey[] = [];
  for (let i = 0; i < count; i++) {
    const providerId = reader.field();
    const providerInfo = providerId && reader.field();
    const ciphertext = providerInfo && reader.field();
    if (!providerId || !providerInfo || !ciphertext) return undefined;
    keys.push({ providerId: utf8(providerId), providerInfo: copyBytes(providerInfo), ciphertext: copyBytes(ciphertext) });
  }
  return keys;
}

/** The header's AAD back into an encryption context: every byte accounted for, no key twice. */
function parseEncryptionContext(aad: Uint8Array): EncryptionContext {
  if (aad.length === 0) return {};
  const reader = new ByteReader(aad);
  const count = reader.u16()!;
  if (count === 0) throw new MessageFormatError('the header AAD holds an encryption context of 0 pairs (an empty context is written as no AAD)');
  const pairs = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const key = reader.field();
    const value = key && reader.field();
    if (!key || !value) throw new MessageFormatError('the header AAD ends inside its encryption context');
    const name = utf8(key);
    if (pairs.has(name)) throw new MessageFormatError(`the encryption context repeats the key "${name}"`);
    pairs.set(name, utf8(value));
  }
  if (reader.at !== aad.length) throw new MessageFormatError('the header AAD has bytes after its encryption context');
  // fromEntries keeps a key such as "__proto__" as the context's own (assignment would not).
  return Object.fromEntries(pairs);
}

function utf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new MessageFormatError('a header string is not valid UTF-8');
  }
}
