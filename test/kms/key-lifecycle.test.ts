// What falls due by the clock (key-lifecycle.ts), probed where a bug would hide: at the exact
// instant a deletion, a rotation or an expiry is due (one millisecond early changes nothing), in a
// KMS that loads a store another process left with something due, and for what a deleted key
// leaves behind (its aliases and grants go with it). AWS KMS Developer Guide: "Deleting AWS KMS
// keys" (the key is deleted at the end of the waiting period, with its aliases and grants),
// "Rotating AWS KMS keys" (AWS managed keys rotate every year), "Importing key material"
// (imported material expires at ValidTo and the key becomes PendingImport).
import { describe, expect, it } from 'vitest';
import { KeyManagementService } from '../../src/index.js';
import { ACCOUNT, ALICE, BOB, ManualClock, REGION, bytes, makeKms, rejectsWith } from './fixtures.js';

const ONE_MS = 1 / 86_400_000; // in days, for ManualClock.advanceDays

type Kms = ReturnType<typeof makeKms>['kms'];

/** The customer's side of BYOK: 32 bytes of material wrapped with the key's RSA public key, then imported. */
async function importMaterial(kms: Kms, keyId: string, material: Uint8Array, validTo?: Date): Promise<void> {
  const params = await kms.getParametersForImport({ KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
  const wrappingKey = await crypto.subtle.importKey('spki', new Uint8Array(params.PublicKey), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
  const EncryptedKeyMaterial = new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, wrappingKey, new Uint8Array(material)));
  await kms.importKeyMaterial({ KeyId: keyId, ImportToken: params.ImportToken, EncryptedKeyMaterial,
    ...(validTo ? { ExpirationModel: 'KEY_MATERIAL_EXPIRES' as const, ValidTo: validTo } : {}) });
}

describe('deletion at the end of the waiting period', () => {
  it('a key is still there one millisecond before its DeletionDate and gone at that instant, with its aliases and grants', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    const { KeyMetadata: kept } = await kms.createKey();
    await kms.createAlias({ AliasName: 'alias/doomed', TargetKeyId: key.KeyId });
    await kms.createAlias({ AliasName: 'alias/kept', TargetKeyId: kept.KeyId });
    const { GrantId: doomedGrant } = await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, RetiringPrincipal: ALICE, Operations: ['Decrypt'] });
    const { GrantId: keptGrant } = await kms.createGrant({ KeyId: kept.KeyId, GranteePrincipal: BOB, RetiringPrincipal: ALICE, Operations: ['Decrypt'] });
    const { DeletionDate } = await kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 });
    expect(DeletionDate.toISOString()).toBe('2026-01-08T00:00:00.000Z');

    clock.advanceDays(7 - ONE_MS);
    expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.KeyState).toBe('PendingDeletion');
    expect((await kms.listRetirableGrants({ RetiringPrincipal: ALICE })).Grants.map((g) => g.GrantId).sort()).toEqual([doomedGrant, keptGrant].sort());

    clock.advanceDays(ONE_MS);
    await rejectsWith(kms.describeKey({ KeyId: key.KeyId }), 'NotFoundException');
    await rejectsWith(kms.describeKey({ KeyId: 'alias/doomed' }), 'NotFoundException');
    // The grant does not outlive its key: it is neither listed nor retirable by its id.
    expect((await kms.listRetirableGrants({ RetiringPrincipal: ALICE })).Grants.map((g) => g.GrantId)).toEqual([keptGrant]);
    expect((await kms.listAliases()).Aliases.map((a) => a.AliasName)).toEqual(['alias/kept']);
    expect((await kms.listKeys()).Keys.map((k) => k.KeyId)).toEqual([kept.KeyId]);
  });

  it('when one key\'s deletion falls due, a key with a later DeletionDate stays pending and keys with nothing due are untouched', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: soon } = await kms.createKey();
    const { KeyMetadata: later } = await kms.createKey();
    const { KeyMetadata: rotating } = await kms.createKey();
    await kms.enableKeyRotation({ KeyId: rotating.KeyId, RotationPeriodInDays: 90 });
    await kms.scheduleKeyDeletion({ KeyId: soon.KeyId, PendingWindowInDays: 7 });
    await kms.scheduleKeyDeletion({ KeyId: later.KeyId, PendingWindowInDays: 30 });
    clock.advanceDays(7);
    await rejectsWith(kms.describeKey({ KeyId: soon.KeyId }), 'NotFoundException');
    expect((await kms.describeKey({ KeyId: later.KeyId })).KeyMetadata.KeyState).toBe('PendingDeletion');
    expect((await kms.listKeyRotations({ KeyId: rotating.KeyId })).Rotations).toEqual([]);
    // The next due date is still watched after that deletion: the later one comes on its day.
    clock.advanceDays(23);
    await rejectsWith(kms.describeKey({ KeyId: later.KeyId }), 'NotFoundException');
    expect((await kms.listKeyRotations({ KeyId: rotating.KeyId })).Rotations).toEqual([]);
  });

  it('a KMS that loads a store with a deletion already due deletes the key on its first call', async () => {
    const { kms, store } = makeKms();
    await kms.createKey(); // a key with nothing due: the earliest due time is not simply the last key's
    const { KeyMetadata: key } = await kms.createKey();
    await kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 });
    const later = new ManualClock(new Date('2026-01-08T00:00:00Z'));
    const reopened = new KeyManagementService({ account: ACCOUNT, region: REGION, store, clock: later });
    await rejectsWith(reopened.describeKey({ KeyId: key.KeyId }), 'NotFoundException');
  });

  it('a key whose deletion is cancelled is not deleted when the date comes', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    await kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 });
    await kms.cancelKeyDeletion({ KeyId: key.KeyId });
    clock.advanceDays(8);
    expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.KeyState).toBe('Disabled');
  });
});

describe('automatic rotation', () => {
  it('a key rotates exactly at NextRotationDate, not a millisecond before, and the next date is one period later', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    await kms.enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 90 });
    clock.advanceDays(90 - ONE_MS);
    expect((await kms.listKeyRotations({ KeyId: key.KeyId })).Rotations).toEqual([]);
    clock.advanceDays(ONE_MS);
    const [rotation, ...more] = (await kms.listKeyRotations({ KeyId: key.KeyId })).Rotations;
    expect(more).toEqual([]);
    expect(rotation).toMatchObject({ RotationType: 'AUTOMATIC', RotationDate: new Date('2026-04-01T00:00:00Z') });
    expect((await kms.getKeyRotationStatus({ KeyId: key.KeyId })).NextRotationDate).toEqual(new Date('2026-06-30T00:00:00Z'));
  });

  it('a new customer managed key has no rotation scheduled; an AWS managed key rotates every year from its creation', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    const status = await kms.getKeyRotationStatus({ KeyId: key.KeyId });
    expect([status.KeyRotationEnabled, status.RotationPeriodInDays, status.NextRotationDate]).toEqual([false, undefined, undefined]);
    const managed = await kms.awsManagedKeyId('s3');
    expect(await kms.getKeyRotationStatus({ KeyId: managed })).toMatchObject({
      KeyRotationEnabled: true, RotationPeriodInDays: 365, NextRotationDate: new Date('2027-01-01T00:00:00Z'),
    });
    clock.advanceDays(365);
    const { Rotations } = await kms.listKeyRotations({ KeyId: managed });
    expect(Rotations.map((r) => [r.RotationType, r.RotationDate.toISOString()])).toEqual([['AUTOMATIC', '2027-01-01T00:00:00.000Z']]);
    // The customer managed key, with rotation never enabled, has not rotated.
    expect((await kms.listKeyRotations({ KeyId: key.KeyId })).Rotations).toEqual([]);
  });

  it('a disabled key is not rotated while it is disabled (AWS: "While a KMS key is disabled, AWS KMS does not rotate it")', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    await kms.enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 90 });
    await kms.disableKey({ KeyId: key.KeyId });
    clock.advanceDays(100);
    expect((await kms.listKeyRotations({ KeyId: key.KeyId })).Rotations).toEqual([]);
  });

  // AWS KMS Developer Guide, "How automatic key rotation works", Disabled KMS keys: "When the KMS key is re-enabled, if the key
  // material is more than one year old, AWS KMS rotates it immediately and every year thereafter. If the key material is less
  // than one year old, AWS KMS resumes the original key rotation schedule."
  it('a key enabled again after missing rotation dates rotates once, at once, and every period from then', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    await kms.enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 90 });
    await kms.disableKey({ KeyId: key.KeyId });
    clock.advanceDays(400); // four rotation dates missed
    await kms.enableKey({ KeyId: key.KeyId });
    const enabledAt = clock.now();
    const rotations = async () => (await kms.listKeyRotations({ KeyId: key.KeyId })).Rotations.map((r) => [r.RotationType, r.RotationDate.toISOString()]);
    expect(await rotations()).toEqual([['AUTOMATIC', enabledAt.toISOString()]]);
    const next = new Date(enabledAt.getTime() + 90 * 86_400_000);
    expect((await kms.getKeyRotationStatus({ KeyId: key.KeyId })).NextRotationDate).toEqual(next);
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') });
    expect(new DataView(CiphertextBlob.buffer, CiphertextBlob.byteOffset).getUint32(17)).toBe(2); // the new material encrypts
    clock.advanceDays(90);
    expect(await rotations()).toEqual([['AUTOMATIC', enabledAt.toISOString()], ['AUTOMATIC', next.toISOString()]]);
  });

  it('a key enabled again before its rotation date keeps its original schedule; at the date itself, it rotates', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    await kms.enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 90 });
    const scheduled = (await kms.getKeyRotationStatus({ KeyId: key.KeyId })).NextRotationDate!;
    await kms.disableKey({ KeyId: key.KeyId });
    clock.advanceDays(90 - ONE_MS);
    await kms.enableKey({ KeyId: key.KeyId });
    expect((await kms.listKeyRotations({ KeyId: key.KeyId })).Rotations).toEqual([]);
    expect((await kms.getKeyRotationStatus({ KeyId: key.KeyId })).NextRotationDate).toEqual(scheduled);
    await kms.disableKey({ KeyId: key.KeyId });
    clock.advanceDays(ONE_MS);
    await kms.enableKey({ KeyId: key.KeyId });
    expect((await kms.listKeyRotations({ KeyId: key.KeyId })).Rotations.map((r) => r.RotationDate)).toEqual([scheduled]);
  });
});

describe('keys as they are created', () => {
  it('an AWS_KMS key encrypts with version 1 of its own material; an EXTERNAL key has none until imported', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') });
    expect(new DataView(CiphertextBlob.buffer, CiphertextBlob.byteOffset).getUint32(17)).toBe(1);
    const { KeyMetadata: external } = await kms.createKey({ Origin: 'EXTERNAL' });
    expect(external.KeyState).toBe('PendingImport');
    expect((await kms.listKeyRotations({ KeyId: key.KeyId })).Rotations).toEqual([]);
  });

  it('operations only for imported material, or only for generated material, name the key and say why', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: generated } = await kms.createKey();
    const { KeyMetadata: external } = await kms.createKey({ Origin: 'EXTERNAL' });
    await importMaterial(kms, external.KeyId, new Uint8Array(32).fill(3));
    const refusal = (call: Promise<unknown>) => call.then(() => undefined, (e: Error) => ({ name: e.name, message: e.message }));
    expect(await refusal(kms.deleteImportedKeyMaterial({ KeyId: generated.KeyId }))).toEqual({
      name: 'UnsupportedOperationException',
      message: `DeleteImportedKeyMaterial applies only to keys with Origin EXTERNAL; ${generated.Arn} is AWS_KMS`,
    });
    expect(await refusal(kms.rotateKeyOnDemand({ KeyId: external.KeyId }))).toEqual({
      name: 'UnsupportedOperationException',
      message: `RotateKeyOnDemand is not supported for imported key material (${external.Arn})`,
    });
  });
});

describe('imported material that expires', () => {
  it('expires exactly at ValidTo: usable one millisecond before, PendingImport at that instant; the same material brings it back', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Origin: 'EXTERNAL' });
    const material = new Uint8Array(32).fill(9);
    await importMaterial(kms, key.KeyId, material, new Date('2026-01-10T00:00:00Z'));
    expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.ValidTo).toEqual(new Date('2026-01-10T00:00:00Z'));
    clock.advanceDays(9 - ONE_MS);
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('before expiry') });
    clock.advanceDays(ONE_MS);
    const { KeyMetadata } = await kms.describeKey({ KeyId: key.KeyId });
    expect(KeyMetadata.KeyState).toBe('PendingImport');
    expect(KeyMetadata.ValidTo).toBeUndefined();
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }), 'KMSInvalidStateException');
    await rejectsWith(kms.decrypt({ CiphertextBlob }), 'KMSInvalidStateException');
    await importMaterial(kms, key.KeyId, material);
    expect((await kms.decrypt({ CiphertextBlob })).Plaintext).toEqual(bytes('before expiry'));
    const again = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('after') });
    expect((await kms.decrypt({ CiphertextBlob: again.CiphertextBlob })).Plaintext).toEqual(bytes('after'));
  });

  it('deleting the material of a key that never had any leaves it waiting for an import', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Origin: 'EXTERNAL' });
    await kms.deleteImportedKeyMaterial({ KeyId: key.KeyId });
    expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.KeyState).toBe('PendingImport');
  });
});
