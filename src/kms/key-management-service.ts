// KeyManagementService: customer master keys with versioned key material, aliases, key policies,
// key states, rotation, deletion schedules, envelope encryption and an audit trail, with the AWS
// KMS request and response shapes. Every method is (request, caller?) => Promise<response>; an
// omitted caller is the account root.
//
// This class is the public face: it checks each request's shape (request-shapes.ts) and hands it to
// the module that owns the operation. How a call runs (one at a time, authorized, committed with its
// audit record) is kms-calls.ts; the keys, aliases and grants it works on are key-directory.ts, and
// what changes them with time is key-lifecycle.ts.

import { systemClock, type Clock } from '../core/clock.js';
import type { HostKms } from '../envelope/kms-client.js';
import type { Iam } from '../policy/index.js';
import { AliasOperations } from './alias-operations.js';
import { AuditOperations } from './audit-operations.js';
import type { AuditCheckpoint, AuditVerification } from './audit-trail.js';
import { CryptographicOperations } from './cryptographic-operations.js';
import { GrantOperations } from './grant-operations.js';
import { KeyImportOperations } from './key-import-operations.js';
import { KeyOperations } from './key-operations.js';
import type { AuditHead, AuditRecord, KeyStore } from './key-store.js';
import type { Caller } from './kms-authorizer.js';
import { KmsCalls } from './kms-calls.js';
import { kmsError } from './kms-errors.js';
import { MemoryKeyStore } from './memory-key-store.js';
import { malformedKmsRequest } from './request-shapes.js';
import type {
  CancelKeyDeletionRequest, CancelKeyDeletionResponse, CreateAliasRequest, CreateAliasResponse, CreateGrantRequest,
  CreateGrantResponse, CreateKeyRequest, CreateKeyResponse, DecryptRequest, DecryptResponse, DeleteAliasRequest,
  DeleteAliasResponse, DeleteImportedKeyMaterialRequest, DeleteImportedKeyMaterialResponse, DescribeKeyRequest,
  DescribeKeyResponse, DisableKeyRequest, DisableKeyResponse, DisableKeyRotationRequest, DisableKeyRotationResponse,
  EnableKeyRequest, EnableKeyResponse, EnableKeyRotationRequest, EnableKeyRotationResponse, EncryptRequest, EncryptResponse,
  GenerateDataKeyRequest, GenerateDataKeyResponse, GenerateDataKeyWithoutPlaintextRequest,
  GenerateDataKeyWithoutPlaintextResponse, GenerateRandomRequest, GenerateRandomResponse, GetKeyPolicyRequest,
  GetKeyPolicyResponse, GetKeyRotationStatusRequest, GetKeyRotationStatusResponse, GetParametersForImportRequest,
  GetParametersForImportResponse, ImportKeyMaterialRequest, ImportKeyMaterialResponse, ListAliasesRequest, ListAliasesResponse,
  ListAuditRecordsRequest, ListGrantsRequest, ListGrantsResponse, ListKeyRotationsRequest, ListKeyRotationsResponse,
  ListKeysRequest, ListKeysResponse, ListResourceTagsRequest, ListResourceTagsResponse, ListRetirableGrantsRequest,
  ListRetirableGrantsResponse, PutKeyPolicyRequest, PutKeyPolicyResponse, ReEncryptRequest, ReEncryptResponse,
  RetireGrantRequest, RetireGrantResponse, RevokeGrantRequest, RevokeGrantResponse, RotateKeyOnDemandRequest,
  RotateKeyOnDemandResponse, ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse, TagResourceRequest, TagResourceResponse,
  UntagResourceRequest, UntagResourceResponse, UpdateAliasRequest, UpdateAliasResponse, UpdateKeyDescriptionRequest,
  UpdateKeyDescriptionResponse
} from './kms-api-types.js';

export interface KeyManagementServiceOptions {
  account: string;
  region: string;
  store?: KeyStore;
  iam?: Iam;
  clock?: Clock;
}

export type { Caller };

export class KeyManagementService implements HostKms {
  readonly account: string;
  readonly region: string;
  private readonly keys: KeyOperations;
  private readonly aliases: AliasOperations;
  private readonly crypto: CryptographicOperations;
  private readonly imports: KeyImportOperations;
  private readonly grants: GrantOperations;
  private readonly audit: AuditOperations;

  constructor(options: KeyManagementServiceOptions) {
    if (!/^\d{12}$/.test(options?.account ?? '')) throw kmsError('ValidationException', 'account: expected a 12-digit AWS account id');
    if (typeof options.region !== 'string' || options.region.length === 0) throw kmsError('ValidationException', 'region: expected a non-empty string');
    this.account = options.account;
    this.region = options.region;
    const calls = new KmsCalls({ account: options.account, region: options.region, store: options.store ?? new MemoryKeyStore(),
      iam: options.iam, clock: options.clock ?? systemClock });
    this.keys = new KeyOperations(calls);
    this.aliases = new AliasOperations(calls);
    this.crypto = new CryptographicOperations(calls);
    this.imports = new KeyImportOperations(calls);
    this.grants = new GrantOperations(calls);
    this.audit = new AuditOperations(calls);
  }

  // ---------------------------------------------------------------- keys: lifecycle, states, tags, key policies, rotation (key-operations.ts)

  createKey(request: CreateKeyRequest = {}, caller?: Caller): Promise<CreateKeyResponse> {
    return malformedKmsRequest('CreateKey', request) ?? this.keys.createKey(request, caller);
  }

  describeKey(request: DescribeKeyRequest, caller?: Caller): Promise<DescribeKeyResponse> {
    return malformedKmsRequest('DescribeKey', request) ?? this.keys.describeKey(request, caller);
  }

  listKeys(request: ListKeysRequest = {}, caller?: Caller): Promise<ListKeysResponse> {
    return malformedKmsRequest('ListKeys', request) ?? this.keys.listKeys(request, caller);
  }

  enableKey(request: EnableKeyRequest, caller?: Caller): Promise<EnableKeyResponse> {
    return malformedKmsRequest('EnableKey', request) ?? this.keys.enableKey(request, caller);
  }

  disableKey(request: DisableKeyRequest, caller?: Caller): Promise<DisableKeyResponse> {
    return malformedKmsRequest('DisableKey', request) ?? this.keys.disableKey(request, caller);
  }

  scheduleKeyDeletion(request: ScheduleKeyDeletionRequest, caller?: Caller): Promise<ScheduleKeyDeletionResponse> {
    return malformedKmsRequest('ScheduleKeyDeletion', request) ?? this.keys.scheduleKeyDeletion(request, caller);
  }

  cancelKeyDeletion(request: CancelKeyDeletionRequest, caller?: Caller): Promise<CancelKeyDeletionResponse> {
    return malformedKmsRequest('CancelKeyDeletion', request) ?? this.keys.cancelKeyDeletion(request, caller);
  }

  updateKeyDescription(request: UpdateKeyDescriptionRequest, caller?: Caller): Promise<UpdateKeyDescriptionResponse> {
    return malformedKmsRequest('UpdateKeyDescription', request) ?? this.keys.updateKeyDescription(request, caller);
  }

  tagResource(request: TagResourceRequest, caller?: Caller): Promise<TagResourceResponse> {
    return malformedKmsRequest('TagResource', request) ?? this.keys.tagResource(request, caller);
  }

  untagResource(request: UntagResourceRequest, caller?: Caller): Promise<UntagResourceResponse> {
    return malformedKmsRequest('UntagResource', request) ?? this.keys.untagResource(request, caller);
  }

  listResourceTags(request: ListResourceTagsRequest, caller?: Caller): Promise<ListResourceTagsResponse> {
    return malformedKmsRequest('ListResourceTags', request) ?? this.keys.listResourceTags(request, caller);
  }

  putKeyPolicy(request: PutKeyPolicyRequest, caller?: Caller): Promise<PutKeyPolicyResponse> {
    return malformedKmsRequest('PutKeyPolicy', request) ?? this.keys.putKeyPolicy(request, caller);
  }

  getKeyPolicy(request: GetKeyPolicyRequest, caller?: Caller): Promise<GetKeyPolicyResponse> {
    return malformedKmsRequest('GetKeyPolicy', request) ?? this.keys.getKeyPolicy(request, caller);
  }

  enableKeyRotation(request: EnableKeyRotationRequest, caller?: Caller): Promise<EnableKeyRotationResponse> {
    return malformedKmsRequest('EnableKeyRotation', request) ?? this.keys.enableKeyRotation(request, caller);
  }

  disableKeyRotation(request: DisableKeyRotationRequest, caller?: Caller): Promise<DisableKeyRotationResponse> {
    return malformedKmsRequest('DisableKeyRotation', request) ?? this.keys.disableKeyRotation(request, caller);
  }

  getKeyRotationStatus(request: GetKeyRotationStatusRequest, caller?: Caller): Promise<GetKeyRotationStatusResponse> {
    return malformedKmsRequest('GetKeyRotationStatus', request) ?? this.keys.getKeyRotationStatus(request, caller);
  }

  rotateKeyOnDemand(request: RotateKeyOnDemandRequest, caller?: Caller): Promise<RotateKeyOnDemandResponse> {
    return malformedKmsRequest('RotateKeyOnDemand', request) ?? this.keys.rotateKeyOnDemand(request, caller);
  }

  listKeyRotations(request: ListKeyRotationsRequest, caller?: Caller): Promise<ListKeyRotationsResponse> {
    return malformedKmsRequest('ListKeyRotations', request) ?? this.keys.listKeyRotations(request, caller);
  }


  // ---------------------------------------------------------------- aliases (alias-operations.ts)

  createAlias(request: CreateAliasRequest, caller?: Caller): Promise<CreateAliasResponse> {
    return malformedKmsRequest('CreateAlias', request) ?? this.aliases.createAlias(request, caller);
  }

  updateAlias(request: UpdateAliasRequest, caller?: Caller): Promise<UpdateAliasResponse> {
    return malformedKmsRequest('UpdateAlias', request) ?? this.aliases.updateAlias(request, caller);
  }

  deleteAlias(request: DeleteAliasRequest, caller?: Caller): Promise<DeleteAliasResponse> {
    return malformedKmsRequest('DeleteAlias', request) ?? this.aliases.deleteAlias(request, caller);
  }

  listAliases(request: ListAliasesRequest = {}, caller?: Caller): Promise<ListAliasesResponse> {
    return malformedKmsRequest('ListAliases', request) ?? this.aliases.listAliases(request, caller);
  }


  // ---------------------------------------------------------------- cryptographic operations (cryptographic-operations.ts)

  encrypt(request: EncryptRequest, caller?: Caller): Promise<EncryptResponse> {
    return malformedKmsRequest('Encrypt', request) ?? this.crypto.encrypt(request, caller);
  }

  decrypt(request: DecryptRequest, caller?: Caller): Promise<DecryptResponse> {
    return malformedKmsRequest('Decrypt', request) ?? this.crypto.decrypt(request, caller);
  }

  reEncrypt(request: ReEncryptRequest, caller?: Caller): Promise<ReEncryptResponse> {
    return malformedKmsRequest('ReEncrypt', request) ?? this.crypto.reEncrypt(request, caller);
  }

  generateDataKey(request: GenerateDataKeyRequest, caller?: Caller): Promise<GenerateDataKeyResponse> {
    return malformedKmsRequest('GenerateDataKey', request) ?? this.crypto.generateDataKey(request, caller);
  }

  generateDataKeyWithoutPlaintext(request: GenerateDataKeyWithoutPlaintextRequest, caller?: Caller): Promise<GenerateDataKeyWithoutPlaintextResponse> {
    return malformedKmsRequest('GenerateDataKeyWithoutPlaintext', request) ?? this.crypto.generateDataKeyWithoutPlaintext(request, caller);
  }

  generateRandom(request: GenerateRandomRequest, caller?: Caller): Promise<GenerateRandomResponse> {
    return malformedKmsRequest('GenerateRandom', request) ?? this.crypto.generateRandom(request, caller);
  }


  // ---------------------------------------------------------------- imported key material, BYOK (key-import-operations.ts)

  getParametersForImport(request: GetParametersForImportRequest, caller?: Caller): Promise<GetParametersForImportResponse> {
    return malformedKmsRequest('GetParametersForImport', request) ?? this.imports.getParametersForImport(request, caller);
  }

  importKeyMaterial(request: ImportKeyMaterialRequest, caller?: Caller): Promise<ImportKeyMaterialResponse> {
    return malformedKmsRequest('ImportKeyMaterial', request) ?? this.imports.importKeyMaterial(request, caller);
  }

  deleteImportedKeyMaterial(request: DeleteImportedKeyMaterialRequest, caller?: Caller): Promise<DeleteImportedKeyMaterialResponse> {
    return malformedKmsRequest('DeleteImportedKeyMaterial', request) ?? this.imports.deleteImportedKeyMaterial(request, caller);
  }


  // ---------------------------------------------------------------- grants (grant-operations.ts)

  createGrant(request: CreateGrantRequest, caller?: Caller): Promise<CreateGrantResponse> {
    return malformedKmsRequest('CreateGrant', request) ?? this.grants.createGrant(request, caller);
  }

  listGrants(request: ListGrantsRequest, caller?: Caller): Promise<ListGrantsResponse> {
    return malformedKmsRequest('ListGrants', request) ?? this.grants.listGrants(request, caller);
  }

  listRetirableGrants(request: ListRetirableGrantsRequest, caller?: Caller): Promise<ListRetirableGrantsResponse> {
    return malformedKmsRequest('ListRetirableGrants', request) ?? this.grants.listRetirableGrants(request, caller);
  }

  retireGrant(request: RetireGrantRequest, caller?: Caller): Promise<RetireGrantResponse> {
    return malformedKmsRequest('RetireGrant', request) ?? this.grants.retireGrant(request, caller);
  }

  revokeGrant(request: RevokeGrantRequest, caller?: Caller): Promise<RevokeGrantResponse> {
    return malformedKmsRequest('RevokeGrant', request) ?? this.grants.revokeGrant(request, caller);
  }

  // ---------------------------------------------------------------- AWS managed keys (for services)

  /**
   * The AWS managed key of a service (alias/aws/s3, alias/aws/ebs, …), created on first use. For
   * the service implementations: customers cannot manage these keys, only use them via the service.
   */
  awsManagedKeyId(service: string): Promise<string> {
    return this.keys.awsManagedKeyId(service);
  }

  // ---------------------------------------------------------------- audit trail (audit-operations.ts)

  /** Checks the audit trail's HMAC chain, from the start or from a checkpoint, against an anchor if given (see AuditOperations). */
  verifyAuditTrail(options: { fromCheckpoint?: AuditCheckpoint; anchor?: AuditHead } = {}): Promise<AuditVerification> {
    return this.audit.verifyAuditTrail(options);
  }

  /** The chain's end: how many records the trail holds and the last one's MAC (an external anchor). */
  auditHead(): Promise<AuditHead> {
    return this.audit.auditHead();
  }

  /** Audit records, optionally filtered by key (id, ARN or alias), principal, event and time range. */
  listAuditRecords(filter: ListAuditRecordsRequest = {}): Promise<AuditRecord[]> {
    return malformedKmsRequest('ListAuditRecords', filter) ?? this.audit.listAuditRecords(filter);
  }
}
