// Grants: permissions on one key for one grantee, for a list of operations, optionally constrained
// to encryption contexts. A grant authorizes as soon as it is created; its token may also be
// passed in GrantTokens (which AWS needs before a new grant has propagated; here it is checked).

import { bytesToHex } from '@noble/hashes/utils.js';
import { bytesToBase64 } from '../core/base64.js';
import type { EncryptionContext } from './encryption-context.js';

export const GRANT_OPERATIONS = ['Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom',
  'ReEncryptTo', 'CreateGrant', 'RetireGrant', 'DescribeKey'] as const;
export type GrantOperation = (typeof GRANT_OPERATIONS)[number];

export interface GrantConstraints {
  /** The request's encryption context must be exactly this. */
  EncryptionContextEquals?: EncryptionContext;
  /** The request's encryption context must include these pairs. */
  EncryptionContextSubset?: EncryptionContext;
}

export interface GrantRecord {
  grantId: string;
  grantToken: string;
  keyId: string;
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  operations: GrantOperation[];
  constraints?: GrantConstraints;
  issuingAccount: string;
  creationDate: string;
}

export function newGrantIdentifiers(): { grantId: string; grantToken: string } {
  return {
    grantId: bytesToHex(crypto.getRandomValues(new Uint8Array(32))),
    grantToken: bytesToBase64(crypto.getRandomValues(new Uint8Array(48))),
  };
}

/**
 * The operations of a CreateGrant request, each once. Their names and the constraints' shape were
 * checked with the request (request-shapes.ts), before the caller was authorized.
 */
export function distinctOperations(operations: GrantOperation[]): GrantOperation[] {
  return [...new Set(operations)];
}

/** Whether `pairs` holds `key` (compared regardless of case, as AWS KMS compares constraint keys) with exactly `value`. */
function holdsPair(pairs: Array<[string, string]>, key: string, value: string): boolean {
  const wanted = key.toLowerCase();
  return pairs.some(([k, v]) => v === value && k.toLowerCase() === wanted);
}

function constraintsHold(constraints: GrantConstraints | undefined, context: EncryptionContext): boolean {
  if (!constraints) return true;
  const pairs = Object.entries(context);
  const { EncryptionContextEquals: equals, EncryptionContextSubset: subset } = constraints;
  if (equals) {
    const required = Object.entries(equals);
    if (pairs.length !== required.length || !required.every(([k, v]) => holdsPair(pairs, k, v))
      || !pairs.every(([k, v]) => holdsPair(required, k, v))) return false;
  }
  if (subset && !Object.entries(subset).every(([k, v]) => holdsPair(pairs, k, v))) return false;
  return true;
}

/** The first of one key's `grants` that lets `principal` perform `operation` with this context. */
export function grantFor(grants: GrantRecord[], principal: string, operation: string, context: EncryptionContext): GrantRecord | undefined {
  return grants.find((g) => g.granteePrincipal === principal
    && (g.operations as string[]).includes(operation) && constraintsHold(g.constraints, context));
}
