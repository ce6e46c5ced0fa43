// Encryption contexts: string pairs bound to a ciphertext as additional authenticated data. The
// canonical form (keys sorted by their UTF-8 bytes, each key and value length-prefixed) makes the
// same pairs in any order authenticate alike, and no two different contexts collide. The envelope
// formats and the KMS's ciphertext blobs (kms sits above envelope) both bind it.

import { InvalidInputError } from '../core/errors.js';
import { compareBytes } from '../core/bytes.js';

export type EncryptionContext = Record<string, string>;

const encoder = new TextEncoder();

/** count (u16) then, per pair in key order: key length (u16), key, value length (u16), value. */
export function canonicalEncryptionContext(context: EncryptionContext): Uint8Array {
  const pairs = Object.entries(context).map(([k, v]) => [encoder.encode(k), encoder.encode(v)] as const)
    .sort((a, b) => compareBytes(a[0], b[0]));
  if (pairs.length > 0xffff) throw new InvalidInputError('encryptionContext', `at most 65535 pairs, got ${pairs.length}`);
  const size = 2 + pairs.reduce((n, [k, v]) => n + 4 + k.length + v.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(0, pairs.length);
  let at = 2;
  for (const [key, value] of pairs) {
    if (key.length > 0xffff || value.length > 0xffff) throw new InvalidInputError('encryptionContext', 'keys and values are limited to 65535 bytes');
    for (const part of [key, value]) {
      view.setUint16(at, part.length);
      out.set(part, at + 2);
      at += 2 + part.length;
    }
  }
  return out;
}
