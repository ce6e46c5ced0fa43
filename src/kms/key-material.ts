// Key material at rest: each 256-bit version is wrapped under the store's root key with AES-256-GCM
// (constant-time GHASH), its key id and version bound as AAD, so a wrapped version cannot be
// swapped onto another key or version.

import { gcm } from '../core/gcm.js';
import { kmsError } from './kms-errors.js';

const encoder = new TextEncoder();
const aadFor = (keyId: string, version: number) => encoder.encode(`kms-wasm key material v1|${keyId}|${version}`);

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function wrapMaterial(rootKey: Uint8Array, keyId: string, version: number, material: Uint8Array): string {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = gcm(rootKey, iv, aadFor(keyId, version), { constantTime: true }).encrypt(material);
  const out = new Uint8Array(12 + sealed.length);
  out.set(iv);
  out.set(sealed, 12);
  return toBase64(out);
}

/** The caller zeroes the returned material when done with it. */
export function unwrapMaterial(rootKey: Uint8Array, keyId: string, version: number, wrapped: string): Uint8Array {
  const bytes = fromBase64(wrapped);
  try {
    return gcm(rootKey, bytes.subarray(0, 12), aadFor(keyId, version), { constantTime: true }).decrypt(bytes.subarray(12));
  } catch {
    throw kmsError('KMSInvalidStateException', `the stored key material of ${keyId} (version ${version}) does not authenticate under this store's root key`);
  }
}
