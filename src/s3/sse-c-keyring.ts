// SSE-C: the customer sends a 256-bit key with every request. The store encrypts with it directly
// (as the data key of the envelope message), never stores it, and keeps only a randomly salted
// HMAC-SHA-256 of it, against which later requests' keys are checked in constant time.

import { hmac } from '@noble/hashes/hmac.js';
import { md5 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64ToBytes, base64ToBytesOrUndefined, bytesToBase64 } from '../core/base64.js';
import { constantTimeEqual } from '../core/bytes.js';
import type { EncryptionMaterials } from '../envelope/materials.js';
import { s3Error } from './s3-errors.js';

export const SSE_C_PROVIDER_ID = 'sse-c';
const LABEL = new TextEncoder().encode('kms-wasm sse-c key check v1');

export interface CustomerKeyRequest {
  SSECustomerAlgorithm?: string;
  /** base64 of the 32-byte key. */
  SSECustomerKey?: string;
  /** base64 of the key's MD5, as S3 requires (an integrity check of the header, not a secret). */
  SSECustomerKeyMD5?: string;
}

export interface CustomerKeyCheck {
  salt: string;
  mac: string;
}


/** The request's customer key, if it carries SSE-C headers; validated (algorithm, length, MD5). */
export function customerKeyOf(request: CustomerKeyRequest): Uint8Array | undefined {
  const { SSECustomerAlgorithm: algorithm, SSECustomerKey: encoded, SSECustomerKeyMD5: digest } = request;
  if (algorithm === undefined && encoded === undefined && digest === undefined) return undefined;
  if (algorithm !== 'AES256') throw s3Error('InvalidArgument', 'SSECustomerAlgorithm: expected AES256');
  const key = base64ToBytesOrUndefined(encoded);
  if (!key || key.length !== 32) throw s3Error('InvalidArgument', 'SSECustomerKey: expected base64 of a 256-bit key');
  const expected = base64ToBytesOrUndefined(digest);
  if (!expected || !constantTimeEqual(md5(key), expected)) {
    key.fill(0);
    throw s3Error('InvalidArgument', 'SSECustomerKeyMD5: does not match the MD5 of SSECustomerKey');
  }
  return key;
}

export function customerKeyCheck(key: Uint8Array): CustomerKeyCheck {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { salt: bytesToBase64(salt), mac: bytesToBase64(hmac(sha256, key, new Uint8Array([...salt, ...LABEL]))) };
}

/** Throws AccessDenied unless `key` is the one the check was made from (constant-time comparison). */
export function verifyCustomerKey(key: Uint8Array, check: CustomerKeyCheck): void {
  const mac = hmac(sha256, key, new Uint8Array([...base64ToBytes(check.salt), ...LABEL]));
  if (!constantTimeEqual(mac, base64ToBytes(check.mac))) {
    throw s3Error('AccessDenied', 'the SSE-C key does not match the key the object was stored with');
  }
}

/**
 * Envelope materials whose data key is the customer's key (nothing wrapped: nobody else can open it).
 * The same key may seal many objects: only the binding (body-binding.ts) tells their bodies apart.
 */
export function customerKeyMaterials(key: Uint8Array): EncryptionMaterials {
  return { dataKey: key, encryptionContext: {}, wrappedKeys: [{ providerId: SSE_C_PROVIDER_ID, keyId: 'customer-provided', blob: new Uint8Array(0) }] };
}
