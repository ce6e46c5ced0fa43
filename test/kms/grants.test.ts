import { describe, expect, it } from 'vitest';
import { ALICE, BOB, ROOT, bytes, makeKms, policyJson, rejectsWith } from './fixtures.js';
import type { GrantOperation } from '../../src/index.js';

const bob = { principal: BOB };

async function keyWithGrantForBob(operations: GrantOperation[] = ['Encrypt', 'Decrypt'], extra: object = {}) {
  const fixture = makeKms();
  const { KeyMetadata: key } = await fixture.kms.createKey();
  const grant = await fixture.kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, RetiringPrincipal: ALICE, Operations: operations, ...extra });
  return { ...fixture, key, grant };
}

describe('grants', () => {
  it('let the grantee perform exactly the granted operations, and are named in the audit trail', async () => {
    const { kms, key, grant } = await keyWithGrantForBob();
    expect(grant.GrantId).toMatch(/^[0-9a-f]{64}$/);
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, bob);
    await kms.decrypt({ CiphertextBlob }, bob);
    await rejectsWith(kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' }, bob), 'AccessDeniedException');
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, { principal: ALICE }), 'AccessDeniedException');
    const decrypts = await kms.listAuditRecords({ EventName: 'Decrypt' });
    expect(decrypts[0]!.grantId).toBe(grant.GrantId);
    const { Grants } = await kms.listGrants({ KeyId: key.KeyId });
    expect(Grants).toHaveLength(1);
    expect(Grants[0]).toMatchObject({ KeyId: key.Arn, GrantId: grant.GrantId, GranteePrincipal: BOB, RetiringPrincipal: ALICE,
      Operations: ['Encrypt', 'Decrypt'], IssuingAccount: ROOT });
  });

  it('honour EncryptionContextEquals and EncryptionContextSubset constraints', async () => {
    const { kms, key } = await keyWithGrantForBob(['Encrypt'], { Constraints: { EncryptionContextEquals: { volume: 'vol-1' } } });
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { volume: 'vol-1' } }, bob);
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { volume: 'vol-1', extra: 'y' } }, bob), 'AccessDeniedException');
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, bob), 'AccessDeniedException');
    await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { team: 'a' } } });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { team: 'a', doc: '1' } });
    await kms.decrypt({ CiphertextBlob, EncryptionContext: { team: 'a', doc: '1' } }, bob);
    const other = (await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { team: 'b' } })).CiphertextBlob;
    await rejectsWith(kms.decrypt({ CiphertextBlob: other, EncryptionContext: { team: 'b' } }, bob), 'AccessDeniedException');
  });

  it('compare constraint keys regardless of case and values exactly, as AWS KMS does', async () => {
    const { kms, key } = await keyWithGrantForBob(['Encrypt'], { Constraints: { EncryptionContextEquals: { Volume: 'vol-1' } } });
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { volume: 'vol-1' } }, bob);
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { volume: 'VOL-1' } }, bob), 'AccessDeniedException');
    await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { TEAM: 'a' } } });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { team: 'a', doc: '1' } });
    await kms.decrypt({ CiphertextBlob, EncryptionContext: { team: 'a', doc: '1' } }, bob);
    const upper = (await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { team: 'A' } })).CiphertextBlob;
    await rejectsWith(kms.decrypt({ CiphertextBlob: upper, EncryptionContext: { team: 'A' } }, bob), 'AccessDeniedException');
  });

  it('are honoured on their own key only', async () => {
    const { kms, key } = await keyWithGrantForBob();
    const { KeyMetadata: other } = await kms.createKey();
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, bob);
    await rejectsWith(kms.encrypt({ KeyId: other.KeyId, Plaintext: bytes('x') }, bob), 'AccessDeniedException');
    const { CiphertextBlob } = await kms.encrypt({ KeyId: other.KeyId, Plaintext: bytes('x') });
    await rejectsWith(kms.decrypt({ CiphertextBlob }, bob), 'AccessDeniedException');
  });

  // The request's context must hold each constraint pair under its own key, all of them for a
  // subset, and nothing else for equality: https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html
  it('refuse a constraint value found under another key, a partial subset, and an extra pair that differs only in case', async () => {
    const { kms, key } = await keyWithGrantForBob(['Encrypt'], { Constraints: { EncryptionContextEquals: { volume: 'vol-1' } } });
    const encryptAsBob = (EncryptionContext: Record<string, string>) => kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext }, bob);
    await rejectsWith(encryptAsBob({ disk: 'vol-1' }), 'AccessDeniedException');
    await rejectsWith(encryptAsBob({ volume: 'vol-1', VOLUME: 'vol-1' }), 'AccessDeniedException');

    await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { team: 'a', doc: '1' } } });
    const decryptAsBob = async (EncryptionContext: Record<string, string>) => {
      const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext });
      return kms.decrypt({ CiphertextBlob, EncryptionContext }, bob);
    };
    await decryptAsBob({ team: 'a', doc: '1', extra: 'y' });
    await rejectsWith(decryptAsBob({ team: 'a' }), 'AccessDeniedException');
    await rejectsWith(decryptAsBob({ project: 'a', doc: '1' }), 'AccessDeniedException');
  });

  it('with EncryptionContextEquals keys differing only in case, need every pair and admit no other', async () => {
    const { kms, key } = await keyWithGrantForBob(['Encrypt'], { Constraints: { EncryptionContextEquals: { team: 'a', TEAM: 'b' } } });
    const encryptAsBob = (EncryptionContext: Record<string, string>) => kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext }, bob);
    await encryptAsBob({ team: 'a', TEAM: 'b' });
    await rejectsWith(encryptAsBob({ team: 'a', TEAM: 'a' }), 'AccessDeniedException');
    await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Encrypt'],
      Constraints: { EncryptionContextEquals: { team: 'a', TEAM: 'a' } } });
    await rejectsWith(encryptAsBob({ team: 'a', other: 'x' }), 'AccessDeniedException');
  });

  it('accept their token in GrantTokens and refuse unknown tokens', async () => {
    const { kms, key, grant } = await keyWithGrantForBob();
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), GrantTokens: [grant.GrantToken] }, bob);
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), GrantTokens: ['forged'] }, bob), 'InvalidGrantTokenException');
    await rejectsWith(kms.retireGrant({ GrantToken: 'forged' }, { principal: ALICE }), 'InvalidGrantTokenException');
  });

  it('are retired by the retiring principal (by token), by a grantee holding RetireGrant, or the issuing account; revoked through the key policy', async () => {
    const { kms, key, grant } = await keyWithGrantForBob();
    await rejectsWith(kms.retireGrant({ GrantToken: grant.GrantToken }, bob), 'AccessDeniedException');
    expect((await kms.listRetirableGrants({ RetiringPrincipal: ALICE })).Grants.map((g) => g.GrantId)).toEqual([grant.GrantId]);
    await kms.retireGrant({ GrantToken: grant.GrantToken }, { principal: ALICE });
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, bob), 'AccessDeniedException');

    const selfRetiring = await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Encrypt', 'RetireGrant'] });
    await kms.retireGrant({ KeyId: key.KeyId, GrantId: selfRetiring.GrantId }, bob);
    const byRoot = await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Encrypt'] });
    await kms.retireGrant({ KeyId: key.Arn, GrantId: byRoot.GrantId });
    const revoked = await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Encrypt'] });
    await rejectsWith(kms.revokeGrant({ KeyId: key.KeyId, GrantId: revoked.GrantId }, bob), 'AccessDeniedException');
    await kms.revokeGrant({ KeyId: key.KeyId, GrantId: revoked.GrantId });
    await rejectsWith(kms.revokeGrant({ KeyId: key.KeyId, GrantId: revoked.GrantId }), 'NotFoundException');
    expect((await kms.listGrants({ KeyId: key.KeyId })).Grants).toEqual([]);
  });

  it('an explicit Deny in the key policy beats a grant', async () => {
    const { kms, key } = await keyWithGrantForBob();
    await kms.putKeyPolicy({ KeyId: key.KeyId, Policy: policyJson([
      { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { AWS: BOB }, Action: 'kms:Encrypt', Resource: '*' },
    ]) });
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, bob), 'AccessDeniedException');
  });

  it('kms:GrantIsForAWSResource lets a user create grants only through an AWS service', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([
      { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:CreateGrant', Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
    ]) });
    await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'] }, { principal: ALICE, viaService: 'ec2.amazonaws.com' });
    await rejectsWith(kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'] }, { principal: ALICE }), 'AccessDeniedException');
  });

  it('check their input; a disabled key takes no new grants; deleting the key deletes its grants', async () => {
    const { kms, key, clock } = await keyWithGrantForBob();
    for (const bad of [{ Operations: [] }, { Operations: ['Sign'] }, { Operations: 'Decrypt' }, { GranteePrincipal: 'bob' }, { Constraints: { Other: {} } },
      { Constraints: 'volume' }, { Constraints: { EncryptionContextEquals: { volume: 1 } } }, { Constraints: { EncryptionContextSubset: 'team=a' } },
      { Name: 'has space' }]) {
      await rejectsWith(kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'], ...(bad as object) }), 'ValidationException');
    }
    const named = await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'], Name: 'vol-1' });
    expect((await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'], Name: 'vol-1' })).GrantId).toBe(named.GrantId);
    await kms.disableKey({ KeyId: key.KeyId });
    await rejectsWith(kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'] }), 'DisabledException');
    await kms.retireGrant({ KeyId: key.KeyId, GrantId: named.GrantId }, { principal: ROOT });
    await kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 });
    clock.advanceDays(8);
    expect((await kms.listRetirableGrants({ RetiringPrincipal: ALICE })).Grants).toEqual([]);
  });
});
