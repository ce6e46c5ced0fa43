// Encryption materials: the data key, the encryption context, and the data key wrapped by whoever
// will unwrap it (a keyring such as kms-keyring.ts). Kept apart from the byte format and from
// keyrings, as in the AWS Encryption SDK.

import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidInputError } from '../core/errors.js';
import { requireBytes } from '../core/validate.js';
import type { EncryptionContext } from './encryption-context.js';
import { ALGORITHM_AES256_GCM_HKDF_SHA256, type MessageHeader, type WrappedKey } from './message-format.js';

export interface EncryptionMaterials {
  /** 32 bytes; the encryptor never keeps it past deriving the message key. */
  dataKey: Uint8Array;
  encryptionContext: EncryptionContext;
  wrappedKeys: WrappedKey[];
}

/** Refuses materials no message can be written from: a data key of 32 bytes and at least one wrapped copy of it. */
export function requireMaterials(materials: EncryptionMaterials): void {
  requireBytes('dataKey', materials?.dataKey, 32);
  if (!Array.isArray(materials.wrappedKeys) || materials.wrappedKeys.length === 0) {
    throw new InvalidInputError('wrappedKeys', 'at least one wrapped copy of the data key is needed, or nobody could decrypt');
  }
}

/** Finds and unwraps the data key of a message from its header (e.g. through KMS). */
export type DataKeyResolver = (header: MessageHeader) => Promise<Uint8Array>;

/** The per-message key: HKDF-SHA-256(data key, salt = message id, info = label ‖ algorithm). Caller zeroes it. */
export function deriveMessageKey(dataKey: Uint8Array, messageId: Uint8Array): Uint8Array {
  const info = new TextEncoder().encode(`kms-wasm envelope v1 alg ${ALGORITHM_AES256_GCM_HKDF_SHA256}`);
  return hkdf(sha256, dataKey, messageId, info, 32);
}
