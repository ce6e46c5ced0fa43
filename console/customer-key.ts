// SSE-C: the customer's 256-bit AES key, which S3 uses for one request and keeps no copy of (S3 User
// Guide, "Using server-side encryption with customer-provided keys (SSE-C)"). Every request on such
// an object carries the key (base64) and its MD5 (base64), computed here, in the page. The page never
// stores the key (it stays in the field it was typed in) and never logs it. The key is typed
// (base64), generated, or derived from a passphrase (passphraseCustomerKey).

import { md5 } from '@noble/hashes/legacy.js';
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64ToBytesOrUndefined, bytesToBase64 } from '../src/core/base64.js';
import { AwsError } from './aws-calls.js';

const SSE_C = 'x-amz-server-side-encryption-customer';

/** A fresh key from crypto.getRandomValues, as base64 (44 characters). */
export function generateCustomerKey(): string {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const text = bytesToBase64(key);
  key.fill(0);
  return text;
}

/**
 * The SSE-C headers for the key in `text` (base64 of exactly 32 bytes); anything else is refused
 * in S3's words before a request is sent.
 */
export function customerKeyHeaders(text: string): Record<string, string> {
  const key = base64ToBytesOrUndefined(text.trim());
  if (key?.length !== 32) {
    key?.fill(0);
    throw new AwsError('InvalidArgument', 'Customer key (SSE-C): expected base64 of a 256-bit key');
  }
  const headers = { [`${SSE_C}-algorithm`]: 'AES256', [`${SSE_C}-key`]: bytesToBase64(key), [`${SSE_C}-key-md5`]: bytesToBase64(md5(key)) };
  key.fill(0);
  return headers;
}

/**
 * PBKDF2-HMAC-SHA-256 iterations: OWASP's figure for it (Password Storage Cheat Sheet, 600,000), as a
 * passphrase-derived key is exposed to offline guessing by anyone who holds the object's ciphertext.
 */
const PASSPHRASE_ITERATIONS = 600_000;

/**
 * The SSE-C key for object `key` of `bucket` from `passphrase`, as base64: PBKDF2-HMAC-SHA-256
 * (RFC 8018), 600,000 iterations, salt the UTF-8 of "kms-wasm console SSE-C v1", NUL, the bucket,
 * NUL, the object key — so one passphrase gives each object its own key and no guess is shared
 * between objects. Web Crypto's where the page has it (a secure context), else @noble/hashes'.
 */
export async function passphraseCustomerKey(passphrase: string, bucket: string, key: string): Promise<string> {
  if (passphrase.length === 0) throw new AwsError('InvalidArgument', 'Customer key (SSE-C): the passphrase is empty');
  const encoder = new TextEncoder();
  const secret = encoder.encode(passphrase);
  const salt = encoder.encode(`kms-wasm console SSE-C v1\0${bucket}\0${key}`);
  const derived = crypto.subtle
    ? new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: PASSPHRASE_ITERATIONS },
      await crypto.subtle.importKey('raw', secret, 'PBKDF2', false, ['deriveBits']), 256))
    : await pbkdf2Async(sha256, secret, salt, { c: PASSPHRASE_ITERATIONS, dkLen: 32 });
  secret.fill(0);
  const text = bytesToBase64(derived);
  derived.fill(0);
  return text;
}
