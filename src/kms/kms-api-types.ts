// The request and response of every KeyManagementService operation, named as the AWS SDK for
// JavaScript v3 names them (`CreateKeyRequest`, `CreateKeyResponse`, …; AWS KMS API Reference,
// "Actions" and "Data Types"). Enumerations are string-literal unions of the values this KMS
// supports, so a typo or an unsupported value fails to compile. The operations the envelope,
// S3 and EBS layers call (the narrow KmsClient) are typed in envelope/kms-client.ts and re-exported.

import type { EncryptionAlgorithmSpec, GrantConstraints, GrantOperation, KeyState } from '../envelope/kms-client.js';
import type { WRAPPING_ALGORITHMS, WrappingKeySpec } from './key-import.js';

export type {
  CreateGrantRequest, CreateGrantResponse, DataKeySpec, DecryptRequest, DecryptResponse, DescribeKeyRequest, EncryptionAlgorithmSpec,
  EncryptRequest, EncryptResponse, GenerateDataKeyRequest, GenerateDataKeyResponse, GenerateDataKeyWithoutPlaintextRequest,
  GenerateDataKeyWithoutPlaintextResponse, GrantConstraints, GrantOperation, KeyState, ReEncryptRequest, ReEncryptResponse,
  RetireGrantRequest,
} from '../envelope/kms-client.js';
export type { WrappingKeySpec };

/** The response of an operation that answers with no members (AWS returns only the HTTP status). */
export type EmptyResponse = Record<string, never>;

/** Only symmetric encryption keys exist in this KMS. */
export type KeyUsageType = 'ENCRYPT_DECRYPT';
export type KeySpec = 'SYMMETRIC_DEFAULT';
export type OriginType = 'AWS_KMS' | 'EXTERNAL';
export type KeyManagerType = 'AWS' | 'CUSTOMER';
export type ExpirationModelType = 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';
export type AlgorithmSpec = (typeof WRAPPING_ALGORITHMS)[number];
export type RotationType = 'AUTOMATIC' | 'ON_DEMAND';

export interface Tag {
  TagKey: string;
  TagValue: string;
}

/** An operation that names one key and nothing else. */
export interface KeyIdRequest {
  KeyId: string;
}
/** AWS pages list results; this KMS returns every entry in one page, so Limit and Marker are accepted and need not be followed. */
export interface PagedRequest {
  Limit?: number;
  Marker?: string;
}
export interface PagedResponse {
  Truncated?: boolean;
  NextMarker?: string;
}

export interface KeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  CreationDate: Date;
  Enabled: boolean;
  Description: string;
  KeyUsage: KeyUsageType;
  KeyState: KeyState;
  DeletionDate?: Date;
  Origin: OriginType;
  KeyManager: KeyManagerType;
  KeySpec: KeySpec;
  CustomerMasterKeySpec: KeySpec;
  EncryptionAlgorithms: EncryptionAlgorithmSpec[];
  MultiRegion: boolean;
  ExpirationModel?: ExpirationModelType;
  ValidTo?: Date;
}

export interface CreateKeyRequest {
  Description?: string;
  KeyUsage?: KeyUsageType;
  KeySpec?: KeySpec;
  /** The older name of KeySpec. */
  CustomerMasterKeySpec?: KeySpec;
  Policy?: string;
  Origin?: OriginType;
  Tags?: Tag[];
  BypassPolicyLockoutSafetyCheck?: boolean;
}
export interface CreateKeyResponse {
  KeyMetadata: KeyMetadata;
}
export interface DescribeKeyResponse {
  KeyMetadata: KeyMetadata;
}

export type ListKeysRequest = PagedRequest;
export interface ListKeysResponse extends PagedResponse {
  Keys: Array<{ KeyId: string; KeyArn: string }>;
}

export type EnableKeyRequest = KeyIdRequest;
export type DisableKeyRequest = KeyIdRequest;
export type EnableKeyResponse = EmptyResponse;
export type DisableKeyResponse = EmptyResponse;
export interface ScheduleKeyDeletionRequest extends KeyIdRequest {
  PendingWindowInDays?: number;
}
export interface ScheduleKeyDeletionResponse {
  KeyId: string;
  DeletionDate: Date;
  KeyState: KeyState;
  PendingWindowInDays: number;
}
export type CancelKeyDeletionRequest = KeyIdRequest;
export interface CancelKeyDeletionResponse {
  KeyId: string;
}
export interface UpdateKeyDescriptionRequest extends KeyIdRequest {
  Description: string;
}
export type UpdateKeyDescriptionResponse = EmptyResponse;

export interface TagResourceRequest extends KeyIdRequest {
  Tags: Tag[];
}
export interface UntagResourceRequest extends KeyIdRequest {
  TagKeys: string[];
}
export type TagResourceResponse = EmptyResponse;
export type UntagResourceResponse = EmptyResponse;
export interface ListResourceTagsRequest extends KeyIdRequest, PagedRequest {}
export interface ListResourceTagsResponse extends PagedResponse {
  Tags: Tag[];
}

export interface CreateAliasRequest {
  AliasName: string;
  TargetKeyId: string;
}
export type UpdateAliasRequest = CreateAliasRequest;
export interface DeleteAliasRequest {
  AliasName: string;
}
export type CreateAliasResponse = EmptyResponse;
export type UpdateAliasResponse = EmptyResponse;
export type DeleteAliasResponse = EmptyResponse;
export interface ListAliasesRequest extends PagedRequest {
  KeyId?: string;
}
export interface AliasListEntry {
  AliasName: string;
  AliasArn: string;
  TargetKeyId: string;
  CreationDate: Date;
}
export interface ListAliasesResponse extends PagedResponse {
  Aliases: AliasListEntry[];
}

export interface PutKeyPolicyRequest extends KeyIdRequest {
  Policy: string;
  /** Only "default" exists. */
  PolicyName?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
}
export type PutKeyPolicyResponse = EmptyResponse;
export interface GetKeyPolicyRequest extends KeyIdRequest {
  PolicyName?: string;
}
export interface GetKeyPolicyResponse {
  Policy: string;
  PolicyName: string;
}

export interface EnableKeyRotationRequest extends KeyIdRequest {
  RotationPeriodInDays?: number;
}
export type DisableKeyRotationRequest = KeyIdRequest;
export type EnableKeyRotationResponse = EmptyResponse;
export type DisableKeyRotationResponse = EmptyResponse;
export type GetKeyRotationStatusRequest = KeyIdRequest;
export interface GetKeyRotationStatusResponse {
  KeyId: string;
  KeyRotationEnabled: boolean;
  RotationPeriodInDays?: number;
  NextRotationDate?: Date;
}
export type RotateKeyOnDemandRequest = KeyIdRequest;
export interface RotateKeyOnDemandResponse {
  KeyId: string;
}
export interface ListKeyRotationsRequest extends KeyIdRequest, PagedRequest {}
export interface RotationsListEntry {
  KeyId: string;
  RotationDate: Date;
  RotationType: RotationType;
}
export interface ListKeyRotationsResponse extends PagedResponse {
  Rotations: RotationsListEntry[];
}

export interface GenerateRandomRequest {
  NumberOfBytes: number;
}
export interface GenerateRandomResponse {
  Plaintext: Uint8Array;
}

export interface GetParametersForImportRequest extends KeyIdRequest {
  WrappingAlgorithm: AlgorithmSpec;
  WrappingKeySpec: WrappingKeySpec;
}
export interface GetParametersForImportResponse {
  KeyId: string;
  ImportToken: Uint8Array;
  PublicKey: Uint8Array;
  ParametersValidTo: Date;
}
export interface ImportKeyMaterialRequest extends KeyIdRequest {
  ImportToken: Uint8Array;
  EncryptedKeyMaterial: Uint8Array;
  ExpirationModel?: ExpirationModelType;
  /** Required with KEY_MATERIAL_EXPIRES, and only with it. */
  ValidTo?: Date;
}
export type ImportKeyMaterialResponse = EmptyResponse;
export type DeleteImportedKeyMaterialRequest = KeyIdRequest;
export type DeleteImportedKeyMaterialResponse = EmptyResponse;

export interface ListGrantsRequest extends KeyIdRequest, PagedRequest {
  GrantId?: string;
  GranteePrincipal?: string;
}
export interface GrantListEntry {
  KeyId: string;
  GrantId: string;
  Name?: string;
  CreationDate: Date;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  IssuingAccount: string;
  Operations: GrantOperation[];
  Constraints?: GrantConstraints;
}
export interface ListGrantsResponse extends PagedResponse {
  Grants: GrantListEntry[];
}
export interface ListRetirableGrantsRequest extends PagedRequest {
  RetiringPrincipal: string;
}
export type ListRetirableGrantsResponse = ListGrantsResponse;
export type RetireGrantResponse = EmptyResponse;
export interface RevokeGrantRequest extends KeyIdRequest {
  GrantId: string;
}
export type RevokeGrantResponse = EmptyResponse;

/** listAuditRecords' filter (kms-wasm's own; AWS keeps these records in CloudTrail). */
export interface ListAuditRecordsRequest {
  /** A key id, key ARN, alias name or alias ARN. */
  KeyId?: string;
  Principal?: string;
  EventName?: string;
  StartTime?: Date;
  EndTime?: Date;
}
