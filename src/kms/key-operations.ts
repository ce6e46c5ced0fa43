// The operations on keys themselves: creation, description and listing, key states (enable,
// disable, scheduled deletion), descriptions and tags, key policies, rotation, and the AWS managed
// keys services create on first use.

import { addDays } from '../core/clock.js';
import { requireIntegerInRange } from '../core/validate.js';
import { MalformedPolicyError, parsePolicy, type Caller } from '../policy/index.js';
import type { AuditEvent } from './audit-trail.js';
import { createKeyConditions, numberCondition, requestTagConditions } from './kms-condition-keys.js';
import type { KmsCalls } from './kms-calls.js';
import { kmsError } from './kms-errors.js';
import { awsManagedKeyPolicy, defaultKeyPolicy } from './key-policies.js';
import type {
  CancelKeyDeletionRequest, CancelKeyDeletionResponse, CreateKeyRequest, CreateKeyResponse, DescribeKeyRequest, DescribeKeyResponse,
  DisableKeyRequest, DisableKeyResponse, DisableKeyRotationRequest, DisableKeyRotationResponse, EnableKeyRequest, EnableKeyResponse,
  EnableKeyRotationRequest, EnableKeyRotationResponse, GetKeyPolicyRequest, GetKeyPolicyResponse, GetKeyRotationStatusRequest,
  GetKeyRotationStatusResponse, ListKeyRotationsRequest, ListKeyRotationsResponse, ListKeysRequest, ListKeysResponse,
  ListResourceTagsRequest, ListResourceTagsResponse, PutKeyPolicyRequest, PutKeyPolicyResponse, RotateKeyOnDemandRequest,
  RotateKeyOnDemandResponse, ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse, TagResourceRequest, TagResourceResponse,
  UntagResourceRequest, UntagResourceResponse, UpdateKeyDescriptionRequest, UpdateKeyDescriptionResponse,
} from './kms-api-types.js';

/** ScheduleKeyDeletion's window: 7 to 30 days, default 30 (the request shape allows what the wire does, 1 to 365). */
function pendingWindowInDays(value: number | undefined): number {
  if (value === undefined) return 30;
  try {
    return requireIntegerInRange('PendingWindowInDays', value, 7, 30);
  } catch (error) {
    throw kmsError('ValidationException', (error as Error).message);
  }
}

function parsePolicyOrThrow(policy: string): void {
  try {
    parsePolicy(policy, true);
  } catch (error) {
    if (error instanceof MalformedPolicyError) throw kmsError('MalformedPolicyDocumentException', error.message);
    throw error;
  }
}

export class KeyOperations {
  constructor(private readonly kms: KmsCalls) {}

  createKey(request: CreateKeyRequest, caller?: Caller): Promise<CreateKeyResponse> {
    return this.kms.call('CreateKey', caller, undefined, async (who) => {
      this.kms.authorize({ caller: who, action: 'kms:CreateKey', resource: '*', context: createKeyConditions(request) });
      const origin = request.Origin ?? 'AWS_KMS';
      const policy = request.Policy ?? defaultKeyPolicy(this.kms.account);
      parsePolicyOrThrow(policy);
      const record = this.kms.lifecycle.newKeyRecord(request.Description ?? '', policy, 'CUSTOMER', request.Tags ?? [], origin);
      return { KeyMetadata: this.kms.directory.metadata(record) };
    });
  }

  describeKey(request: DescribeKeyRequest, caller?: Caller): Promise<DescribeKeyResponse> {
    return this.kms.onKey('DescribeKey', request.KeyId, caller, { grantTokens: request.GrantTokens },
      async (key) => ({ KeyMetadata: this.kms.directory.metadata(key) }));
  }

  listKeys(_request: ListKeysRequest, caller?: Caller): Promise<ListKeysResponse> {
    return this.kms.call('ListKeys', caller, undefined, async (who) => {
      this.kms.authorize({ caller: who, action: 'kms:ListKeys', resource: '*' });
      return { Keys: [...this.kms.directory.keys.values()].map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })) };
    });
  }

  enableKey(request: EnableKeyRequest, caller?: Caller): Promise<EnableKeyResponse> {
    return this.kms.onKey('EnableKey', request.KeyId, caller, { customerManaged: true }, async (found) => {
      const key = this.kms.lifecycle.editKey(found);
      key.keyState = 'Enabled';
      this.kms.lifecycle.resumeRotation(key);
      return {};
    });
  }

  disableKey(request: DisableKeyRequest, caller?: Caller): Promise<DisableKeyResponse> {
    return this.kms.onKey('DisableKey', request.KeyId, caller, { customerManaged: true }, async (found) => {
      this.kms.lifecycle.editKey(found).keyState = 'Disabled';
      return {};
    });
  }

  scheduleKeyDeletion(request: ScheduleKeyDeletionRequest, caller?: Caller): Promise<ScheduleKeyDeletionResponse> {
    const conditions = { 'kms:ScheduleKeyDeletionPendingWindowInDays': numberCondition(request.PendingWindowInDays ?? 30) };
    return this.kms.onKey('ScheduleKeyDeletion', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.kms.lifecycle.editKey(found);
      const days = pendingWindowInDays(request.PendingWindowInDays);
      key.keyState = 'PendingDeletion';
      key.deletionDate = addDays(this.kms.clock.now(), days).toISOString();
      return { KeyId: key.arn, DeletionDate: new Date(key.deletionDate), KeyState: key.keyState, PendingWindowInDays: days };
    });
  }

  cancelKeyDeletion(request: CancelKeyDeletionRequest, caller?: Caller): Promise<CancelKeyDeletionResponse> {
    return this.kms.onKey('CancelKeyDeletion', request.KeyId, caller, { customerManaged: true }, async (found) => {
      const key = this.kms.lifecycle.editKey(found);
      key.keyState = 'Disabled'; // as in AWS: a key whose deletion is cancelled comes back disabled
      delete key.deletionDate;
      return { KeyId: key.arn };
    });
  }

  updateKeyDescription(request: UpdateKeyDescriptionRequest, caller?: Caller): Promise<UpdateKeyDescriptionResponse> {
    return this.kms.onKey('UpdateKeyDescription', request.KeyId, caller, { customerManaged: true }, async (found) => {
      this.kms.lifecycle.editKey(found).description = request.Description;
      return {};
    });
  }

  tagResource(request: TagResourceRequest, caller?: Caller): Promise<TagResourceResponse> {
    const conditions = requestTagConditions(request.Tags);
    return this.kms.onKey('TagResource', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.kms.lifecycle.editKey(found);
      for (const tag of request.Tags) {
        key.tags = key.tags.filter((t) => t.TagKey !== tag.TagKey);
        key.tags.push({ TagKey: tag.TagKey, TagValue: tag.TagValue });
      }
      return {};
    });
  }

  untagResource(request: UntagResourceRequest, caller?: Caller): Promise<UntagResourceResponse> {
    const conditions = { 'aws:TagKeys': request.TagKeys };
    return this.kms.onKey('UntagResource', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.kms.lifecycle.editKey(found);
      key.tags = key.tags.filter((t) => !request.TagKeys.includes(t.TagKey));
      return {};
    });
  }

  listResourceTags(request: ListResourceTagsRequest, caller?: Caller): Promise<ListResourceTagsResponse> {
    return this.kms.onKey('ListResourceTags', request.KeyId, caller, {}, async (key) => ({ Tags: key.tags.map((t) => ({ ...t })) }));
  }

  putKeyPolicy(request: PutKeyPolicyRequest, caller?: Caller): Promise<PutKeyPolicyResponse> {
    const conditions = { 'kms:BypassPolicyLockoutSafetyCheck': String(request.BypassPolicyLockoutSafetyCheck === true) };
    return this.kms.onKey('PutKeyPolicy', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.kms.lifecycle.editKey(found);
      if (request.PolicyName !== undefined && request.PolicyName !== 'default') throw kmsError('ValidationException', 'PolicyName: only "default" exists');
      parsePolicyOrThrow(request.Policy);
      key.policy = request.Policy;
      return {};
    });
  }

  getKeyPolicy(request: GetKeyPolicyRequest, caller?: Caller): Promise<GetKeyPolicyResponse> {
    return this.kms.onKey('GetKeyPolicy', request.KeyId, caller, {}, async (key) => ({ Policy: key.policy, PolicyName: 'default' }));
  }

  enableKeyRotation(request: EnableKeyRotationRequest, caller?: Caller): Promise<EnableKeyRotationResponse> {
    const conditions = { 'kms:RotationPeriodInDays': numberCondition(request.RotationPeriodInDays ?? 365) };
    return this.kms.onKey('EnableKeyRotation', request.KeyId, caller, { customerManaged: true, conditions }, async (found) => {
      const key = this.kms.lifecycle.editKey(found);
      this.kms.lifecycle.assertGeneratedMaterial(key, 'EnableKeyRotation');
      const days = request.RotationPeriodInDays ?? 365;
      key.rotation = { enabled: true, periodDays: days, nextRotationDate: addDays(this.kms.clock.now(), days).toISOString() };
      return {};
    });
  }

  disableKeyRotation(request: DisableKeyRotationRequest, caller?: Caller): Promise<DisableKeyRotationResponse> {
    return this.kms.onKey('DisableKeyRotation', request.KeyId, caller, { customerManaged: true }, async (found) => {
      const key = this.kms.lifecycle.editKey(found);
      key.rotation = { enabled: false, periodDays: key.rotation.periodDays };
      return {};
    });
  }

  getKeyRotationStatus(request: GetKeyRotationStatusRequest, caller?: Caller): Promise<GetKeyRotationStatusResponse> {
    return this.kms.onKey('GetKeyRotationStatus', request.KeyId, caller, {}, async (key) => ({
      KeyId: key.keyId,
      KeyRotationEnabled: key.rotation.enabled,
      RotationPeriodInDays: key.rotation.enabled ? key.rotation.periodDays : undefined,
      NextRotationDate: key.rotation.nextRotationDate ? new Date(key.rotation.nextRotationDate) : undefined,
    }));
  }

  rotateKeyOnDemand(request: RotateKeyOnDemandRequest, caller?: Caller): Promise<RotateKeyOnDemandResponse> {
    return this.kms.onKey('RotateKeyOnDemand', request.KeyId, caller, { customerManaged: true }, async (found) => {
      const key = this.kms.lifecycle.editKey(found);
      this.kms.lifecycle.assertGeneratedMaterial(key, 'RotateKeyOnDemand');
      this.kms.lifecycle.addMaterialVersion(key, 'ON_DEMAND');
      return { KeyId: key.keyId };
    });
  }

  listKeyRotations(request: ListKeyRotationsRequest, caller?: Caller): Promise<ListKeyRotationsResponse> {
    return this.kms.onKey('ListKeyRotations', request.KeyId, caller, {}, async (key) => ({
      Rotations: key.materials.filter((m) => m.rotationType).map((m) => ({
        KeyId: key.keyId, RotationDate: new Date(m.createdAt), RotationType: m.rotationType!,
      })),
    }));
  }

  /**
   * The AWS managed key of a service (alias/aws/s3, alias/aws/ebs, …), created on first use. For
   * the service implementations: customers cannot manage these keys, only use them via the service.
   */
  awsManagedKeyId(service: string): Promise<string> {
    return this.kms.transactional(async () => {
      const { directory, lifecycle, clock, tx } = this.kms;
      const name = `alias/aws/${service}`;
      const existing = directory.aliases.get(name);
      if (existing) return { outcome: existing.targetKeyId };
      const record = lifecycle.newKeyRecord(`Default key that protects my ${service.toUpperCase()} data when no other key is defined`,
        awsManagedKeyPolicy(this.kms.account, service), 'AWS', []);
      tx.insert(directory.aliases, { aliasName: name, targetKeyId: record.keyId, creationDate: clock.now().toISOString() });
      // As in CloudTrail, the key's creation is recorded as the service's CreateKey call.
      const event: AuditEvent = { eventTime: clock.now().toISOString(), eventName: 'CreateKey', principal: `${service}.amazonaws.com`, keyArn: record.arn };
      return { outcome: record.keyId, event };
    });
  }
}
