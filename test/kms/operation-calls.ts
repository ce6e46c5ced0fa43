// One call of each KMS operation on a key (`Subject`), as a customer makes it, for the tests that
// go through every operation: key-states.test.ts (a key in each state) and cross-account.test.ts
// (a caller of another account).
import type { Caller } from '../../src/kms/kms-authorizer.js';
import { BOB, bytes, type makeKms } from './fixtures.js';

export type Kms = ReturnType<typeof makeKms>['kms'];

/**
 * A key and what calls on it need: an alias to it, a grant on it, a ciphertext under it (absent
 * for a key that never had material), and another Enabled key (`other`, by ARN) with a ciphertext.
 */
export interface Subject { keyId: string; arn: string; grantId: string; blob?: Uint8Array; other: string; otherBlob: Uint8Array }

let aliases = 0;

export const OPERATION_CALLS: Record<string, (kms: Kms, s: Subject, caller?: Caller) => Promise<unknown>> = {
  Encrypt: (kms, s, c) => kms.encrypt({ KeyId: s.keyId, Plaintext: bytes('x') }, c),
  Decrypt: (kms, s, c) => kms.decrypt({ CiphertextBlob: s.blob! }, c),
  ReEncryptFrom: (kms, s, c) => kms.reEncrypt({ CiphertextBlob: s.blob!, DestinationKeyId: s.other }, c),
  ReEncryptTo: (kms, s, c) => kms.reEncrypt({ CiphertextBlob: s.otherBlob, DestinationKeyId: s.keyId }, c),
  GenerateDataKey: (kms, s, c) => kms.generateDataKey({ KeyId: s.keyId, KeySpec: 'AES_256' }, c),
  GenerateDataKeyWithoutPlaintext: (kms, s, c) => kms.generateDataKeyWithoutPlaintext({ KeyId: s.keyId, KeySpec: 'AES_256' }, c),
  DescribeKey: (kms, s, c) => kms.describeKey({ KeyId: s.keyId }, c),
  GetKeyPolicy: (kms, s, c) => kms.getKeyPolicy({ KeyId: s.keyId, PolicyName: 'default' }, c),
  PutKeyPolicy: async (kms, s, c) => kms.putKeyPolicy({ KeyId: s.keyId, PolicyName: 'default', Policy: (await kms.getKeyPolicy({ KeyId: s.keyId })).Policy }, c),
  EnableKey: (kms, s, c) => kms.enableKey({ KeyId: s.keyId }, c),
  DisableKey: (kms, s, c) => kms.disableKey({ KeyId: s.keyId }, c),
  ScheduleKeyDeletion: (kms, s, c) => kms.scheduleKeyDeletion({ KeyId: s.keyId, PendingWindowInDays: 7 }, c),
  CancelKeyDeletion: (kms, s, c) => kms.cancelKeyDeletion({ KeyId: s.keyId }, c),
  UpdateKeyDescription: (kms, s, c) => kms.updateKeyDescription({ KeyId: s.keyId, Description: 'changed' }, c),
  TagResource: (kms, s, c) => kms.tagResource({ KeyId: s.keyId, Tags: [{ TagKey: 'team', TagValue: 'a' }] }, c),
  UntagResource: (kms, s, c) => kms.untagResource({ KeyId: s.keyId, TagKeys: ['team'] }, c),
  ListResourceTags: (kms, s, c) => kms.listResourceTags({ KeyId: s.keyId }, c),
  CreateAlias: (kms, s, c) => kms.createAlias({ AliasName: `alias/new-${++aliases}`, TargetKeyId: s.keyId }, c),
  // UpdateAlias checks the key the alias is moved to (an alias of `other`, made by the account).
  UpdateAlias: async (kms, s, c) => {
    const name = `alias/moved-${++aliases}`;
    await kms.createAlias({ AliasName: name, TargetKeyId: s.other });
    return kms.updateAlias({ AliasName: name, TargetKeyId: s.keyId }, c);
  },
  EnableKeyRotation: (kms, s, c) => kms.enableKeyRotation({ KeyId: s.keyId }, c),
  DisableKeyRotation: (kms, s, c) => kms.disableKeyRotation({ KeyId: s.keyId }, c),
  GetKeyRotationStatus: (kms, s, c) => kms.getKeyRotationStatus({ KeyId: s.keyId }, c),
  RotateKeyOnDemand: (kms, s, c) => kms.rotateKeyOnDemand({ KeyId: s.keyId }, c),
  ListKeyRotations: (kms, s, c) => kms.listKeyRotations({ KeyId: s.keyId }, c),
  CreateGrant: (kms, s, c) => kms.createGrant({ KeyId: s.keyId, GranteePrincipal: BOB, Operations: ['Encrypt'] }, c),
  ListGrants: (kms, s, c) => kms.listGrants({ KeyId: s.keyId }, c),
  RevokeGrant: (kms, s, c) => kms.revokeGrant({ KeyId: s.keyId, GrantId: s.grantId }, c),
  GetParametersForImport: (kms, s, c) => kms.getParametersForImport({ KeyId: s.keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }, c),
  ImportKeyMaterial: (kms, s, c) => kms.importKeyMaterial({ KeyId: s.keyId, ImportToken: bytes('not the token'), EncryptedKeyMaterial: new Uint8Array(256) }, c),
  DeleteImportedKeyMaterial: (kms, s, c) => kms.deleteImportedKeyMaterial({ KeyId: s.keyId }, c),
};
