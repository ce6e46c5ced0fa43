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
import { concatBytes } from '../core/bytes.js';
import { InvalidInputError } from '../core/errors.js';
import { preparedGcm } from '../core/gcm.js';
import type { PreparedGcmKey } from '../core/gcm-state.js';
import { canonicalEncryptionContext, type EncryptionContext } from '../envelope/encryption-context.js';
import { kmsError } from './kms-errors.js';
import { randomBytes } from './random-pool.js';

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

export function encodeBlobHeader(header: BlobHeader): Uint8Array {
  const out = new Uint8Array(BLOB_HEADER_BYTES);
  out[0] = BLOB_VERSION;
  out.set(uuidToBytes(header.keyId), 1);
  new DataView(out.buffer).setUint32(17, header.materialVersion);
  out.set(header.iv, 21);
  return out;
}

/**
 * Reads the header, or throws InvalidCiphertextException for anything that cannot be a v1 blob, before
 * any key is looked up. (The request shape has checked that it is bytes.)
 */
export function decodeBlobHeader(blob: Uint8Array): BlobHeader {
  if (blob.length < MIN_BLOB_BYTES || blob[0] !== BLOB_VERSION) {
    throw kmsError('InvalidCiphertextException', 'CiphertextBlob is not a ciphertext this KMS produced');
  }
  return {
    keyId: bytesToUuid(blob.subarray(1, 17)),
    materialVersion: new DataView(blob.buffer, blob.byteOffset).getUint32(17),
    iv: blob.slice(21, 33),
  };
}

/** A v1 blob of `plaintext` under one version of a key's material (prepared: key-material-cache.ts). */
export function sealBlob(material: PreparedGcmKey, keyId: string, materialVersion: number, plaintext: Uint8Array, context: EncryptionContext): Uint8Array {
  const header = encodeBlobHeader({ keyId, materialVersion, iv: randomBytes(12) });
  const sealed = preparedGcm(material, header.subarray(21, BLOB_HEADER_BYTES), blobAad(header, context)).encrypt(plaintext);
  return concatBytes([header, sealed]);
}

/**
 * The plaintext of a blob whose header (decodeBlobHeader) named `material`'s key and version; throws
 * InvalidCiphertextException, releasing nothing, if the blob or its encryption context is not the one sealed.
 */
export function openBlob(material: PreparedGcmKey, blob: Uint8Array, header: BlobHeader, context: EncryptionContext): Uint8Array {
  try {
    return preparedGcm(material, header.iv, blobAad(blob.subarray(0, BLOB_HEADER_BYTES), context)).decrypt(blob.subarray(BLOB_HEADER_BYTES));
  } catch {
    throw kmsError('InvalidCiphertextException', 'the ciphertext, or its encryption context, is not the one this key produced');
  }
}

/** The GCM AAD: the blob's header, then the canonical encryption context. */
function blobAad(header: Uint8Array, context: EncryptionContext): Uint8Array {
  try {
    return concatBytes([header, canonicalEncryptionContext(context)]);
  } catch (error) {
    if (error instanceof InvalidInputError) throw kmsError('ValidationException', `EncryptionContext: ${error.message}`);
    throw error;
  }
}
