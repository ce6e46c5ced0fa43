// The shape of every KeyManagementService request, with the member constraints of the AWS KMS API
// Reference (each action's "Request Parameters": lengths, ranges, enums), checked before a call
// does anything (so a malformed request is neither run nor audited, and changes nothing). A
// violation is a ValidationException worded as AWS words it:
//   1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null
// (member paths in camelCase, list members as `tags.1.member.tagKey`; bytes are never quoted).
// Rules that need the key directory (alias names, key states, grant tokens) stay with the operations.

import {
  boolean, bytes, date, integer, list, oneOf, optional, string, stringMap, structure, violationsOf,
  type Shape, type ShapeViolation,
} from '../core/request-shape.js';
import type * as Kms from './kms-api-types.js';
import { GRANT_OPERATIONS } from './grants.js';
import { WRAPPING_ALGORITHMS, WRAPPING_KEY_SPECS, type WrappingKeySpec } from './key-import.js';
import { kmsError, type KmsError } from './kms-errors.js';

const keyId = () => string({ min: 1, max: 2048 });
const grantTokens = () => optional(list(string({ min: 1, max: 8192, sensitive: true }), { max: 10 }));
const encryptionContext = () => optional(stringMap());
const algorithm = () => optional(oneOf(['SYMMETRIC_DEFAULT'] as const));
const principal = () => string({ min: 1, max: 256 });
const limit = () => optional(integer(1, 1000));
const marker = () => optional(string({ min: 1, max: 1024 }));
const tags = () => list(structure<Kms.Tag>('Tag', { TagKey: string({ min: 1, max: 128 }), TagValue: string({ max: 256 }) }));
const keyOnly = <T extends { KeyId: string }>(name: string) => structure<T>(name, { KeyId: keyId() } as never);
const dataKey = (name: string) => structure<Kms.GenerateDataKeyRequest>(name, {
  KeyId: keyId(), KeySpec: optional(oneOf(['AES_256', 'AES_128'] as const)), NumberOfBytes: optional(integer(1, 1024)),
  EncryptionContext: encryptionContext(), GrantTokens: grantTokens(),
});
const grantConstraints = structure<Kms.GrantConstraints>('GrantConstraints', {
  EncryptionContextEquals: encryptionContext(), EncryptionContextSubset: encryptionContext(),
});

/** Every KMS operation's request shape, by AWS operation name. */
export const KMS_REQUEST_SHAPES = {
  CreateKey: structure<Kms.CreateKeyRequest>('CreateKeyRequest', {
    Description: optional(string({ max: 8192 })), KeyUsage: optional(oneOf(['ENCRYPT_DECRYPT'] as const)),
    KeySpec: optional(oneOf(['SYMMETRIC_DEFAULT'] as const)), CustomerMasterKeySpec: optional(oneOf(['SYMMETRIC_DEFAULT'] as const)),
    Policy: optional(string({ min: 1, max: 131072 })), Origin: optional(oneOf(['AWS_KMS', 'EXTERNAL'] as const)),
    Tags: optional(tags()), BypassPolicyLockoutSafetyCheck: optional(boolean()),
  }),
  DescribeKey: structure<Kms.DescribeKeyRequest>('DescribeKeyRequest', { KeyId: keyId(), GrantTokens: grantTokens() }),
  ListKeys: structure<Kms.ListKeysRequest>('ListKeysRequest', { Limit: limit(), Marker: marker() }),
  EnableKey: keyOnly<Kms.EnableKeyRequest>('EnableKeyRequest'),
  DisableKey: keyOnly<Kms.DisableKeyRequest>('DisableKeyRequest'),
  ScheduleKeyDeletion: structure<Kms.ScheduleKeyDeletionRequest>('ScheduleKeyDeletionRequest', {
    KeyId: keyId(), PendingWindowInDays: optional(integer(1, 365)),
  }),
  CancelKeyDeletion: keyOnly<Kms.CancelKeyDeletionRequest>('CancelKeyDeletionRequest'),
  UpdateKeyDescription: structure<Kms.UpdateKeyDescriptionRequest>('UpdateKeyDescriptionRequest', {
    KeyId: keyId(), Description: string({ max: 8192 }),
  }),
  TagResource: structure<Kms.TagResourceRequest>('TagResourceRequest', { KeyId: keyId(), Tags: tags() }),
  UntagResource: structure<Kms.UntagResourceRequest>('UntagResourceRequest', { KeyId: keyId(), TagKeys: list(string({ min: 1, max: 128 })) }),
  ListResourceTags: structure<Kms.ListResourceTagsRequest>('ListResourceTagsRequest', { KeyId: keyId(), Limit: limit(), Marker: marker() }),
  CreateAlias: structure<Kms.CreateAliasRequest>('CreateAliasRequest', { AliasName: string({ min: 1, max: 256 }), TargetKeyId: keyId() }),
  UpdateAlias: structure<Kms.UpdateAliasRequest>('UpdateAliasRequest', { AliasName: string({ min: 1, max: 256 }), TargetKeyId: keyId() }),
  DeleteAlias: structure<Kms.DeleteAliasRequest>('DeleteAliasRequest', { AliasName: string({ min: 1, max: 256 }) }),
  ListAliases: structure<Kms.ListAliasesRequest>('ListAliasesRequest', { KeyId: optional(keyId()), Limit: limit(), Marker: marker() }),
  PutKeyPolicy: structure<Kms.PutKeyPolicyRequest>('PutKeyPolicyRequest', {
    KeyId: keyId(), Policy: string({ min: 1, max: 131072 }), PolicyName: optional(string({ min: 1, max: 128 })),
    BypassPolicyLockoutSafetyCheck: optional(boolean()),
  }),
  GetKeyPolicy: structure<Kms.GetKeyPolicyRequest>('GetKeyPolicyRequest', { KeyId: keyId(), PolicyName: optional(string({ min: 1, max: 128 })) }),
  EnableKeyRotation: structure<Kms.EnableKeyRotationRequest>('EnableKeyRotationRequest', {
    KeyId: keyId(), RotationPeriodInDays: optional(integer(90, 2560)),
  }),
  DisableKeyRotation: keyOnly<Kms.DisableKeyRotationRequest>('DisableKeyRotationRequest'),
  GetKeyRotationStatus: keyOnly<Kms.GetKeyRotationStatusRequest>('GetKeyRotationStatusRequest'),
  RotateKeyOnDemand: keyOnly<Kms.RotateKeyOnDemandRequest>('RotateKeyOnDemandRequest'),
  ListKeyRotations: structure<Kms.ListKeyRotationsRequest>('ListKeyRotationsRequest', { KeyId: keyId(), Limit: limit(), Marker: marker() }),
  Encrypt: structure<Kms.EncryptRequest & { EncryptionAlgorithm?: 'SYMMETRIC_DEFAULT' }>('EncryptRequest', {
    KeyId: keyId(), Plaintext: bytes({ min: 1, max: 4096 }), EncryptionContext: encryptionContext(), GrantTokens: grantTokens(),
    EncryptionAlgorithm: algorithm(),
  }),
  Decrypt: structure<Kms.DecryptRequest & { EncryptionAlgorithm?: 'SYMMETRIC_DEFAULT' }>('DecryptRequest', {
    CiphertextBlob: bytes({ min: 1, max: 6144 }), KeyId: optional(keyId()), EncryptionContext: encryptionContext(), GrantTokens: grantTokens(),
    EncryptionAlgorithm: algorithm(),
  }),
  ReEncrypt: structure<Kms.ReEncryptRequest & { SourceEncryptionAlgorithm?: 'SYMMETRIC_DEFAULT'; DestinationEncryptionAlgorithm?: 'SYMMETRIC_DEFAULT' }>(
    'ReEncryptRequest', {
      CiphertextBlob: bytes({ min: 1, max: 6144 }), SourceKeyId: optional(keyId()), SourceEncryptionContext: encryptionContext(),
      DestinationKeyId: keyId(), DestinationEncryptionContext: encryptionContext(), GrantTokens: grantTokens(),
      SourceEncryptionAlgorithm: algorithm(), DestinationEncryptionAlgorithm: algorithm(),
    }),
  GenerateDataKey: dataKey('GenerateDataKeyRequest'),
  GenerateDataKeyWithoutPlaintext: dataKey('GenerateDataKeyWithoutPlaintextRequest'),
  GenerateRandom: structure<Kms.GenerateRandomRequest>('GenerateRandomRequest', { NumberOfBytes: integer(1, 1024) }),
  GetParametersForImport: structure<Kms.GetParametersForImportRequest>('GetParametersForImportRequest', {
    KeyId: keyId(), WrappingAlgorithm: oneOf(WRAPPING_ALGORITHMS),
    WrappingKeySpec: oneOf(Object.keys(WRAPPING_KEY_SPECS) as WrappingKeySpec[]),
  }),
  ImportKeyMaterial: structure<Kms.ImportKeyMaterialRequest>('ImportKeyMaterialRequest', {
    KeyId: keyId(), ImportToken: bytes({ min: 1, max: 6144 }), EncryptedKeyMaterial: bytes({ min: 1, max: 6144 }),
    ExpirationModel: optional(oneOf(['KEY_MATERIAL_EXPIRES', 'KEY_MATERIAL_DOES_NOT_EXPIRE'] as const)), ValidTo: optional(date()),
  }),
  DeleteImportedKeyMaterial: keyOnly<Kms.DeleteImportedKeyMaterialRequest>('DeleteImportedKeyMaterialRequest'),
  CreateGrant: structure<Kms.CreateGrantRequest>('CreateGrantRequest', {
    KeyId: keyId(), GranteePrincipal: principal(), RetiringPrincipal: optional(principal()),
    Operations: list(oneOf(GRANT_OPERATIONS), { min: 1 }), Constraints: optional(grantConstraints),
    Name: optional(string({ min: 1, max: 256 })), GrantTokens: grantTokens(),
  }),
  ListGrants: structure<Kms.ListGrantsRequest>('ListGrantsRequest', {
    KeyId: keyId(), GrantId: optional(string({ min: 1, max: 128 })), GranteePrincipal: optional(principal()), Limit: limit(), Marker: marker(),
  }),
  ListRetirableGrants: structure<Kms.ListRetirableGrantsRequest>('ListRetirableGrantsRequest', {
    RetiringPrincipal: principal(), Limit: limit(), Marker: marker(),
  }),
  RetireGrant: structure<Kms.RetireGrantRequest>('RetireGrantRequest', {
    GrantToken: optional(string({ min: 1, max: 8192, sensitive: true })), KeyId: optional(keyId()), GrantId: optional(string({ min: 1, max: 128 })),
  }),
  RevokeGrant: structure<Kms.RevokeGrantRequest>('RevokeGrantRequest', { KeyId: keyId(), GrantId: string({ min: 1, max: 128 }) }),
  ListAuditRecords: structure<Kms.ListAuditRecordsRequest>('ListAuditRecordsRequest', {
    KeyId: optional(keyId()), Principal: optional(string()), EventName: optional(string()), StartTime: optional(date()), EndTime: optional(date()),
  }),
} satisfies Record<string, Shape<unknown>>;

export type KmsOperationName = keyof typeof KMS_REQUEST_SHAPES;

/** A member path as AWS KMS names it: camelCase members, list entries as `<n>.member` counting from 1. */
function memberPath(path: ShapeViolation['path']): string {
  if (path.length === 0) return 'request';
  return path.map((part) => (typeof part === 'number' ? `${part + 1}.member` : part.charAt(0).toLowerCase() + part.slice(1))).join('.');
}

/** How AWS quotes a value in a validation message: null, or the value in quotes (bytes and secrets not at all). */
function quoted(v: ShapeViolation): string {
  if (v.sensitive) return '';
  if (v.value === null || v.value === undefined) return ' null';
  if (typeof v.value === 'object') return Array.isArray(v.value) ? ` '[${v.value.length} entries]'` : ' \'{…}\'';
  const text = String(v.value);
  return ` '${text.length > 100 ? `${text.slice(0, 100)}…` : text}'`;
}

/** AWS KMS's ValidationException for these violations. */
export function kmsValidationError(violations: ShapeViolation[]): KmsError {
  const count = violations.length;
  const details = violations.map((v) => `Value${quoted(v)} at '${memberPath(v.path)}' failed to satisfy constraint: ${v.constraint}`);
  return kmsError('ValidationException', `${count} validation error${count === 1 ? '' : 's'} detected: ${details.join('; ')}`);
}

/**
 * For the first line of each KeyManagementService method: a rejected promise (ValidationException)
 * if `request` does not have the operation's shape, else undefined.
 */
export function malformedKmsRequest(operation: KmsOperationName, request: unknown): Promise<never> | undefined {
  const violations = violationsOf(KMS_REQUEST_SHAPES[operation], request);
  return violations.length === 0 ? undefined : Promise.reject(kmsValidationError(violations));
}
