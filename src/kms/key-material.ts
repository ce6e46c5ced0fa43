// Key material at rest: each 256-bit version is wrapped under the store's root key with AES-256-GCM
// (constant-time GHASH), its key id and version bound as AAD, so a wrapped version cannot be
// swapped onto another key or version.

import { base64ToBytes, bytesToBase64 } from '../core/base64.js';
import { gcm } from '../core/gcm.js';
import { kmsError } from './kms-errors.js';

const encoder = new TextEncoder();
const aadFor = (keyId: string, version: number) => encoder.encode(`kms-wasm key material v1|${keyId}|${version}`);

export function wrapMaterial(rootKey: Uint8Array, keyId: string, version: number, material: Uint8Array): string {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = gcm(rootKey, iv, aadFor(keyId, version), { constantTime: true }).encrypt(material);
  const out = new Uint8Array(12 + sealed.length);
  out.set(iv);
  out.set(sealed, 12);
  return bytesToBase64(out);
}

/** The caller zeroes the returned material when done with it. */
export function unwrapMaterial(rootKey: Uint8Array, keyId: string, version: number, wrapped: string): Uint8Array {
  try {
    const bytes = base64ToBytes(wrapped);
    return gcm(rootKey, bytes.subarray(0, 12), aadFor(keyId, version), { constantTime: true }).decrypt(bytes.subarray(12));
  } catch {
    throw kmsError('KMSInvalidStateException', `the stored key material of ${keyId} (version ${version}) does not authenticate under this store's root key`);
  }
}
