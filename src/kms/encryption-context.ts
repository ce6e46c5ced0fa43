// Encryption contexts: string pairs bound to a ciphertext as additional authenticated data. The
// canonical form (keys sorted by their UTF-8 bytes, each key and value length-prefixed) makes the
// same pairs in any order authenticate alike, and no two different contexts collide.

import { compareBytes } from '../core/validate.js';
import { kmsError } from './kms-errors.js';
import type { ConditionContext } from '../policy/index.js';

export type EncryptionContext = Record<string, string>;

export function checkEncryptionContext(context: unknown): EncryptionContext {
  if (context === undefined) return {};
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw kmsError('ValidationException', 'EncryptionContext: expected an object of string keys and string values');
  }
  for (const [key, value] of Object.entries(context)) {
    if (key.length === 0 || typeof value !== 'string') {
      throw kmsError('ValidationException', `EncryptionContext: every key must be a non-empty string with a string value (key "${key}")`);
    }
  }
  return context as EncryptionContext;
}

const encoder = new TextEncoder();

/** count (u16) then, per pair in key order: key length (u16), key, value length (u16), value. */
export function canonicalEncryptionContext(context: EncryptionContext): Uint8Array {
  const pairs = Object.entries(context).map(([k, v]) => [encoder.encode(k), encoder.encode(v)] as const)
    .sort((a, b) => compareBytes(a[0], b[0]));
  if (pairs.length > 0xffff) throw kmsError('ValidationException', `EncryptionContext: at most 65535 pairs, got ${pairs.length}`);
  const size = 2 + pairs.reduce((n, [k, v]) => n + 4 + k.length + v.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(0, pairs.length);
  let at = 2;
  for (const [key, value] of pairs) {
    if (key.length > 0xffff || value.length > 0xffff) throw kmsError('ValidationException', 'EncryptionContext: keys and values are limited to 65535 bytes');
    for (const part of [key, value]) {
      view.setUint16(at, part.length);
      out.set(part, at + 2);
      at += 2 + part.length;
    }
  }
  return out;
}

/** The policy condition keys an encryption context provides. */
export function encryptionContextConditions(context: EncryptionContext): ConditionContext {
  const keys = Object.keys(context);
  return {
    ...Object.fromEntries(keys.map((k) => [`kms:EncryptionContext:${k}`, context[k]])),
    'kms:EncryptionContextKeys': keys.length > 0 ? keys : undefined,
  };
}
