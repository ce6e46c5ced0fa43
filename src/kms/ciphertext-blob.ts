// The ciphertext blob that encrypt and generateDataKey return (format version 1):
//
//   offset  size  field
//   0       1     format version (0x01)
//   1       16    key id (the UUID's 16 bytes)
//   17      4     key-material version, big-endian
//   21      12    IV (random per blob)
//   33      n+16  AES-256-GCM ciphertext || tag
//
// The GCM AAD is bytes 0..32 (the header) followed by the canonical encryption context, so a blob
// cannot be moved to another key or version, nor opened with another context.

import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { InvalidInputError } from '../core/errors.js';
import type { PreparedGcmKey } from '../core/gcm-state.js';
import { canonicalEncryptionContext, type EncryptionContext } from '../envelope/encryption-context.js';
import { kmsError } from './kms-errors.js';
import { randomInto } from './random-pool.js';

export const BLOB_VERSION = 1;
export const BLOB_HEADER_BYTES = 33;
const TAG_BYTES = 16;
/** Header, ciphertext and tag: KMS never encrypts an empty plaintext (Plaintext is 1–4096 bytes). */
const MIN_BLOB_BYTES = BLOB_HEADER_BYTES + 1 + TAG_BYTES;

export interface BlobHeader {
  keyId: string;
  materialVersion: number;
  iv: Uint8Array;
}

/** The 16 bytes of a key id (a UUID this KMS made). */
export function uuidToBytes(uuid: string): Uint8Array {
  return hexToBytes(uuid.replace(/-/g, ''));
}

export function bytesToUuid(bytes: Uint8Array): string {
  const hex = bytesToHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The key id last sealed or opened, as text and as its 16 bytes: nearly every blob of a run names
 * the same key, and comparing 16 bytes (or two strings) costs less than converting between them.
 */
let lastKeyId: { text: string; bytes: Uint8Array } = { text: '00000000-0000-0000-0000-000000000000', bytes: new Uint8Array(16) };

function keyIdBytes(keyId: string): Uint8Array {
  if (keyId !== lastKeyId.text) lastKeyId = { text: keyId, bytes: uuidToBytes(keyId) };
  return lastKeyId.bytes;
}

/** The key id in a blob's bytes 1..16. */
function keyIdOf(blob: Uint8Array): string {
  const { bytes } = lastKeyId;
  for (let i = 0; i < 16; i++) {
    if (blob[1 + i] !== bytes[i]) {
      const read = blob.slice(1, 17);
      lastKeyId = { text: bytesToUuid(read), bytes: read };
      break;
    }
  }
  return lastKeyId.text;
}

/**
 * Reads the header, or throws InvalidCiphertextException for anything that cannot be a v1 blob, before
 * any key is looked up. (The request shape has checked that it is bytes.) The IV is a view of the blob.
 */
export function decodeBlobHeader(blob: Uint8Array): BlobHeader {
  if (blob.length < MIN_BLOB_BYTES || blob[0] !== BLOB_VERSION) {
    throw kmsError('InvalidCiphertextException', 'CiphertextBlob is not a ciphertext this KMS produced');
  }
  return { keyId: keyIdOf(blob), materialVersion: readUint32(blob, 17), iv: blob.subarray(21, 33) };
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** A v1 blob of `plaintext` under one version of a key's material (prepared: key-material-cache.ts), assembled in place. */
export function sealBlob(material: PreparedGcmKey, keyId: string, materialVersion: number, plaintext: Uint8Array, context: EncryptionContext): Uint8Array {
  const blob = new Uint8Array(BLOB_HEADER_BYTES + plaintext.length + TAG_BYTES);
  blob[0] = BLOB_VERSION;
  blob.set(keyIdBytes(keyId), 1);
  blob[17] = materialVersion >>> 24;
  blob[18] = materialVersion >>> 16;
  blob[19] = materialVersion >>> 8;
  blob[20] = materialVersion;
  randomInto(blob, 21, 12);
  const header = blob.subarray(0, BLOB_HEADER_BYTES);
  material.sealShort(header.subarray(21), blobAad(header, context), plaintext, blob, BLOB_HEADER_BYTES);
  return blob;
}

/**
 * The plaintext of a blob whose header (decodeBlobHeader) named `material`'s key and version; throws
 * InvalidCiphertextException, releasing nothing, if the blob or its encryption context is not the one sealed.
 */
export function openBlob(material: PreparedGcmKey, blob: Uint8Array, header: BlobHeader, context: EncryptionContext): Uint8Array {
  const plaintext = new Uint8Array(blob.length - BLOB_HEADER_BYTES - TAG_BYTES);
  try {
    material.openShort(header.iv, blobAad(blob.subarray(0, BLOB_HEADER_BYTES), context), blob.subarray(BLOB_HEADER_BYTES), plaintext, 0);
    return plaintext;
  } catch {
    throw kmsError('InvalidCiphertextException', 'the ciphertext, or its encryption context, is not the one this key produced');
  }
}

/** The GCM AAD: the blob's header, then the canonical encryption context (for none, its two zero bytes of count, written directly). */
function blobAad(header: Uint8Array, context: EncryptionContext): Uint8Array {
  let canonical: Uint8Array | undefined;
  for (const _ in context) {
    try {
      canonical = canonicalEncryptionContext(context);
    } catch (error) {
      if (error instanceof InvalidInputError) throw kmsError('ValidationException', `EncryptionContext: ${error.message}`);
      throw error;
    }
    break;
  }
  const aad = new Uint8Array(BLOB_HEADER_BYTES + (canonical?.length ?? 2));
  aad.set(header);
  if (canonical) aad.set(canonical, BLOB_HEADER_BYTES);
  return aad;
}
