// The kms:… and resource-tag condition keys AWS KMS puts into a request's context (AWS KMS
// Developer Guide, "AWS KMS condition keys"; Service Authorization Reference, "Actions, resources,
// and condition keys for AWS Key Management Service"). The global aws:… keys come from the policy
// layer. Not here because this KMS has no such operations: kms:DataKeyPairSpec, kms:MacAlgorithm,
// kms:SigningAlgorithm, kms:MessageType, kms:RecipientAttestation:*, kms:CustomerMasterKeySpec.

import type { Caller, ConditionContext } from '../policy/index.js';
import { accountOf } from '../policy/index.js';
import type { KeyRecord } from './key-store.js';

type Tags = ReadonlyArray<{ TagKey: string; TagValue: string }>;

/** The operations whose request AWS gives kms:EncryptionAlgorithm (symmetric keys: SYMMETRIC_DEFAULT). */
const ENCRYPTING_OPERATIONS = new Set(['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext']);

/**
 * aws:RequestTag/KEY for each tag in a request, and aws:TagKeys (multivalued). Runs before the tags
 * are validated (authorization comes first), so entries that are not objects are left out here and
 * refused by the operation's own check.
 */
export function requestTagConditions(tags: Tags): ConditionContext {
  const entries = tags.filter((t) => typeof t === 'object' && t !== null);
  return {
    ...Object.fromEntries(entries.map((t) => [`aws:RequestTag/${t.TagKey}`, t.TagValue])),
    'aws:TagKeys': entries.map((t) => t.TagKey),
  };
}

/**
 * The keys every operation on an existing key sees: the caller's account and the calling service,
 * the key's spec, usage, origin, aliases and tags, and the alias the request named the key by.
 */
export function keyConditions(operation: string, key: KeyRecord, caller: Caller, aliases: string[], requestAlias: string | undefined): ConditionContext {
  return {
    'kms:CallerAccount': accountOf(caller.principal),
    'kms:ViaService': caller.viaService,
    'kms:KeySpec': 'SYMMETRIC_DEFAULT',
    'kms:KeyUsage': key.keyUsage,
    'kms:KeyOrigin': key.origin,
    'kms:MultiRegion': 'false',
    'kms:ResourceAliases': aliases,
    'kms:RequestAlias': requestAlias,
    'kms:EncryptionAlgorithm': ENCRYPTING_OPERATIONS.has(operation) ? 'SYMMETRIC_DEFAULT' : undefined,
    ...Object.fromEntries(key.tags.map((t) => [`aws:ResourceTag/${t.TagKey}`, t.TagValue])),
  };
}

/** CreateKey: what the new key would be. */
export function createKeyConditions(request: { KeyUsage?: string; Origin?: string; Tags?: Tags; BypassPolicyLockoutSafetyCheck?: boolean }): ConditionContext {
  return {
    'kms:KeySpec': 'SYMMETRIC_DEFAULT',
    'kms:KeyUsage': request.KeyUsage ?? 'ENCRYPT_DECRYPT',
    'kms:KeyOrigin': request.Origin ?? 'AWS_KMS',
    'kms:MultiRegion': 'false',
    'kms:BypassPolicyLockoutSafetyCheck': String(request.BypassPolicyLockoutSafetyCheck === true),
    ...(Array.isArray(request.Tags) && request.Tags.length > 0 ? requestTagConditions(request.Tags) : {}),
  };
}

/** kms:GrantIsForAWSResource: true when an AWS service integrated with KMS makes the grant call for the caller. */
export const grantIsForAwsResource = (caller: Caller | undefined): ConditionContext =>
  ({ 'kms:GrantIsForAWSResource': caller?.viaService ? 'true' : 'false' });

/** CreateGrant's own keys. */
export function createGrantConditions(request: { GranteePrincipal?: unknown; RetiringPrincipal?: unknown; Operations?: unknown;
  Constraints?: unknown }, caller: Caller | undefined): ConditionContext {
  const constraints = typeof request.Constraints === 'object' && request.Constraints !== null ? Object.keys(request.Constraints) : [];
  return {
    ...grantIsForAwsResource(caller),
    'kms:GrantOperations': Array.isArray(request.Operations) ? request.Operations.map(String) : undefined,
    'kms:GranteePrincipal': typeof request.GranteePrincipal === 'string' ? request.GranteePrincipal : undefined,
    'kms:RetiringPrincipal': typeof request.RetiringPrincipal === 'string' ? request.RetiringPrincipal : undefined,
    'kms:GrantConstraintType': constraints.length > 0 ? constraints : undefined,
  };
}

/** A number as a condition value, if the request gave one. */
export const numberCondition = (value: unknown): string | undefined => (typeof value === 'number' ? String(value) : undefined);
