// KeyManagementService: customer master keys with versioned key material, aliases, key policies,
// key states, rotation, deletion schedules, envelope encryption and an audit trail, with the AWS
// KMS request and response shapes. Every method is (request, caller?) => Promise<response>; an
// omitted caller is the account root.

import { InvalidInputError } from '../core/errors.js';
import { gcm } from '../core/gcm.js';
import type { HostKms } from '../envelope/kms-client.js';
import { SerialQueue } from '../core/serial-queue.js';
import { accountOf, isPrincipalArn, isServicePrincipal, parsePolicy, rootArn, type ConditionContext, type Iam, type PolicyDocument } from '../policy/index.js';
import { MalformedPolicyError } from '../policy/policy-errors.js';
import { deriveAuditKey, START_OF_TRAIL, verifyTrail, type AuditCheckpoint, type AuditEvent, type AuditVerification } from './audit-trail.js';
import { AuditWriter } from './audit-writer.js';
import { decodeBlobHeader, encodeBlobHeader, BLOB_HEADER_BYTES } from './ciphertext-blob.js';
import { addDays, systemClock, type Clock } from '../core/clock.js';
import { canonicalEncryptionContext } from '../envelope/encryption-context.js';
import { checkEncryptionContext, encryptionContextConditions, type EncryptionContext } from './encryption-context.js';
import { authorize, type AuthorizationInput, type Caller } from './kms-authorizer.js';
import {
  createGrantConditions, createKeyConditions, grantIsForAwsResource, keyConditions, numberCondition, requestTagConditions,
} from './kms-condition-keys.js';
import { KmsError, kmsError } from './kms-errors.js';
import { unwrapMaterial, wrapMaterial } from './key-material.js';
import { awsManagedKeyPolicy, defaultKeyPolicy } from './key-policies.js';
import { checkConstraints, checkOperations, grantFor, newGrantIdentifiers, type GrantRecord } from './grants.js';
import {
  IMPORT_PARAMETERS_VALID_HOURS, materialCommitment, newImportParameters, unwrapImportedMaterial,
} from './key-import.js';
import { constantTimeEqual } from '../core/validate.js';
import { assertStateAllows } from './key-states.js';
import {
  type AliasRecord, type AuditHead, type AuditRecord, type KeyRecord, type KeyStore, type RecordUpdate, type StoreChanges,
  type StoreSnapshot, type StoreUpdates,
} from './key-store.js';
import { MemoryKeyStore } from './memory-key-store.js';
import { SharedRun } from './shared-run.js';
import { RecordTable, Transaction } from './record-tables.js';
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
  GetParametersForImportResponse, ImportKeyMaterialRequest, ImportKeyMaterialResponse, KeyMetadata, ListAliasesRequest,
  ListAliasesResponse, ListAuditRecordsRequest, ListGrantsRequest, ListGrantsResponse, ListKeyRotationsRequest,
  ListKeyRotationsResponse, ListKeysRequest, ListKeysResponse, ListResourceTagsRequest, ListResourceTagsResponse,
  ListRetirableGrantsRequest, ListRetirableGrantsResponse, PutKeyPolicyRequest, PutKeyPolicyResponse, ReEncryptRequest,
  ReEncryptResponse, RetireGrantRequest, RetireGrantResponse, RevokeGrantRequest, RevokeGrantResponse, RotateKeyOnDemandRequest,
  RotateKeyOnDemandResponse, ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse, TagResourceRequest, TagResourceResponse,
  UntagResourceRequest, UntagResourceResponse, UpdateAliasRequest, UpdateAliasResponse, UpdateKeyDescriptionRequest,
  UpdateKeyDescriptionResponse,
} from './kms-api-types.js';

export interface KeyManagementServiceOptions {
  account: string;
  region: string;
  store?: KeyStore;
  iam?: Iam;
  clock?: Clock;
}

export type { Caller };

const ALIAS_PATTERN = /^alias\/[a-zA-Z0-9/_-]+$/;

function requireString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw kmsError('ValidationException', `${field}: expected a non-empty string`);
  return value;
}

function requireIntegerIn(field: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw kmsError('ValidationException', `${field}: expected an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** When a key next has something due (ms): deletion, expiry of imported material, or rotation; Infinity for nothing. */
function nextDueTime(key: KeyRecord): number {
  if (key.keyState === 'PendingDeletion') return Date.parse(key.deletionDate!);
  const expiry = key.importedMaterial?.validTo ? Date.parse(key.importedMaterial.validTo) : Infinity;
  const rotation = key.rotation.enabled && key.keyState === 'Enabled' && key.rotation.nextRotationDate ? Date.parse(key.rotation.nextRotationDate) : Infinity;
  return Math.min(expiry, rotation);
}

export class KeyManagementService implements HostKms {
  readonly account: string;
  readonly region: string;
  private readonly store: KeyStore;
  private readonly iam: Iam | undefined;
  private readonly clock: Clock;
  /** Keys, aliases and grants, loaded on the first call; each call changes them in `tx`. */
  private tables: { keys: RecordTable<KeyRecord>; aliases: RecordTable<AliasRecord>; grants: RecordTable<GrantRecord> } | undefined;
  private readonly tx = new Transaction();
  /** The earliest time (ms) at which a key has a rotation, deletion or material expiry due. */
  private nextDue = Infinity;
  private rootKey: Uint8Array | undefined;
  private auditKey: Uint8Array | undefined;
  private audit: AuditWriter | undefined;
  private readonly parsedPolicies = new Map<string, PolicyDocument>();
  /** Calls run one at a time, so each sees and saves a consistent state. */
  private readonly calls = new SerialQueue();
  /** The store's version the tables reflect (shared stores; always 0 for a store with one writer). */
  private version = 0;
  /** Shares one catch-up query among the calls waiting for one (shared stores). */
  private readonly refresher = new SharedRun();

  constructor(options: KeyManagementServiceOptions) {
    if (!/^\d{12}$/.test(options?.account ?? '')) throw kmsError('ValidationException', 'account: expected a 12-digit AWS account id');
    requireString('region', options.region);
    this.account = options.account;
    this.region = options.region;
    this.store = options.store ?? new MemoryKeyStore();
    this.iam = options.iam;
    this.clock = options.clock ?? systemClock;
  }

  // ---------------------------------------------------------------- keys

  createKey(request: CreateKeyRequest = {}, caller?: Caller): Promise<CreateKeyResponse> {
    const malformed = malformedKmsRequest('CreateKey', request); if (malformed) return malformed;
    return this.call('CreateKey', caller, undefined, async (who) => {
      this.authorize({ caller: who, action: 'kms:CreateKey', resource: '*', context: createKeyConditions(request) });
      const origin = request.Origin ?? 'AWS_KMS';
      const policy = request.Policy ?? defaultKeyPolicy(this.account);
      this.parsePolicyOrThrow(policy);
      const record = this.newKeyRecord(request.Description ?? '', policy, 'CUSTOMER', request.Tags ?? [], origin);
      return { KeyMetadata: this.metadata(record) };
    });
  }

  describeKey(request: DescribeKeyRequest, caller?: Caller): Promise<DescribeKeyResponse> {
    const malformed = malformedKmsRequest('DescribeKey', request); if (malformed) return malformed;
    return this.onKey('DescribeKey', request.KeyId, caller, { grantTokens: request.GrantTokens }, async (key) => ({ KeyMetadata: this.metadata(key) }));
  }

  listKeys(request: ListKeysRequest = {}, caller?: Caller): Promise<ListKeysResponse> {
    const malformed = malformedKmsRequest('ListKeys', request); if (malformed) return malformed;
    return this.call('ListKeys', caller, undefined, async (who) => {
      this.authorize({ caller: who, action: 'kms:ListKeys', resource: '*' });
      return { Keys: [...this.tables!.keys.values()].map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })) };
    });
  }

  enableKey(request: EnableKeyRequest, caller?: Caller): Promise<EnableKeyResponse> {
    const malformed = malformedKmsRequest('EnableKey', request); if (malformed) return malformed;
    return this.onKey('EnableKey', request.KeyId, caller, { customerManaged: true }, async (found) => {
      const key = this.editKey(found);
      key.keyState = 'Enabled';
      return {};
    });
  }

  disableKey(request: DisableKeyRequest, caller?: Caller): Promise<DisableKeyResponse> {
    const malformed = malformedKmsRequest('DisableKey', request); if (malformed) return malformed;
    return this.onKey('DisableKey', request.KeyId, caller, { customerManaged: true }, async (found) => {
      const key = this.editKey(found);
      key.keyState = 'Disabled';
      return {};
    });
  }

  scheduleKeyDeletion(request: ScheduleKeyDeletionRequest, caller?: Caller): Promise<ScheduleKeyDeletionResponse> {
    const malformed = malformedKmsRequest('ScheduleKeyDeletion', request); if (malformed) return malformed;
    const conditions = { 'kms:ScheduleKeyDeletionPendingWindowInDays': numberCondition(request.PendingWindowInDays ?? 30) };
    return this.onKey('ScheduleKeyDeletion', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.editKey(found);
      const days = requireIntegerIn('PendingWindowInDays', request.PendingWindowInDays, 7, 30, 30);
      key.keyState = 'PendingDeletion';
      key.deletionDate = addDays(this.clock.now(), days).toISOString();
      return { KeyId: key.arn, DeletionDate: new Date(key.deletionDate), KeyState: key.keyState, PendingWindowInDays: days };
    });
  }

  cancelKeyDeletion(request: CancelKeyDeletionRequest, caller?: Caller): Promise<CancelKeyDeletionResponse> {
    const malformed = malformedKmsRequest('CancelKeyDeletion', request); if (malformed) return malformed;
    return this.onKey('CancelKeyDeletion', request.KeyId, caller, { customerManaged: true }, async (found) => {
      const key = this.editKey(found);
      key.keyState = 'Disabled'; // as in AWS: a key whose deletion is cancelled comes back disabled
      delete key.deletionDate;
      return { KeyId: key.arn };
    });
  }

  updateKeyDescription(request: UpdateKeyDescriptionRequest, caller?: Caller): Promise<UpdateKeyDescriptionResponse> {
    const malformed = malformedKmsRequest('UpdateKeyDescription', request); if (malformed) return malformed;
    return this.onKey('UpdateKeyDescription', request.KeyId, caller, { customerManaged: true }, async (found) => {
      const key = this.editKey(found);
      key.description = request.Description;
      return {};
    });
  }

  tagResource(request: TagResourceRequest, caller?: Caller): Promise<TagResourceResponse> {
    const malformed = malformedKmsRequest('TagResource', request); if (malformed) return malformed;
    const conditions = requestTagConditions(request.Tags);
    return this.onKey('TagResource', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.editKey(found);
      for (const tag of request.Tags) {
        key.tags = key.tags.filter((t) => t.TagKey !== tag.TagKey);
        key.tags.push({ TagKey: tag.TagKey, TagValue: tag.TagValue });
      }
      return {};
    });
  }

  untagResource(request: UntagResourceRequest, caller?: Caller): Promise<UntagResourceResponse> {
    const malformed = malformedKmsRequest('UntagResource', request); if (malformed) return malformed;
    const conditions = { 'aws:TagKeys': request.TagKeys };
    return this.onKey('UntagResource', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.editKey(found);
      key.tags = key.tags.filter((t) => !request.TagKeys.includes(t.TagKey));
      return {};
    });
  }

  listResourceTags(request: ListResourceTagsRequest, caller?: Caller): Promise<ListResourceTagsResponse> {
    const malformed = malformedKmsRequest('ListResourceTags', request); if (malformed) return malformed;
    return this.onKey('ListResourceTags', request.KeyId, caller, {}, async (key) => ({ Tags: key.tags.map((t) => ({ ...t })) }));
  }

  // ---------------------------------------------------------------- aliases

  createAlias(request: CreateAliasRequest, caller?: Caller): Promise<CreateAliasResponse> {
    const malformed = malformedKmsRequest('CreateAlias', request); if (malformed) return malformed;
    return this.onKey('CreateAlias', request.TargetKeyId, caller, { customerManaged: true }, async (key) => {
      const name = this.checkAliasName(request.AliasName);
      if (this.tables!.aliases.get(name)) throw kmsError('AlreadyExistsException', `${name} already exists`);
      this.tx.insert(this.tables!.aliases, { aliasName: name, targetKeyId: key.keyId, creationDate: this.clock.now().toISOString() });
      return {};
    });
  }

  updateAlias(request: UpdateAliasRequest, caller?: Caller): Promise<UpdateAliasResponse> {
    const malformed = malformedKmsRequest('UpdateAlias', request); if (malformed) return malformed;
    return this.onKey('UpdateAlias', request.TargetKeyId, caller, { customerManaged: true }, async (key) => {
      const alias = this.findAlias(this.checkAliasName(request.AliasName));
      const current = this.keyById(alias.targetKeyId);
      this.authorize({ caller: caller ?? this.root(), action: 'kms:UpdateAlias', resource: current.arn, keyPolicy: this.policyOf(current) });
      this.tx.edit(this.tables!.aliases, alias.aliasName).targetKeyId = key.keyId;
      return {};
    });
  }

  deleteAlias(request: DeleteAliasRequest, caller?: Caller): Promise<DeleteAliasResponse> {
    const malformed = malformedKmsRequest('DeleteAlias', request); if (malformed) return malformed;
    return this.call('DeleteAlias', caller, undefined, async (who) => {
      const name = this.checkAliasName(request.AliasName);
      const alias = this.findAlias(name);
      const key = this.keyById(alias.targetKeyId);
      this.authorize({ caller: who, action: 'kms:DeleteAlias', resource: key.arn, keyPolicy: this.policyOf(key) });
      this.tx.remove(this.tables!.aliases, name);
      return {};
    });
  }

  listAliases(request: ListAliasesRequest = {}, caller?: Caller): Promise<ListAliasesResponse> {
    const malformed = malformedKmsRequest('ListAliases', request); if (malformed) return malformed;
    return this.call('ListAliases', caller, undefined, async (who) => {
      this.authorize({ caller: who, action: 'kms:ListAliases', resource: '*' });
      const keyId = request.KeyId === undefined ? undefined : this.resolveKey(request.KeyId).keyId;
      return {
        Aliases: (keyId === undefined ? [...this.tables!.aliases.values()] : this.tables!.aliases.lookup('byKey', keyId)).map((a) => ({
          AliasName: a.aliasName, AliasArn: this.aliasArn(a.aliasName), TargetKeyId: a.targetKeyId, CreationDate: new Date(a.creationDate),
        })),
      };
    });
  }

  // ---------------------------------------------------------------- key policies

  putKeyPolicy(request: PutKeyPolicyRequest, caller?: Caller): Promise<PutKeyPolicyResponse> {
    const malformed = malformedKmsRequest('PutKeyPolicy', request); if (malformed) return malformed;
    const conditions = { 'kms:BypassPolicyLockoutSafetyCheck': String(request.BypassPolicyLockoutSafetyCheck === true) };
    return this.onKey('PutKeyPolicy', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.editKey(found);
      if (request.PolicyName !== undefined && request.PolicyName !== 'default') throw kmsError('ValidationException', 'PolicyName: only "default" exists');
      this.parsePolicyOrThrow(request.Policy);
      key.policy = request.Policy;
      return {};
    });
  }

  getKeyPolicy(request: GetKeyPolicyRequest, caller?: Caller): Promise<GetKeyPolicyResponse> {
    const malformed = malformedKmsRequest('GetKeyPolicy', request); if (malformed) return malformed;
    return this.onKey('GetKeyPolicy', request.KeyId, caller, {}, async (key) => ({ Policy: key.policy, PolicyName: 'default' }));
  }

  // ---------------------------------------------------------------- rotation

  enableKeyRotation(request: EnableKeyRotationRequest, caller?: Caller): Promise<EnableKeyRotationResponse> {
    const malformed = malformedKmsRequest('EnableKeyRotation', request); if (malformed) return malformed;
    const conditions = { 'kms:RotationPeriodInDays': numberCondition(request.RotationPeriodInDays ?? 365) };
    return this.onKey('EnableKeyRotation', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.editKey(found);
      this.assertGeneratedMaterial(key, 'EnableKeyRotation');
      const days = request.RotationPeriodInDays ?? 365;
      key.rotation = { enabled: true, periodDays: days, nextRotationDate: addDays(this.clock.now(), days).toISOString() };
      return {};
    });
  }

  disableKeyRotation(request: DisableKeyRotationRequest, caller?: Caller): Promise<DisableKeyRotationResponse> {
    const malformed = malformedKmsRequest('DisableKeyRotation', request); if (malformed) return malformed;
    return this.onKey('DisableKeyRotation', request.KeyId, caller, { customerManaged: true }, async (found) => {
      const key = this.editKey(found);
      key.rotation = { enabled: false, periodDays: key.rotation.periodDays };
      return {};
    });
  }

  getKeyRotationStatus(request: GetKeyRotationStatusRequest, caller?: Caller): Promise<GetKeyRotationStatusResponse> {
    const malformed = malformedKmsRequest('GetKeyRotationStatus', request); if (malformed) return malformed;
    return this.onKey('GetKeyRotationStatus', request.KeyId, caller, {}, async (key) => ({
      KeyId: key.keyId,
      KeyRotationEnabled: key.rotation.enabled,
      RotationPeriodInDays: key.rotation.enabled ? key.rotation.periodDays : undefined,
      NextRotationDate: key.rotation.nextRotationDate ? new Date(key.rotation.nextRotationDate) : undefined,
    }));
  }

  rotateKeyOnDemand(request: RotateKeyOnDemandRequest, caller?: Caller): Promise<RotateKeyOnDemandResponse> {
    const malformed = malformedKmsRequest('RotateKeyOnDemand', request); if (malformed) return malformed;
    return this.onKey('RotateKeyOnDemand', request.KeyId, caller, { customerManaged: true }, async (found) => {
      const key = this.editKey(found);
      this.assertGeneratedMaterial(key, 'RotateKeyOnDemand');
      this.addMaterialVersion(key, 'ON_DEMAND');
      return { KeyId: key.keyId };
    });
  }

  listKeyRotations(request: ListKeyRotationsRequest, caller?: Caller): Promise<ListKeyRotationsResponse> {
    const malformed = malformedKmsRequest('ListKeyRotations', request); if (malformed) return malformed;
    return this.onKey('ListKeyRotations', request.KeyId, caller, {}, async (key) => ({
      Rotations: key.materials.filter((m) => m.rotationType).map((m) => ({
        KeyId: key.keyId, RotationDate: new Date(m.createdAt), RotationType: m.rotationType!,
      })),
    }));
  }

  // ---------------------------------------------------------------- cryptographic operations

  encrypt(request: EncryptRequest, caller?: Caller): Promise<EncryptResponse> {
    const malformed = malformedKmsRequest('Encrypt', request); if (malformed) return malformed;
    return this.onKey('Encrypt', request.KeyId, caller, { context: request.EncryptionContext, grantTokens: request.GrantTokens }, async (key, context) => {
      return { CiphertextBlob: await this.seal(key, request.Plaintext, context), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const };
    });
  }

  decrypt(request: DecryptRequest, caller?: Caller): Promise<DecryptResponse> {
    const malformed = malformedKmsRequest('Decrypt', request); if (malformed) return malformed;
    return this.call('Decrypt', caller, request.EncryptionContext, async (who, event, context) => {
      const { key, plaintext } = await this.open(who, 'Decrypt', request.CiphertextBlob, request.KeyId, context, event, request.GrantTokens);
      return { Plaintext: plaintext, KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const };
    });
  }

  reEncrypt(request: ReEncryptRequest, caller?: Caller): Promise<ReEncryptResponse> {
    const malformed = malformedKmsRequest('ReEncrypt', request); if (malformed) return malformed;
    return this.call('ReEncrypt', caller, request.DestinationEncryptionContext, async (who, event, destinationContext) => {
      const sourceContext = checkEncryptionContext(request.SourceEncryptionContext);
      const { key: destination, requestAlias } = this.resolveKeyFor(request.DestinationKeyId, who);
      const sameKey = (key: KeyRecord) => ({ 'kms:ReEncryptOnSameKey': String(key.keyId === destination.keyId) });
      const { key: source, plaintext } = await this.open(who, 'ReEncryptFrom', request.CiphertextBlob,
        request.SourceKeyId, sourceContext, event, request.GrantTokens, sameKey);
      try {
        this.authorizeOnKey(who, 'ReEncryptTo', destination, destinationContext, event, sameKey(source), requestAlias);
        event.keyArn = destination.arn;
        return {
          CiphertextBlob: await this.seal(destination, plaintext, destinationContext),
          SourceKeyId: source.arn, KeyId: destination.arn,
          SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const, DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const,
        };
      } finally {
        plaintext.fill(0);
      }
    });
  }

  generateDataKey(request: GenerateDataKeyRequest, caller?: Caller): Promise<GenerateDataKeyResponse> {
    const malformed = malformedKmsRequest('GenerateDataKey', request); if (malformed) return malformed;
    return this.onKey('GenerateDataKey', request.KeyId, caller, { context: request.EncryptionContext, grantTokens: request.GrantTokens }, async (key, context) => {
      const plaintext = crypto.getRandomValues(new Uint8Array(this.dataKeyLength(request)));
      return { Plaintext: plaintext, CiphertextBlob: await this.seal(key, plaintext, context), KeyId: key.arn };
    });
  }

  generateDataKeyWithoutPlaintext(request: GenerateDataKeyWithoutPlaintextRequest, caller?: Caller): Promise<GenerateDataKeyWithoutPlaintextResponse> {
    const malformed = malformedKmsRequest('GenerateDataKeyWithoutPlaintext', request); if (malformed) return malformed;
    return this.onKey('GenerateDataKeyWithoutPlaintext', request.KeyId, caller, { context: request.EncryptionContext, grantTokens: request.GrantTokens }, async (key, context) => {
      const plaintext = crypto.getRandomValues(new Uint8Array(this.dataKeyLength(request)));
      try {
        return { CiphertextBlob: await this.seal(key, plaintext, context), KeyId: key.arn };
      } finally {
        plaintext.fill(0);
      }
    });
  }

  generateRandom(request: GenerateRandomRequest, caller?: Caller): Promise<GenerateRandomResponse> {
    const malformed = malformedKmsRequest('GenerateRandom', request); if (malformed) return malformed;
    return this.call('GenerateRandom', caller, undefined, async (who) => {
      this.authorize({ caller: who, action: 'kms:GenerateRandom', resource: '*' });
      return { Plaintext: crypto.getRandomValues(new Uint8Array(request.NumberOfBytes)) };
    });
  }

  // ---------------------------------------------------------------- imported key material (BYOK)

  getParametersForImport(request: GetParametersForImportRequest, caller?: Caller): Promise<GetParametersForImportResponse> {
    const malformed = malformedKmsRequest('GetParametersForImport', request); if (malformed) return malformed;
    const conditions = { 'kms:WrappingAlgorithm': request.WrappingAlgorithm, 'kms:WrappingKeySpec': request.WrappingKeySpec };
    return this.onKey('GetParametersForImport', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.editKey(found);
      this.assertImported(key, 'GetParametersForImport');
      const validTo = new Date(this.clock.now().getTime() + IMPORT_PARAMETERS_VALID_HOURS * 3_600_000);
      const { parameters, publicKey } = await newImportParameters(this.rootKey!, key.keyId, request.WrappingKeySpec, validTo);
      key.importParameters = parameters;
      return { KeyId: key.arn, ImportToken: new TextEncoder().encode(parameters.token), PublicKey: publicKey, ParametersValidTo: validTo };
    });
  }

  importKeyMaterial(request: ImportKeyMaterialRequest, caller?: Caller): Promise<ImportKeyMaterialResponse> {
    const malformed = malformedKmsRequest('ImportKeyMaterial', request); if (malformed) return malformed;
    const conditions = {
      'kms:ExpirationModel': request.ExpirationModel ?? 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      'kms:ValidTo': request.ValidTo !== undefined ? String(Math.floor(request.ValidTo.getTime() / 1000)) : undefined,
    };
    return this.onKey('ImportKeyMaterial', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.editKey(found);
      this.assertImported(key, 'ImportKeyMaterial');
      const parameters = key.importParameters;
      const token = new TextDecoder().decode(request.ImportToken);
      if (!parameters || !constantTimeEqual(new TextEncoder().encode(token), new TextEncoder().encode(parameters.token))) {
        throw kmsError('InvalidImportTokenException', 'ImportToken is not the one from the last getParametersForImport of this key');
      }
      if (new Date(parameters.validTo) <= this.clock.now()) throw kmsError('ExpiredImportTokenException', `ImportToken expired at ${parameters.validTo}`);
      const model = request.ExpirationModel ?? 'KEY_MATERIAL_DOES_NOT_EXPIRE';
      if ((model === 'KEY_MATERIAL_EXPIRES') !== (request.ValidTo !== undefined)) {
        throw kmsError('ValidationException', 'ValidTo: required with KEY_MATERIAL_EXPIRES, and only with it');
      }
      if (request.ValidTo !== undefined && request.ValidTo <= this.clock.now()) {
        throw kmsError('ValidationException', 'ValidTo: expected a Date in the future');
      }
      const material = await unwrapImportedMaterial(this.rootKey!, key.keyId, parameters, request.EncryptedKeyMaterial);
      try {
        const commitment = materialCommitment(this.rootKey!, key.keyId, material);
        if (key.importedMaterial && key.importedMaterial.commitment !== commitment) {
          throw kmsError('IncorrectKeyMaterialException', `${key.arn} was created with other key material: only the same material can be imported again`);
        }
        if (key.materials.length === 0) {
          key.materials.push({ version: 1, createdAt: this.clock.now().toISOString(), wrapped: wrapMaterial(this.rootKey!, key.keyId, 1, material) });
        }
        key.importedMaterial = { commitment, expirationModel: model, validTo: request.ValidTo?.toISOString() };
        delete key.importParameters;
        if (key.keyState === 'PendingImport') key.keyState = 'Enabled';
        return {};
      } finally {
        material.fill(0);
      }
    });
  }

  deleteImportedKeyMaterial(request: DeleteImportedKeyMaterialRequest, caller?: Caller): Promise<DeleteImportedKeyMaterialResponse> {
    const malformed = malformedKmsRequest('DeleteImportedKeyMaterial', request); if (malformed) return malformed;
    return this.onKey('DeleteImportedKeyMaterial', request.KeyId, caller, { customerManaged: true }, async (found) => {
      const key = this.editKey(found);
      this.assertImported(key, 'DeleteImportedKeyMaterial');
      this.removeImportedMaterial(key);
      return {};
    });
  }

  // ---------------------------------------------------------------- grants

  createGrant(request: CreateGrantRequest, caller?: Caller): Promise<CreateGrantResponse> {
    const malformed = malformedKmsRequest('CreateGrant', request); if (malformed) return malformed;
    const conditions = createGrantConditions(request, caller);
    return this.onKey('CreateGrant', request.KeyId, caller, { grantTokens: request.GrantTokens, conditions }, async (key) => {
      const grantee = this.requirePrincipal('GranteePrincipal', request.GranteePrincipal);
      const retiring = request.RetiringPrincipal === undefined ? undefined : this.requirePrincipal('RetiringPrincipal', request.RetiringPrincipal);
      const operations = checkOperations(request.Operations);
      const constraints = checkConstraints(request.Constraints);
      if (request.Name !== undefined && (typeof request.Name !== 'string' || !/^[a-zA-Z0-9:/_-]{1,256}$/.test(request.Name))) {
        throw kmsError('ValidationException', 'Name: expected 1-256 letters, digits or : / _ -');
      }
      // As in AWS, the same name, grantee, operations and constraints return the existing grant.
      const same = this.grantsOf(key.keyId).find((g) => request.Name !== undefined && g.name === request.Name
        && g.granteePrincipal === grantee && JSON.stringify(g.operations) === JSON.stringify(operations)
        && JSON.stringify(g.constraints) === JSON.stringify(constraints));
      if (same) return { GrantId: same.grantId, GrantToken: same.grantToken };
      const grant: GrantRecord = {
        ...newGrantIdentifiers(), keyId: key.keyId, name: request.Name, granteePrincipal: grantee, retiringPrincipal: retiring,
        operations, constraints, issuingAccount: this.account, creationDate: this.clock.now().toISOString(),
      };
      this.tx.insert(this.tables!.grants, grant);
      return { GrantId: grant.grantId, GrantToken: grant.grantToken };
    });
  }

  listGrants(request: ListGrantsRequest, caller?: Caller): Promise<ListGrantsResponse> {
    const malformed = malformedKmsRequest('ListGrants', request); if (malformed) return malformed;
    return this.onKey('ListGrants', request.KeyId, caller, { conditions: grantIsForAwsResource(caller) }, async (key) => ({
      Grants: this.grantsOf(key.keyId)
        .filter((g) => (request.GrantId === undefined || g.grantId === request.GrantId)
          && (request.GranteePrincipal === undefined || g.granteePrincipal === request.GranteePrincipal))
        .map((g) => this.grantEntry(g, key)),
    }));
  }

  listRetirableGrants(request: ListRetirableGrantsRequest, caller?: Caller): Promise<ListRetirableGrantsResponse> {
    const malformed = malformedKmsRequest('ListRetirableGrants', request); if (malformed) return malformed;
    return this.call('ListRetirableGrants', caller, undefined, async (who) => {
      this.authorize({ caller: who, action: 'kms:ListRetirableGrants', resource: '*' });
      const principal = this.requirePrincipal('RetiringPrincipal', request.RetiringPrincipal);
      return { Grants: [...this.tables!.grants.values()].filter((g) => g.retiringPrincipal === principal).map((g) => this.grantEntry(g, this.keyById(g.keyId))) };
    });
  }

  /**
   * Retires a grant, by GrantToken or by KeyId and GrantId. Allowed to the grant's retiring
   * principal, to its grantee if the grant includes RetireGrant, and to the account that issued it.
   */
  retireGrant(request: RetireGrantRequest, caller?: Caller): Promise<RetireGrantResponse> {
    const malformed = malformedKmsRequest('RetireGrant', request); if (malformed) return malformed;
    return this.call('RetireGrant', caller, undefined, async (who, event) => {
      const grant = request.GrantToken !== undefined
        ? this.tables!.grants.lookup('byToken', String(request.GrantToken))[0]
        : this.grantsOf(request.KeyId === undefined ? undefined : this.resolveKey(request.KeyId).keyId).find((g) => g.grantId === request.GrantId);
      if (!grant) {
        if (request.GrantToken !== undefined) throw kmsError('InvalidGrantTokenException', 'GrantToken does not name a grant');
        throw kmsError('NotFoundException', 'no grant with that KeyId and GrantId');
      }
      event.keyArn = this.keyById(grant.keyId).arn;
      event.grantId = grant.grantId;
      const mayRetire = who.principal === grant.retiringPrincipal
        || (who.principal === grant.granteePrincipal && grant.operations.includes('RetireGrant'))
        || who.principal === rootArn(grant.issuingAccount);
      if (!mayRetire) throw kmsError('AccessDeniedException', `User: ${who.principal} may not retire grant ${grant.grantId}`);
      this.tx.remove(this.tables!.grants, grant.grantId);
      return {};
    });
  }

  revokeGrant(request: RevokeGrantRequest, caller?: Caller): Promise<RevokeGrantResponse> {
    const malformed = malformedKmsRequest('RevokeGrant', request); if (malformed) return malformed;
    return this.onKey('RevokeGrant', request.KeyId, caller, { conditions: grantIsForAwsResource(caller) }, async (key) => {
      const grant = this.grantsOf(key.keyId).find((g) => g.grantId === request.GrantId);
      if (!grant) throw kmsError('NotFoundException', `no grant ${String(request.GrantId)} on ${key.arn}`);
      this.tx.remove(this.tables!.grants, grant.grantId);
      return {};
    });
  }

  // ---------------------------------------------------------------- AWS managed keys (for services)

  /**
   * The AWS managed key of a service (alias/aws/s3, alias/aws/ebs, …), created on first use. For
   * the service implementations: customers cannot manage these keys, only use them via the service.
   */
  awsManagedKeyId(service: string): Promise<string> {
    return this.transactional(async () => {
      const name = `alias/aws/${service}`;
      const existing = this.tables!.aliases.get(name);
      if (existing) return { outcome: existing.targetKeyId };
      const record = this.newKeyRecord(`Default key that protects my ${service.toUpperCase()} data when no other key is defined`,
        awsManagedKeyPolicy(this.account, service), 'AWS', []);
      this.tx.insert(this.tables!.aliases, { aliasName: name, targetKeyId: record.keyId, creationDate: this.clock.now().toISOString() });
      // As in CloudTrail, the key's creation is recorded as the service's CreateKey call.
      const event: AuditEvent = { eventTime: this.clock.now().toISOString(), eventName: 'CreateKey', principal: `${service}.amazonaws.com`, keyArn: record.arn };
      return { outcome: record.keyId, event };
    });
  }

  // ---------------------------------------------------------------- audit trail

  /**
   * Checks the HMAC chain: an edited, removed or reordered record breaks it. Reads the trail as it
   * goes (memory stays flat), from the start or, given the checkpoint an earlier verification
   * returned, only the records after it (those before it are not read again). With an `anchor` (an
   * `auditHead()` kept where this store's writer cannot change it), a trail cut back to before the
   * anchored record, or rewritten from it on, is invalid. The chain is checked up to the head when
   * called; calls go on meanwhile.
   */
  async verifyAuditTrail(options: { fromCheckpoint?: AuditCheckpoint; anchor?: AuditHead } = {}): Promise<AuditVerification> {
    const from = options.fromCheckpoint ?? START_OF_TRAIL;
    const isHead = (head: AuditHead | undefined) => head !== undefined && Number.isSafeInteger(head.count) && head.count >= 0
      && typeof head.mac === 'string' && /^[0-9a-f]{64}$/.test(head.mac);
    if (!isHead(from) || !(Number.isSafeInteger(from.position) && from.position >= 0)) {
      throw kmsError('ValidationException', 'fromCheckpoint: expected { count, mac, position } as verifyAuditTrail returned it');
    }
    const { anchor } = options;
    if (anchor !== undefined && (!isHead(anchor) || anchor.count < from.count)) {
      throw kmsError('ValidationException', 'anchor: expected { count, mac } as auditHead returned it, no older than fromCheckpoint');
    }
    const head = await this.auditHead();
    if (head.count < from.count) return { valid: false, firstInvalidIndex: head.count, records: head.count };
    return verifyTrail(this.store.readAudit(from), this.auditKey!, from, head.count, anchor);
  }

  /**
   * The chain's end: how many records the trail holds and the last one's MAC. Kept somewhere the
   * store's writer cannot change (an external anchor), it shows a trail cut short or rewritten
   * later: the trail must then still hold a record `count - 1` with this MAC.
   */
  async auditHead(): Promise<AuditHead> {
    await this.exclusive(() => this.load());
    await this.audit!.drain();
    return this.store.auditHead();
  }

  /** Audit records, optionally filtered by key (id, ARN or alias), principal, event and time range, read from the store as they are filtered. */
  async listAuditRecords(filter: ListAuditRecordsRequest = {}): Promise<AuditRecord[]> {
    const malformed = malformedKmsRequest('ListAuditRecords', filter); if (malformed) return malformed;
    const { count } = await this.auditHead();
    const keyArn = filter.KeyId === undefined ? undefined : await this.exclusive(async () => this.resolveKey(filter.KeyId!).arn);
    const found: AuditRecord[] = [];
    let read = 0;
    for await (const { record: r } of this.store.readAudit()) {
      if (read++ === count) break;
      if ((keyArn === undefined || r.keyArn === keyArn) &&
        (filter.Principal === undefined || r.principal === filter.Principal) &&
        (filter.EventName === undefined || r.eventName === filter.EventName) &&
        (filter.StartTime === undefined || new Date(r.eventTime) >= filter.StartTime) &&
        (filter.EndTime === undefined || new Date(r.eventTime) <= filter.EndTime)) found.push(r);
    }
    return found;
  }

  // ---------------------------------------------------------------- internals

  private root(): Caller {
    return { principal: rootArn(this.account) };
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.calls.run(work);
  }

  private async load(): Promise<void> {
    if (this.tables) return;
    this.rootKey = await this.store.rootKey();
    this.auditKey = deriveAuditKey(this.rootKey);
    const tables = {
      keys: new RecordTable<KeyRecord>((k) => k.keyId),
      aliases: new RecordTable<AliasRecord>((a) => a.aliasName, { byKey: (a) => a.targetKeyId }),
      grants: new RecordTable<GrantRecord>((g) => g.grantId, { byKey: (g) => g.keyId, byToken: (g) => g.grantToken }),
    };
    if (this.store.updatesSince) {
      const updates = await this.store.updatesSince(0);
      const live = <T>(list: Array<RecordUpdate<T>>) => list.flatMap((u) => (u.record === undefined ? [] : [u.record]));
      tables.keys.load(live(updates.keys));
      tables.aliases.load(live(updates.aliases));
      tables.grants.load(live(updates.grants));
      this.version = updates.version;
    } else {
      const saved = await this.store.read();
      tables.keys.load(saved?.keys ?? []);
      tables.aliases.load(saved?.aliases ?? []);
      tables.grants.load(saved?.grants ?? []);
    }
    this.audit = new AuditWriter(this.store);
    this.tables = tables;
    this.nextDue = Math.min(...[...tables.keys.values()].map(nextDueTime));
  }

  /**
   * Before a call on a shared store: loads what other processes changed since this one last looked.
   * Concurrent calls share one query (a refresh begun after each of them), so this costs one round
   * trip per batch of calls rather than per call.
   */
  private async catchUp(): Promise<void> {
    if (!this.tables) await this.exclusive(() => this.load());
    const store = this.store;
    if (!store.updatesSince) return;
    await this.refresher.run(async () => {
      const updates = await store.updatesSince!(this.version);
      await this.exclusive(async () => this.applyUpdates(updates));
    });
  }

  /** Applies another process's changes: only those newer than what this process holds (its own commits may have overtaken the query). */
  private applyUpdates(updates: StoreUpdates): void {
    if (updates.version <= this.version) return;
    const tables = this.tables!;
    const apply = <T extends object>(table: RecordTable<T>, list: Array<RecordUpdate<T>>) => {
      for (const { id, seq, record } of list) if (seq > this.version) table.replace(id, record);
    };
    apply(tables.keys, updates.keys);
    apply(tables.aliases, updates.aliases);
    apply(tables.grants, updates.grants);
    for (const { record } of updates.keys) if (record) this.nextDue = Math.min(this.nextDue, nextDueTime(record));
    this.version = updates.version;
  }

  /** What the open transaction changed, as the store takes it. */
  private changes(): StoreChanges {
    const tables = this.tables!;
    return { keys: this.tx.changes(tables.keys), aliases: this.tx.changes(tables.aliases), grants: this.tx.changes(tables.grants) };
  }

  private snapshot(): StoreSnapshot {
    const tables = this.tables!;
    return { keys: [...tables.keys.values()], aliases: [...tables.aliases.values()], grants: [...tables.grants.values()] };
  }

  /**
   * Runs `attempt` (which changes the tables in `tx` and returns its outcome and audit event) as one
   * transaction of the store. An attempt that changed nothing only queues its event (group commit):
   * `stored` settles once it is durable, and the next call may run meanwhile. One that changed
   * something waits for the events before it, then commits its change together with its event:
   * both are stored or neither, and if neither, the tables are rolled back and the error thrown. On
   * a shared store that another process changed meanwhile, the store has the attempt run again,
   * under its lock, on the updated tables; the outcome is then the second run's.
   */
  private async transactional<T>(attempt: () => Promise<{ outcome: T; event?: AuditEvent }>): Promise<T> {
    await this.catchUp();
    const { outcome, stored } = await this.exclusive(async () => {
      let dueBefore = this.nextDue;
      let current = await attempt();
      if (!this.tx.changed) {
        if (current.event === undefined) return { outcome: current.outcome, stored: Promise.resolve() };
        const stored = this.audit!.append(current.event);
        stored.catch(() => undefined); // awaited by its call once out of the queue; not an unhandled rejection meanwhile
        return { outcome: current.outcome, stored };
      }
      const rollback = () => {
        this.tx.rollback();
        this.nextDue = Math.min(this.nextDue, dueBefore);
      };
      await this.audit!.drain();
      try {
        this.version = await this.store.commit([], {
          event: current.event!, changes: this.changes(), state: () => this.snapshot(), version: this.version,
          redo: async (updates) => {
            rollback();
            this.applyUpdates(updates);
            dueBefore = this.nextDue;
            current = await attempt();
            return { event: current.event!, change: this.tx.changed ? { changes: this.changes(), state: () => this.snapshot() } : undefined };
          },
        });
      } catch (error) {
        rollback();
        throw error;
      }
      const { keys } = this.changes();
      this.tx.commit();
      for (const key of keys.put) this.nextDue = Math.min(this.nextDue, nextDueTime(key));
      return { outcome: current.outcome, stored: Promise.resolve() };
    });
    await stored;
    return outcome;
  }

  /**
   * Runs one API call: applies due rotations and deletions, runs `work`, and stores the records it
   * changed (if any) with its audit record (allowed or refused). A refused call changes nothing but
   * the audit trail.
   */
  private async call<T>(eventName: string, caller: Caller | undefined, contextInput: unknown,
    work: (who: Caller, event: AuditEvent, context: EncryptionContext) => Promise<T>): Promise<T> {
    const outcome = await this.transactional<{ result: T } | { error: unknown }>(async () => {
      const dueBefore = this.nextDue;
      const event: AuditEvent = {
        eventTime: this.clock.now().toISOString(), eventName,
        principal: typeof caller?.principal === 'string' ? caller.principal : rootArn(this.account), viaService: caller?.viaService,
      };
      try {
        const who = this.checkCaller(caller);
        const context = checkEncryptionContext(contextInput);
        if (Object.keys(context).length > 0) event.encryptionContext = { ...context };
        this.applyDueLifecycle();
        const result = await work(who, event, context);
        return { outcome: { result }, event };
      } catch (error) {
        this.tx.rollback();
        this.nextDue = dueBefore;
        this.applyDueLifecycle();
        // Refusals are KmsErrors; anything else is a fault, audited as such and rethrown unchanged.
        const known = error instanceof KmsError;
        return { outcome: { error }, event: { ...event, errorCode: known ? error.name : 'InternalFailure', errorMessage: known ? error.message : undefined } };
      }
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.result;
  }

  /** A call on one key: resolves it, checks the key state and authorization, then runs `work`. */
  private onKey<T>(operation: string, keyId: string, caller: Caller | undefined,
    options: { context?: unknown; customerManaged?: boolean; grantTokens?: string[]; conditions?: ConditionContext },
    work: (key: KeyRecord, context: EncryptionContext) => Promise<T>): Promise<T> {
    return this.call(operation, caller, options.context, async (who, event, context) => {
      const { key, requestAlias } = this.resolveKeyFor(keyId, who);
      event.keyArn = key.arn;
      this.checkGrantTokens(options.grantTokens);
      this.authorizeOnKey(who, operation, key, context, event, options.conditions, requestAlias);
      if (options.customerManaged && key.keyManager === 'AWS') {
        throw kmsError('AccessDeniedException', `${key.arn} is an AWS managed key: customers cannot ${operation} it`);
      }
      assertStateAllows(operation, key.keyState, key.arn);
      return work(key, context);
    });
  }

  /** The caller's identity policies, this KMS's account and region, and its clock (aws:CurrentTime) join every authorization. */
  private authorize(input: Omit<AuthorizationInput, 'time' | 'account' | 'region'>): void {
    authorize({ ...input, account: this.account, region: this.region, time: this.clock.now() }, this.iam);
  }

  /** Key policy, identity policies and grants; a grant that authorizes the call is named in the audit record. */
  private authorizeOnKey(who: Caller, operation: string, key: KeyRecord, context: EncryptionContext, event: AuditEvent,
    conditions: ConditionContext = {}, requestAlias?: string): void {
    const grant = grantFor(this.grantsOf(key.keyId), key.keyId, who.principal, operation, context);
    const aliases = this.tables!.aliases.lookup('byKey', key.keyId).map((a) => a.aliasName);
    this.authorize({ caller: who, action: `kms:${operation}`, resource: key.arn, keyPolicy: this.policyOf(key),
      context: { ...keyConditions(operation, key, who, aliases, requestAlias), ...encryptionContextConditions(context), ...conditions },
      grantAllows: grant !== undefined });
    if (grant && event.grantId === undefined) event.grantId = grant.grantId;
  }

  /** GrantTokens, where given, must each name an existing grant. */
  private checkGrantTokens(tokens: string[] | undefined): void {
    for (const token of tokens ?? []) {
      if (this.tables!.grants.lookup('byToken', token).length === 0) {
        throw kmsError('InvalidGrantTokenException', 'a grant token in GrantTokens is not valid');
      }
    }
  }

  private assertImported(key: KeyRecord, operation: string): void {
    if (key.origin !== 'EXTERNAL') throw kmsError('UnsupportedOperationException', `${operation} applies only to keys with Origin EXTERNAL; ${key.arn} is ${key.origin}`);
  }

  private assertGeneratedMaterial(key: KeyRecord, operation: string): void {
    if (key.origin !== 'AWS_KMS') throw kmsError('UnsupportedOperationException', `${operation} is not supported for imported key material (${key.arn})`);
  }

  /** Imported material is gone (deleted or expired): the key waits for the same material again. */
  private removeImportedMaterial(key: KeyRecord): void {
    key.materials = [];
    key.keyState = 'PendingImport';
    if (key.importedMaterial) delete key.importedMaterial.validTo;
  }

  private grantEntry(g: GrantRecord, key: KeyRecord) {
    return {
      KeyId: key.arn, GrantId: g.grantId, Name: g.name, CreationDate: new Date(g.creationDate), GranteePrincipal: g.granteePrincipal,
      RetiringPrincipal: g.retiringPrincipal, IssuingAccount: rootArn(g.issuingAccount), Operations: [...g.operations],
      Constraints: g.constraints && structuredClone(g.constraints),
    };
  }

  private requirePrincipal(field: string, value: unknown): string {
    if (!isPrincipalArn(value)) {
      throw kmsError('ValidationException', `${field}: expected an IAM or STS ARN`);
    }
    return value;
  }

  private checkCaller(caller: Caller | undefined): Caller {
    if (caller === undefined) return this.root();
    if (typeof caller !== 'object' || caller === null) throw kmsError('ValidationException', 'caller: expected { principal, viaService? }');
    if (!isServicePrincipal(caller.principal)) this.requirePrincipal('caller.principal', caller.principal);
    return caller;
  }

  private policyOf(key: KeyRecord): PolicyDocument {
    let parsed = this.parsedPolicies.get(key.policy);
    if (!parsed) {
      parsed = parsePolicy(key.policy, true);
      this.parsedPolicies.set(key.policy, parsed);
    }
    return parsed;
  }

  private parsePolicyOrThrow(policy: string): void {
    try {
      parsePolicy(policy, true);
    } catch (error) {
      if (error instanceof MalformedPolicyError) throw kmsError('MalformedPolicyDocumentException', error.message);
      throw error;
    }
  }

  /** A new key; an EXTERNAL one starts PendingImport, with no material until importKeyMaterial. */
  private newKeyRecord(description: string, policy: string, keyManager: 'CUSTOMER' | 'AWS', tags: KeyRecord['tags'],
    origin: 'AWS_KMS' | 'EXTERNAL' = 'AWS_KMS'): KeyRecord {
    const keyId = crypto.randomUUID();
    const record: KeyRecord = {
      keyId, arn: `arn:aws:kms:${this.region}:${this.account}:key/${keyId}`, description, keyUsage: 'ENCRYPT_DECRYPT',
      origin, keyManager, keyState: origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled', creationDate: this.clock.now().toISOString(), policy,
      tags: tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue })), materials: [],
      rotation: { enabled: keyManager === 'AWS', periodDays: 365,
        nextRotationDate: keyManager === 'AWS' ? addDays(this.clock.now(), 365).toISOString() : undefined },
    };
    if (origin === 'AWS_KMS') {
      const material = crypto.getRandomValues(new Uint8Array(32));
      record.materials.push({ version: 1, createdAt: record.creationDate, wrapped: wrapMaterial(this.rootKey!, keyId, 1, material) });
      material.fill(0);
    }
    return this.tx.insert(this.tables!.keys, record);
  }

  /** A new material version, which encrypts from now on; older versions still decrypt. */
  private addMaterialVersion(key: KeyRecord, rotationType: 'AUTOMATIC' | 'ON_DEMAND', at = this.clock.now()): void {
    const version = key.materials.length + 1;
    const material = crypto.getRandomValues(new Uint8Array(32));
    key.materials.push({ version, createdAt: at.toISOString(), wrapped: wrapMaterial(this.rootKey!, key.keyId, version, material), rotationType });
    material.fill(0);
  }

  /**
   * Rotations, deletions and material expiries whose date has come, by the clock. Only a call at or
   * after the earliest such date looks at every key (and then finds the next earliest), so a call
   * costs the same however many keys there are.
   */
  private applyDueLifecycle(): void {
    const now = this.clock.now();
    if (now.getTime() < this.nextDue) return;
    const tables = this.tables!;
    for (const found of [...tables.keys.values()]) {
      if (nextDueTime(found) > now.getTime()) continue;
      if (found.keyState === 'PendingDeletion') {
        for (const alias of tables.aliases.lookup('byKey', found.keyId)) this.tx.remove(tables.aliases, alias.aliasName);
        for (const grant of this.grantsOf(found.keyId)) this.tx.remove(tables.grants, grant.grantId);
        this.tx.remove(tables.keys, found.keyId);
        continue;
      }
      const key = this.editKey(found);
      const validTo = key.importedMaterial?.validTo;
      if (validTo && new Date(validTo) <= now) this.removeImportedMaterial(key);
      while (key.rotation.enabled && key.keyState === 'Enabled' && key.rotation.nextRotationDate && new Date(key.rotation.nextRotationDate) <= now) {
        const due = new Date(key.rotation.nextRotationDate);
        this.addMaterialVersion(key, 'AUTOMATIC', due);
        key.rotation.nextRotationDate = addDays(due, key.rotation.periodDays).toISOString();
      }
    }
    this.nextDue = Math.min(...[...tables.keys.values()].map(nextDueTime));
  }

  /** A changeable copy of a key for the open transaction. */
  private editKey(key: KeyRecord): KeyRecord {
    return this.tx.edit(this.tables!.keys, key.keyId);
  }

  private grantsOf(keyId: string | undefined): GrantRecord[] {
    return keyId === undefined ? [] : this.tables!.grants.lookup('byKey', keyId);
  }

  private checkAliasName(name: unknown): string {
    if (typeof name !== 'string' || !ALIAS_PATTERN.test(name) || name.length > 256) {
      throw kmsError('InvalidAliasNameException', `AliasName: expected "alias/" followed by letters, digits, / _ or -, got ${String(name)}`);
    }
    if (name.startsWith('alias/aws/')) throw kmsError('InvalidAliasNameException', `${name}: the alias/aws/ prefix is reserved for AWS managed keys`);
    return name;
  }

  private findAlias(name: string): AliasRecord {
    const alias = this.tables!.aliases.get(name);
    if (!alias) throw kmsError('NotFoundException', `Alias ${this.aliasArn(name)} is not found`);
    return alias;
  }

  private aliasArn(name: string): string {
    return `arn:aws:kms:${this.region}:${this.account}:${name}`;
  }

  private keyById(keyId: string): KeyRecord {
    const key = this.tables!.keys.get(keyId);
    if (!key) throw kmsError('NotFoundException', `Key arn:aws:kms:${this.region}:${this.account}:key/${keyId} does not exist`);
    return key;
  }

  /**
   * The key a request names, and the alias it named it by (kms:RequestAlias). A principal of another
   * account must name a key by its key ARN or alias ARN: a key id or alias name would be looked up
   * in its own account, as in AWS.
   */
  private resolveKeyFor(identifier: string, who: Caller): { key: KeyRecord; requestAlias?: string } {
    const account = accountOf(who.principal);
    if (account !== undefined && account !== this.account && !identifier.startsWith('arn:')) {
      throw kmsError('NotFoundException', `${identifier} is not a key of account ${account}: name another account's key by its ARN`);
    }
    const aliasName = identifier.startsWith('arn:') ? /^arn:aws:kms:[^:]*:\d{12}:(alias\/.+)$/.exec(identifier)?.[1] : identifier;
    return { key: this.resolveKey(identifier), requestAlias: aliasName?.startsWith('alias/') ? aliasName : undefined };
  }

  /** A key by key id, key ARN, alias name or alias ARN. */
  private resolveKey(identifier: string): KeyRecord {
    const aliasArnPrefix = `arn:aws:kms:${this.region}:${this.account}:`;
    let name = identifier;
    if (name.startsWith(`${aliasArnPrefix}alias/`)) name = name.slice(aliasArnPrefix.length);
    if (name.startsWith('alias/')) return this.keyById(this.findAlias(name).targetKeyId);
    if (name.startsWith(`${aliasArnPrefix}key/`)) name = name.slice(`${aliasArnPrefix}key/`.length);
    else if (name.startsWith('arn:')) throw kmsError('NotFoundException', `${identifier} is not a key of ${this.account} in ${this.region}`);
    return this.keyById(name);
  }

  private metadata(key: KeyRecord): KeyMetadata {
    return {
      AWSAccountId: this.account, KeyId: key.keyId, Arn: key.arn, CreationDate: new Date(key.creationDate),
      Enabled: key.keyState === 'Enabled', Description: key.description, KeyUsage: key.keyUsage, KeyState: key.keyState,
      DeletionDate: key.deletionDate ? new Date(key.deletionDate) : undefined, Origin: key.origin, KeyManager: key.keyManager,
      KeySpec: 'SYMMETRIC_DEFAULT', CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT', EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
      ExpirationModel: key.importedMaterial?.expirationModel,
      ValidTo: key.importedMaterial?.validTo ? new Date(key.importedMaterial.validTo) : undefined,
    };
  }

  private dataKeyLength(request: { KeySpec?: string; NumberOfBytes?: number }): number {
    if ((request.KeySpec === undefined) === (request.NumberOfBytes === undefined)) {
      throw kmsError('ValidationException', 'give exactly one of KeySpec and NumberOfBytes');
    }
    if (request.KeySpec !== undefined) return request.KeySpec === 'AES_256' ? 32 : 16;
    return request.NumberOfBytes!;
  }

  /** Encrypts under the key's newest material version (see ciphertext-blob.ts for the format). */
  private async seal(key: KeyRecord, plaintext: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    const current = key.materials[key.materials.length - 1]!;
    const header = encodeBlobHeader({ keyId: key.keyId, materialVersion: current.version, iv: crypto.getRandomValues(new Uint8Array(12)) });
    const material = unwrapMaterial(this.rootKey!, key.keyId, current.version, current.wrapped);
    try {
      const sealed = gcm(material, header.subarray(21, 33), this.aad(header, context), { constantTime: true }).encrypt(plaintext);
      const blob = new Uint8Array(BLOB_HEADER_BYTES + sealed.length);
      blob.set(header);
      blob.set(sealed, BLOB_HEADER_BYTES);
      return blob;
    } finally {
      material.fill(0);
    }
  }

  /** Finds the blob's key, checks KeyId, state and authorization, and decrypts with the blob's material version. */
  private async open(who: Caller, operation: string, blob: Uint8Array, keyId: string | undefined, context: EncryptionContext,
    event: AuditEvent, grantTokens: string[] | undefined, conditionsFor: (key: KeyRecord) => ConditionContext = () => ({})): Promise<{ key: KeyRecord; plaintext: Uint8Array }> {
    this.checkGrantTokens(grantTokens);
    const header = decodeBlobHeader(blob);
    const key = this.tables!.keys.get(header.keyId);
    if (!key) throw kmsError('InvalidCiphertextException', 'the key that made this ciphertext does not exist in this KMS');
    event.keyArn = key.arn;
    const named = keyId === undefined ? undefined : this.resolveKeyFor(keyId, who);
    if (named && named.key.keyId !== key.keyId) throw kmsError('IncorrectKeyException', `the ciphertext was not made under ${keyId}`);
    this.authorizeOnKey(who, operation, key, context, event, conditionsFor(key), named?.requestAlias);
    assertStateAllows(operation, key.keyState, key.arn);
    const version = key.materials.find((m) => m.version === header.materialVersion);
    if (!version) throw kmsError('InvalidCiphertextException', 'the ciphertext names a key-material version this key does not have');
    const material = unwrapMaterial(this.rootKey!, key.keyId, version.version, version.wrapped);
    try {
      const bytes = blob as Uint8Array;
      const plaintext = gcm(material, header.iv, this.aad(bytes.subarray(0, BLOB_HEADER_BYTES), context), { constantTime: true })
        .decrypt(bytes.subarray(BLOB_HEADER_BYTES));
      return { key, plaintext };
    } catch {
      throw kmsError('InvalidCiphertextException', 'the ciphertext, or its encryption context, is not the one this key produced');
    } finally {
      material.fill(0);
    }
  }

  private aad(header: Uint8Array, context: EncryptionContext): Uint8Array {
    let canonical: Uint8Array;
    try {
      canonical = canonicalEncryptionContext(context);
    } catch (error) {
      if (error instanceof InvalidInputError) throw kmsError('ValidationException', `EncryptionContext: ${error.message}`);
      throw error;
    }
    const aad = new Uint8Array(header.length + canonical.length);
    aad.set(header);
    aad.set(canonical, header.length);
    return aad;
  }
}
