// The S3 Encryption Client v2 metadata that travels with a client-side encrypted object (as
// x-amz-meta-* headers): the wrapped data key and how to unwrap it, the content algorithm, and the
// plaintext length. One builder for S3EncryptionClient and for the browser console's uploads, so
// both write the same fields and each can read what the other wrote.

import { bytesToBase64 } from '../core/base64.js';

/** AWS's S3 Encryption Client v2 body: AES-256-GCM over the whole object, the 16-byte tag appended. */
export const GCM_CEK_ALG = 'AES/GCM/NoPadding';
/**
 * A body in kms-wasm's framed envelope (docs/format.md: AES-256-GCM frames under an HKDF-derived
 * key), which can be written and read as a stream. kms-wasm's own value: AWS's S3 Encryption
 * Clients know only their AES/GCM and AES/CBC bodies, so they cannot read these objects.
 */
export const FRAMED_CEK_ALG = 'kms-wasm/framed-envelope-v1';
/** The data key wrapped by KMS under the encryption context in x-amz-matdesc. */
export const KMS_WRAP_ALG = 'kms+context';

/** The metadata (without the x-amz-meta- prefix); `iv` only for GCM_CEK_ALG bodies (a framed body's nonces are its own). */
export function cseMetadata(fields: { wrapped: Uint8Array; wrapAlg: string; matdesc: Record<string, string>; cekAlg: string; plaintextBytes: number; iv?: Uint8Array }): Record<string, string> {
  return {
    'x-amz-key-v2': bytesToBase64(fields.wrapped), 'x-amz-cek-alg': fields.cekAlg, 'x-amz-wrap-alg': fields.wrapAlg,
    'x-amz-matdesc': JSON.stringify(fields.matdesc), ...(fields.iv ? { 'x-amz-iv': bytesToBase64(fields.iv), 'x-amz-tag-len': '128' } : {}),
    'x-amz-unencrypted-content-length': String(fields.plaintextBytes),
  };
}
