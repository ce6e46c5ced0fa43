// Request bodies as bytes, and the ETags computed from them.

import { bytesToHex } from '@noble/hashes/utils.js';
import { s3Error } from './s3-errors.js';

export function toBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return new TextEncoder().encode(body);
  throw s3Error('InvalidArgument', 'Body: expected a Uint8Array or a string');
}

/** The first 16 bytes of the SHA-256 of the plaintext, quoted (S3 uses MD5; we do not). */
export async function etagOf(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(bytes)));
  return `"${bytesToHex(digest.subarray(0, 16))}"`;
}
