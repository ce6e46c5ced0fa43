// SSE-C: the customer's 256-bit AES key, which S3 uses for one request and keeps no copy of (S3 User
// Guide, "Using server-side encryption with customer-provided keys (SSE-C)"). Every request on such
// an object carries the key (base64) and its MD5 (base64), computed here, in the page. The page never
// stores the key (it stays in the field it was typed in) and never logs it.

import { md5 } from '@noble/hashes/legacy.js';
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
