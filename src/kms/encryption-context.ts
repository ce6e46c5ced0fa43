// A KMS request's encryption context: checked as AWS KMS checks it, and the policy condition keys
// it provides. The type and its canonical encoding live with the envelope formats.

import type { EncryptionContext } from '../envelope/encryption-context.js';
import type { ConditionContext } from '../policy/index.js';
import { kmsError } from './kms-errors.js';

export type { EncryptionContext };

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

/** The policy condition keys an encryption context provides. */
export function encryptionContextConditions(context: EncryptionContext): ConditionContext {
  const keys = Object.keys(context);
  return {
    ...Object.fromEntries(keys.map((k) => [`kms:EncryptionContext:${k}`, context[k]])),
    'kms:EncryptionContextKeys': keys.length > 0 ? keys : undefined,
  };
}
