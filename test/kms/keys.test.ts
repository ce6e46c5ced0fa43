import { describe, expect, it } from 'vitest';
import { ACCOUNT, REGION, bytes, makeKms, rejectsWith } from './fixtures.js';

describe('keys', () => {
  it('createKey returns full metadata; describeKey finds the key by id, ARN, alias name and alias ARN', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: created } = await kms.createKey({ Description: 'orders', Tags: [{ TagKey: 'team', TagValue: 'a' }] });
    expect(created).toMatchObject({
      AWSAccountId: ACCOUNT, Description: 'orders', KeyState: 'Enabled', Enabled: true, KeyManager: 'CUSTOMER',
      Origin: 'AWS_KMS', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT',
    });
    expect(created.Arn).toBe(`arn:aws:kms:${REGION}:${ACCOUNT}:key/${created.KeyId}`);
    expect(created.CreationDate).toBeInstanceOf(Date);
    await kms.createAlias({ AliasName: 'alias/orders', TargetKeyId: created.KeyId });
    for (const id of [created.KeyId, created.Arn, 'alias/orders', `arn:aws:kms:${REGION}:${ACCOUNT}:alias/orders`]) {
      expect((await kms.describeKey({ KeyId: id })).KeyMetadata.KeyId).toBe(created.KeyId);
    }
    expect((await kms.listKeys()).Keys).toEqual([{ KeyId: created.KeyId, KeyArn: created.Arn }]);
  });

  it('unknown keys and aliases are NotFoundException; bad requests are ValidationException', async () => {
    const { kms } = makeKms();
    await rejectsWith(kms.describeKey({ KeyId: '00000000-0000-0000-0000-000000000000' }), 'NotFoundException');
    await rejectsWith(kms.describeKey({ KeyId: 'alias/nope' }), 'NotFoundException');
    await rejectsWith(kms.describeKey({ KeyId: 'arn:aws:kms:eu-west-1:999999999999:key/x' }), 'NotFoundException');
    await rejectsWith(kms.describeKey({ KeyId: '' }), 'ValidationException');
    await rejectsWith(kms.createKey({ KeyUsage: 'SIGN_VERIFY' as never }), 'ValidationException');
    await rejectsWith(kms.createKey({ Policy: '{"Statement": 5}' }), 'MalformedPolicyDocumentException');
    expect(() => new (kms.constructor as never as new (o: object) => unknown)({ account: '12', region: REGION })).toThrow(/account/);
  });

  it('disabled keys refuse cryptographic operations with DisabledException, and come back with enableKey', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') });
    await kms.disableKey({ KeyId: key.KeyId });
    expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }), 'DisabledException');
    await rejectsWith(kms.decrypt({ CiphertextBlob }), 'DisabledException');
    await rejectsWith(kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' }), 'DisabledException');
    await rejectsWith(kms.enableKeyRotation({ KeyId: key.KeyId }), 'DisabledException');
    await kms.enableKey({ KeyId: key.KeyId });
    expect((await kms.decrypt({ CiphertextBlob })).Plaintext).toEqual(bytes('x'));
  });

  it('scheduleKeyDeletion: 7 to 30 days; the key is unusable while pending and gone at the date', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    await kms.createAlias({ AliasName: 'alias/doomed', TargetKeyId: key.KeyId });
    for (const days of [6, 31, 7.5]) await rejectsWith(kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: days }), 'ValidationException');
    const scheduled = await kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 });
    expect(scheduled.KeyState).toBe('PendingDeletion');
    expect(scheduled.DeletionDate.toISOString()).toBe('2026-01-08T00:00:00.000Z');
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }), 'KMSInvalidStateException');
    await rejectsWith(kms.enableKey({ KeyId: key.KeyId }), 'KMSInvalidStateException');
    expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.DeletionDate).toEqual(scheduled.DeletionDate);
    clock.advanceDays(6.9);
    expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.KeyState).toBe('PendingDeletion');
    clock.advanceDays(0.2);
    await rejectsWith(kms.describeKey({ KeyId: key.KeyId }), 'NotFoundException');
    expect((await kms.listAliases()).Aliases).toEqual([]);
  });

  it('cancelKeyDeletion leaves the key disabled, as in AWS; only a pending key can be cancelled', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    await rejectsWith(kms.cancelKeyDeletion({ KeyId: key.KeyId }), 'KMSInvalidStateException');
    await kms.scheduleKeyDeletion({ KeyId: key.KeyId });
    await kms.cancelKeyDeletion({ KeyId: key.KeyId });
    const { KeyMetadata } = await kms.describeKey({ KeyId: key.KeyId });
    expect(KeyMetadata.KeyState).toBe('Disabled');
    expect(KeyMetadata.DeletionDate).toBeUndefined();
  });

  it('tags: set at creation, added, replaced, removed and listed; bad tags refused', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Tags: [{ TagKey: 'team', TagValue: 'a' }] });
    await kms.tagResource({ KeyId: key.KeyId, Tags: [{ TagKey: 'team', TagValue: 'b' }, { TagKey: 'env', TagValue: 'prod' }] });
    expect((await kms.listResourceTags({ KeyId: key.KeyId })).Tags).toEqual([{ TagKey: 'team', TagValue: 'b' }, { TagKey: 'env', TagValue: 'prod' }]);
    await kms.untagResource({ KeyId: key.KeyId, TagKeys: ['team'] });
    expect((await kms.listResourceTags({ KeyId: key.KeyId })).Tags).toEqual([{ TagKey: 'env', TagValue: 'prod' }]);
    await rejectsWith(kms.tagResource({ KeyId: key.KeyId, Tags: [{ TagKey: '', TagValue: 'x' }] }), 'ValidationException');
    await rejectsWith(kms.createKey({ Tags: 'team=a' as never }), 'ValidationException');
  });

  it('updateKeyDescription', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Description: 'old' });
    await kms.updateKeyDescription({ KeyId: key.KeyId, Description: 'new' });
    expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.Description).toBe('new');
  });
});

describe('aliases', () => {
  it('create, update, list and delete; names are checked; duplicates refused; alias/aws/ is reserved', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: a } = await kms.createKey();
    const { KeyMetadata: b } = await kms.createKey();
    await kms.createAlias({ AliasName: 'alias/app', TargetKeyId: a.KeyId });
    await rejectsWith(kms.createAlias({ AliasName: 'alias/app', TargetKeyId: b.KeyId }), 'AlreadyExistsException');
    for (const name of ['app', 'alias/', 'alias/has space', 'alias/aws/s3']) {
      await rejectsWith(kms.createAlias({ AliasName: name, TargetKeyId: a.KeyId }), 'InvalidAliasNameException');
    }
    await kms.updateAlias({ AliasName: 'alias/app', TargetKeyId: b.KeyId });
    expect((await kms.describeKey({ KeyId: 'alias/app' })).KeyMetadata.KeyId).toBe(b.KeyId);
    expect((await kms.listAliases({ KeyId: b.KeyId })).Aliases.map((x) => x.AliasName)).toEqual(['alias/app']);
    expect((await kms.listAliases({ KeyId: a.KeyId })).Aliases).toEqual([]);
    await kms.deleteAlias({ AliasName: 'alias/app' });
    await rejectsWith(kms.describeKey({ KeyId: 'alias/app' }), 'NotFoundException');
    await rejectsWith(kms.deleteAlias({ AliasName: 'alias/app' }), 'NotFoundException');
  });
});
