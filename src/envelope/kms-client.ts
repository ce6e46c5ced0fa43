// The narrow KMS interface the envelope keyrings, ObjectStore, BlockStore and S3EncryptionClient
// use: just the operations they call, with request and response shapes named and typed as AWS KMS
// names them (AWS KMS API Reference). kms-wasm's KeyManagementService satisfies it; so can a client
// of the real AWS KMS or of a `kms-wasm serve` service, so the layers above work with any of them.

import type { Caller } from '../policy/caller.js';
import type { EncryptionContext } from './encryption-context.js';

export type DataKeySpec = 'AES_256' | 'AES_128';
export type EncryptionAlgorithmSpec = 'SYMMETRIC_DEFAULT';
export type GrantOperation = 'Decrypt' | 'Encrypt' | 'GenerateDataKey' | 'GenerateDataKeyWithoutPlaintext' | 'ReEncryptFrom'
  | 'ReEncryptTo' | 'CreateGrant' | 'RetireGrant' | 'DescribeKey';
export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport' | 'Unavailable' | 'Creating'
  | 'PendingReplicaDeletion' | 'Updating';

export interface GenerateDataKeyRequest {
  KeyId: string;
  KeySpec?: DataKeySpec;
  NumberOfBytes?: number;
  EncryptionContext?: EncryptionContext;
  GrantTokens?: string[];
}
export interface GenerateDataKeyResponse {
  /** The data key: the caller zeroes it when done. */
  Plaintext: Uint8Array;
  CiphertextBlob: Uint8Array;
  /** The ARN of the KMS key that wrapped it. */
  KeyId: string;
}
export type GenerateDataKeyWithoutPlaintextRequest = GenerateDataKeyRequest;
export type GenerateDataKeyWithoutPlaintextResponse = Omit<GenerateDataKeyResponse, 'Plaintext'>;

export interface EncryptRequest {
  KeyId: string;
  Plaintext: Uint8Array;
  EncryptionContext?: EncryptionContext;
  GrantTokens?: string[];
}
export interface EncryptResponse {
  CiphertextBlob: Uint8Array;
  KeyId: string;
  EncryptionAlgorithm: EncryptionAlgorithmSpec;
}

export interface DecryptRequest {
  CiphertextBlob: Uint8Array;
  KeyId?: string;
  EncryptionContext?: EncryptionContext;
  GrantTokens?: string[];
}
export interface DecryptResponse {
  Plaintext: Uint8Array;
  KeyId: string;
  EncryptionAlgorithm: EncryptionAlgorithmSpec;
}

export interface ReEncryptRequest {
  CiphertextBlob: Uint8Array;
  SourceKeyId?: string;
  SourceEncryptionContext?: EncryptionContext;
  DestinationKeyId: string;
  DestinationEncryptionContext?: EncryptionContext;
  GrantTokens?: string[];
}
export interface ReEncryptResponse {
  CiphertextBlob: Uint8Array;
  SourceKeyId: string;
  KeyId: string;
  SourceEncryptionAlgorithm: EncryptionAlgorithmSpec;
  DestinationEncryptionAlgorithm: EncryptionAlgorithmSpec;
}

export interface GrantConstraints {
  EncryptionContextEquals?: EncryptionContext;
  EncryptionContextSubset?: EncryptionContext;
}
export interface CreateGrantRequest {
  KeyId: string;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  Operations: GrantOperation[];
  Constraints?: GrantConstraints;
  Name?: string;
  GrantTokens?: string[];
}
export interface CreateGrantResponse {
  GrantId: string;
  GrantToken: string;
}
export interface RetireGrantRequest {
  GrantToken?: string;
  KeyId?: string;
  GrantId?: string;
}

export interface DescribeKeyRequest {
  KeyId: string;
  GrantTokens?: string[];
}
/** The KeyMetadata fields the layers above read; a KMS may return more. */
export interface KeyMetadataSummary {
  KeyId: string;
  Arn: string;
  KeyState: KeyState;
  Enabled: boolean;
  KeyManager: 'AWS' | 'CUSTOMER';
}
export interface DescribeKeyResponse {
  KeyMetadata: KeyMetadataSummary;
}

/** What the keyrings, ObjectStore, BlockStore and S3EncryptionClient call. `caller` is who asks (kms-wasm's KMS authorizes it; a remote KMS ignores it and uses its own credentials). */
export interface KmsClient {
  generateDataKey(request: GenerateDataKeyRequest, caller?: Caller): Promise<GenerateDataKeyResponse>;
  generateDataKeyWithoutPlaintext(request: GenerateDataKeyWithoutPlaintextRequest, caller?: Caller): Promise<GenerateDataKeyWithoutPlaintextResponse>;
  encrypt(request: EncryptRequest, caller?: Caller): Promise<EncryptResponse>;
  decrypt(request: DecryptRequest, caller?: Caller): Promise<DecryptResponse>;
  reEncrypt(request: ReEncryptRequest, caller?: Caller): Promise<ReEncryptResponse>;
  createGrant(request: CreateGrantRequest, caller?: Caller): Promise<CreateGrantResponse>;
  retireGrant(request: RetireGrantRequest, caller?: Caller): Promise<object>;
  describeKey(request: DescribeKeyRequest, caller?: Caller): Promise<DescribeKeyResponse>;
}

/**
 * A KMS that services host their data in: its account and region (for ARNs and policies), and the
 * AWS managed key of a service (`alias/aws/s3`, `alias/aws/ebs`) used when no key is named.
 */
export interface HostKms extends KmsClient {
  readonly account: string;
  readonly region: string;
  awsManagedKeyId(service: string): Promise<string>;
}
