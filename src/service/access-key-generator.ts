// New identifiers in AWS's shapes: access key ids (AKIA + 16 base32 characters), 40-character secret
// access keys, and user ids (AIDA + 17), from crypto.getRandomValues.

import { bytesToBase64 } from '../core/base64.js';

export interface AccessKeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `length` characters of base32; 256 is a multiple of 32, so byte % 32 is uniform. */
function randomBase32(length: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) => BASE32[byte % 32]).join('');
}

export function newAccessKey(): AccessKeyPair {
  // 30 random bytes are exactly 40 base64 characters (no padding), the length of an AWS secret.
  return { accessKeyId: `AKIA${randomBase32(16)}`, secretAccessKey: bytesToBase64(crypto.getRandomValues(new Uint8Array(30))) };
}

export const newUserId = () => `AIDA${randomBase32(17)}`;
