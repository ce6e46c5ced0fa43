// Every operation on a key in every key state, called as a customer would: the state table of the
// AWS KMS Developer Guide ("Key states of AWS KMS keys",
// https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html), for the operations this
// KMS has. A refused call names the key and fails with DisabledException for a Disabled key and
// KMSInvalidStateException otherwise; an allowed one gets past the state check (it may still fail
// later for another reason: a wrong import token, or an AWS_KMS key asked for import parameters).
import { describe, expect, it } from 'vitest';
import { assertStateAllows } from '../../src/kms/key-states.js';
import { BOB, bytes, makeKms } from './fixtures.js';
import { OPERATION_CALLS as CALLS, type Kms, type Subject } from './operation-calls.js';

type State = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport';

const ALL: State[] = ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'];
const USABLE: State[] = ['Enabled'];
const NOT_PENDING_DELETION: State[] = ['Enabled', 'Disabled', 'PendingImport'];

/** The states in which each operation passes the state check (the guide's ✓, and ? where the condition is not the state). */
const ALLOWED_IN: Record<keyof typeof CALLS, State[]> = {
  Encrypt: USABLE, Decrypt: USABLE, ReEncryptFrom: USABLE, ReEncryptTo: USABLE, GenerateDataKey: USABLE, GenerateDataKeyWithoutPlaintext: USABLE,
  DescribeKey: ALL, GetKeyPolicy: ALL, PutKeyPolicy: ALL, UpdateKeyDescription: ALL, ListResourceTags: ALL, GetKeyRotationStatus: ALL,
  ListKeyRotations: ALL, ListGrants: ALL, RevokeGrant: ALL,
  EnableKey: ['Enabled', 'Disabled'], DisableKey: ['Enabled', 'Disabled'],
  ScheduleKeyDeletion: NOT_PENDING_DELETION, CancelKeyDeletion: ['PendingDeletion'],
  TagResource: NOT_PENDING_DELETION, UntagResource: NOT_PENDING_DELETION, CreateAlias: NOT_PENDING_DELETION, UpdateAlias: NOT_PENDING_DELETION,
  EnableKeyRotation: USABLE, DisableKeyRotation: USABLE, RotateKeyOnDemand: USABLE,
  CreateGrant: ['Enabled', 'PendingImport'],
  GetParametersForImport: NOT_PENDING_DELETION, ImportKeyMaterial: NOT_PENDING_DELETION, DeleteImportedKeyMaterial: NOT_PENDING_DELETION,
};

/** A fresh key put into `state` the way a customer would, with an alias, a grant and (unless PendingImport) a ciphertext. */
async function subject(kms: Kms, state: State, other: string, otherBlob: Uint8Array): Promise<Subject> {
  const { KeyMetadata: key } = await kms.createKey(state === 'PendingImport' ? { Origin: 'EXTERNAL' } : {});
  const { GrantId: grantId } = await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'] });
  const blob = state === 'PendingImport' ? undefined : (await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('secret') })).CiphertextBlob;
  if (state === 'Disabled') await kms.disableKey({ KeyId: key.KeyId });
  if (state === 'PendingDeletion') await kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 30 });
  expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.KeyState).toBe(state);
  return { keyId: key.KeyId, arn: key.Arn, grantId, blob, other, otherBlob };
}

/** The error a call failed with, or undefined when it succeeded. */
async function outcome(call: Promise<unknown>): Promise<Error | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

describe('key states: what each operation may do to a key in each state', () => {
  for (const state of ALL) {
    it(`a key ${state}`, async () => {
      const { kms } = makeKms();
      const { KeyMetadata: other } = await kms.createKey();
      const { CiphertextBlob: otherBlob } = await kms.encrypt({ KeyId: other.KeyId, Plaintext: bytes('other') });
      for (const [operation, call] of Object.entries(CALLS)) {
        // A PendingImport key has never had material here, so there is no ciphertext of it to decrypt
        // (a key whose imported material was deleted: import.test.ts).
        if (state === 'PendingImport' && (operation === 'Decrypt' || operation === 'ReEncryptFrom')) continue;
        const s = await subject(kms, state, other.Arn, otherBlob);
        const error = await outcome(call(kms, s));
        const stateError = error?.name === 'DisabledException' || error?.name === 'KMSInvalidStateException';
        if (ALLOWED_IN[operation]!.includes(state)) {
          expect(stateError, `${operation} on a ${state} key: ${error?.name}: ${error?.message}`).toBe(false);
        } else {
          expect(error?.name, `${operation} on a ${state} key`).toBe(state === 'Disabled' ? 'DisabledException' : 'KMSInvalidStateException');
          expect(error?.message, `${operation} on a ${state} key`).toBe(state === 'Disabled'
            ? `${s.arn} is disabled` : `${s.arn} is ${state}, which does not allow ${operation}`);
        }
      }
    });
  }

  it('an operation missing from the table is a fault of this KMS, not an allowed call', () => {
    // Guards a new operation wired up without its row: it must fail loudly, never pass unchecked.
    expect(() => assertStateAllows('Sign', 'Enabled', 'arn:aws:kms:us-east-1:111122223333:key/k')).toThrow(new Error('no key-state rule for Sign'));
    expect(() => assertStateAllows('toString', 'Enabled', 'arn:aws:kms:us-east-1:111122223333:key/k')).toThrow(new Error('no key-state rule for toString'));
  });

  it('allowed calls did what they were asked (the table is not passed by calls that fail for another reason)', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('kept') });
    await kms.disableKey({ KeyId: key.KeyId });
    await kms.tagResource({ KeyId: key.KeyId, Tags: [{ TagKey: 'team', TagValue: 'a' }] });
    await kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 });
    expect((await kms.listResourceTags({ KeyId: key.KeyId })).Tags).toEqual([{ TagKey: 'team', TagValue: 'a' }]);
    await kms.cancelKeyDeletion({ KeyId: key.KeyId });
    await kms.enableKey({ KeyId: key.KeyId });
    expect((await kms.decrypt({ CiphertextBlob })).Plaintext).toEqual(bytes('kept'));
  });
});
