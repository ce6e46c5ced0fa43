// Which operations each key state permits (the AWS key-state table, for the operations this KMS
// has). An operation refused for a Disabled key raises DisabledException; for the other states,
// KMSInvalidStateException.

import { kmsError } from './kms-errors.js';

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport';

const CRYPTO = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext'];

// A Map, not an object: an operation name like "toString" must find no rule, not Object.prototype's.
const ALLOWED: ReadonlyMap<string, KeyState[]> = new Map(Object.entries({
  ...Object.fromEntries(CRYPTO.map((op) => [op, ['Enabled']])),
  DescribeKey: ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'],
  GetKeyPolicy: ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'],
  PutKeyPolicy: ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'],
  EnableKey: ['Enabled', 'Disabled'],
  DisableKey: ['Enabled', 'Disabled'],
  ScheduleKeyDeletion: ['Enabled', 'Disabled', 'PendingImport'],
  CancelKeyDeletion: ['PendingDeletion'],
  UpdateKeyDescription: ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'],
  TagResource: ['Enabled', 'Disabled', 'PendingImport'],
  UntagResource: ['Enabled', 'Disabled', 'PendingImport'],
  ListResourceTags: ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'],
  CreateAlias: ['Enabled', 'Disabled', 'PendingImport'],
  UpdateAlias: ['Enabled', 'Disabled', 'PendingImport'],
  EnableKeyRotation: ['Enabled'],
  DisableKeyRotation: ['Enabled'],
  GetKeyRotationStatus: ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'],
  RotateKeyOnDemand: ['Enabled'],
  ListKeyRotations: ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'],
  CreateGrant: ['Enabled', 'PendingImport'],
  GetParametersForImport: ['Enabled', 'Disabled', 'PendingImport'],
  ImportKeyMaterial: ['Enabled', 'Disabled', 'PendingImport'],
  DeleteImportedKeyMaterial: ['Enabled', 'Disabled', 'PendingImport'],
  ListGrants: ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'],
  RevokeGrant: ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'],
} satisfies Record<string, KeyState[]>));

export function assertStateAllows(operation: string, state: KeyState, keyArn: string): void {
  const allowed = ALLOWED.get(operation);
  if (!allowed) throw new Error(`no key-state rule for ${operation}`);
  if (allowed.includes(state)) return;
  if (state === 'Disabled') throw kmsError('DisabledException', `${keyArn} is disabled`);
  throw kmsError('KMSInvalidStateException', `${keyArn} is ${state}, which does not allow ${operation}`);
}
