// Imported key material (BYOK): wrapping key pairs for GetParametersForImport and unwrapping for
// ImportKeyMaterial, with WebCrypto's RSA-OAEP (Node and browsers). The private key is kept only
// wrapped under the root key; the material is remembered by an HMAC commitment, so a re-import can be
// checked to be the same material even after the material itself was deleted.

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { bytesToBase64 } from '../core/base64.js';
import { kmsError } from './kms-errors.js';
import { unwrapMaterial, wrapMaterial } from './key-material.js';

export const WRAPPING_KEY_SPECS = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 } as const;
export type WrappingKeySpec = keyof typeof WRAPPING_KEY_SPECS;
export const WRAPPING_ALGORITHMS = ['RSAES_OAEP_SHA_256'] as const;
/** Import parameters expire after 24 hours, as in AWS. */
export const IMPORT_PARAMETERS_VALID_HOURS = 24;

export interface ImportParameters {
  token: string;
  /** The PKCS#8 private key, wrapped under the root key like key material (version 0). */
  wrappedPrivateKey: string;
  validTo: string;
}

const encoder = new TextEncoder();
const RSA_OAEP = (bits: number) => ({ name: 'RSA-OAEP', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' });

export async function newImportParameters(rootKey: Uint8Array, keyId: string, spec: WrappingKeySpec, validTo: Date):
  Promise<{ parameters: ImportParameters; publicKey: Uint8Array }> {
  const pair = await crypto.subtle.generateKey(RSA_OAEP(WRAPPING_KEY_SPECS[spec]), true, ['encrypt', 'decrypt']) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  const privateKey = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  try {
    return {
      parameters: {
        token: bytesToBase64(crypto.getRandomValues(new Uint8Array(48))),
        wrappedPrivateKey: wrapMaterial(rootKey, keyId, 0, privateKey),
        validTo: validTo.toISOString(),
      },
      publicKey,
    };
  } finally {
    privateKey.fill(0);
  }
}

/** Decrypts EncryptedKeyMaterial with the parameters' private key; the caller zeroes the result. */
export async function unwrapImportedMaterial(rootKey: Uint8Array, keyId: string, parameters: ImportParameters, encrypted: Uint8Array): Promise<Uint8Array> {
  // gcm() output owns a plain ArrayBuffer; asserting that (not copying) leaves one buffer to zero below.
  const pkcs8 = unwrapMaterial(rootKey, keyId, 0, parameters.wrappedPrivateKey) as Uint8Array<ArrayBuffer>;
  try {
    const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
    const material = new Uint8Array(await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, privateKey, new Uint8Array(encrypted)));
    if (material.length !== 32) {
      material.fill(0);
      throw kmsError('ValidationException', `EncryptedKeyMaterial: the key material must be 32 bytes (a 256-bit key), got ${material.length}`);
    }
    return material;
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationException') throw error;
    throw kmsError('InvalidCiphertextException', 'EncryptedKeyMaterial does not decrypt with the wrapping key of this ImportToken (RSAES_OAEP_SHA_256)');
  } finally {
    pkcs8.fill(0);
  }
}

/** A commitment to imported material, keyed by the root key, so equality can be checked later. */
export function materialCommitment(rootKey: Uint8Array, keyId: string, material: Uint8Array): string {
  const mac = hmac(sha256, rootKey, new Uint8Array([...encoder.encode(`kms-wasm imported material|${keyId}|`), ...material]));
  return bytesToHex(mac);
}
