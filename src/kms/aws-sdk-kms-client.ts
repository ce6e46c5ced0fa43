// An adapter that lets a client of the real AWS KMS (or of any KMS speaking its API) stand where
// kms-wasm's own KeyManagementService does: envelope keyrings, ObjectStore, BlockStore and
// S3EncryptionClient then keep their data keys in that KMS, and do the bulk encryption in WASM.
//
//   import { KMS } from '@aws-sdk/client-kms';
//   const kms = awsSdkKmsClient(new KMS({ region: 'us-east-1' }), { account: '111122223333', region: 'us-east-1' });
//
// It takes the AWS SDK for JavaScript v3's aggregated `KMS` client (methods named as the
// operations, e.g. `kms.generateDataKey(input)`), whose inputs and outputs are the shapes
// kms-client.ts names, so nothing but the caller argument needs translating: a remote KMS decides
// who is calling from the client's own credentials, so `caller` is not sent. Its errors (whose
// `.name` is the AWS exception name) come back as KmsErrors, which the services map as they map
// kms-wasm's own refusals. No AWS SDK package is imported here: pass the client you configured.

import type {
  CreateGrantRequest, DecryptRequest, DescribeKeyRequest, DescribeKeyResponse, EncryptRequest, GenerateDataKeyRequest,
  GenerateDataKeyWithoutPlaintextRequest,
  HostKms, KeyState, ReEncryptRequest, RetireGrantRequest,
} from '../envelope/kms-client.js';
import { KmsError, kmsError, type KmsErrorName } from './kms-errors.js';

/** What the adapter reads of an SDK answer: every field may be absent (the SDK types them so). */
interface SdkDataKey { Plaintext?: Uint8Array; CiphertextBlob?: Uint8Array; KeyId?: string }
interface SdkReEncrypted { CiphertextBlob?: Uint8Array; SourceKeyId?: string; KeyId?: string }
interface SdkGrant { GrantId?: string; GrantToken?: string }
interface SdkKeyMetadata { KeyMetadata?: DescribeKeyResponse['KeyMetadata'] | { KeyId?: string; Arn?: string; KeyState?: string; Enabled?: boolean; KeyManager?: string } }

/** The operations of `@aws-sdk/client-kms`'s `KMS` class that this adapter calls. */
export interface AwsSdkKms {
  generateDataKey(input: GenerateDataKeyRequest): Promise<SdkDataKey>;
  generateDataKeyWithoutPlaintext(input: GenerateDataKeyWithoutPlaintextRequest): Promise<SdkDataKey>;
  encrypt(input: EncryptRequest): Promise<SdkDataKey>;
  decrypt(input: DecryptRequest): Promise<SdkDataKey>;
  reEncrypt(input: ReEncryptRequest): Promise<SdkReEncrypted>;
  createGrant(input: CreateGrantRequest): Promise<SdkGrant>;
  retireGrant(input: RetireGrantRequest): Promise<object>;
  describeKey(input: DescribeKeyRequest): Promise<SdkKeyMetadata>;
}

export interface AwsSdkKmsClientOptions {
  /** The account the services' resources belong to (bucket owner, volume ARNs). */
  account: string;
  region: string;
}

/** An SDK error (or any Error named as an AWS exception) as a KmsError of the same name. */
function asKmsError(error: unknown): never {
  if (error instanceof KmsError) throw error;
  if (error instanceof Error && /^[A-Za-z]+(Exception|Error)$/.test(error.name)) {
    throw new KmsError(error.name as KmsErrorName, error.message);
  }
  throw error;
}

/** A field the remote KMS must have returned; its absence is its fault, not the caller's. */
function required<T>(value: T | undefined, operation: string, field: string): T {
  if (value === undefined || value === null) throw kmsError('KMSInternalException', `${operation}: the KMS returned no ${field}`);
  return value;
}

export function awsSdkKmsClient(client: AwsSdkKms, options: AwsSdkKmsClientOptions): HostKms {
  const call = async <T>(run: () => Promise<T>): Promise<T> => run().catch(asKmsError);
  return {
    account: options.account,
    region: options.region,
    /** The real AWS managed key of a service is reached through its alias. */
    awsManagedKeyId: async (service) => `alias/aws/${service}`,
    generateDataKey: (request) => call(async () => {
      const out = await client.generateDataKey(request);
      return { Plaintext: required(out.Plaintext, 'GenerateDataKey', 'Plaintext'),
        CiphertextBlob: required(out.CiphertextBlob, 'GenerateDataKey', 'CiphertextBlob'), KeyId: required(out.KeyId, 'GenerateDataKey', 'KeyId') };
    }),
    generateDataKeyWithoutPlaintext: (request) => call(async () => {
      const out = await client.generateDataKeyWithoutPlaintext(request);
      return { CiphertextBlob: required(out.CiphertextBlob, 'GenerateDataKeyWithoutPlaintext', 'CiphertextBlob'),
        KeyId: required(out.KeyId, 'GenerateDataKeyWithoutPlaintext', 'KeyId') };
    }),
    encrypt: (request) => call(async () => {
      const out = await client.encrypt(request);
      return { CiphertextBlob: required(out.CiphertextBlob, 'Encrypt', 'CiphertextBlob'), KeyId: required(out.KeyId, 'Encrypt', 'KeyId'),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    }),
    decrypt: (request) => call(async () => {
      const out = await client.decrypt(request);
      return { Plaintext: required(out.Plaintext, 'Decrypt', 'Plaintext'), KeyId: required(out.KeyId, 'Decrypt', 'KeyId'),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    }),
    reEncrypt: (request) => call(async () => {
      const out = await client.reEncrypt(request);
      return { CiphertextBlob: required(out.CiphertextBlob, 'ReEncrypt', 'CiphertextBlob'), SourceKeyId: required(out.SourceKeyId, 'ReEncrypt', 'SourceKeyId'),
        KeyId: required(out.KeyId, 'ReEncrypt', 'KeyId'), SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT', DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    }),
    createGrant: (request) => call(async () => {
      const out = await client.createGrant(request);
      return { GrantId: required(out.GrantId, 'CreateGrant', 'GrantId'), GrantToken: required(out.GrantToken, 'CreateGrant', 'GrantToken') };
    }),
    retireGrant: (request) => call(() => client.retireGrant(request)),
    describeKey: (request) => call(async () => {
      const metadata = required((await client.describeKey(request)).KeyMetadata, 'DescribeKey', 'KeyMetadata');
      return { KeyMetadata: {
        KeyId: required(metadata.KeyId, 'DescribeKey', 'KeyMetadata.KeyId'), Arn: required(metadata.Arn, 'DescribeKey', 'KeyMetadata.Arn'),
        KeyState: required(metadata.KeyState, 'DescribeKey', 'KeyMetadata.KeyState') as KeyState, Enabled: metadata.Enabled === true,
        KeyManager: metadata.KeyManager === 'AWS' ? 'AWS' : 'CUSTOMER',
      } };
    }),
  };
}
