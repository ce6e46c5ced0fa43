// Every KeyManagementService operation through @aws-sdk/client-kms against the service, and the
// errors AWS KMS names, each as the SDK's modeled exception with AWS's HTTP status (400).

import * as Kms from '@aws-sdk/client-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { KMS_OPERATIONS } from '../../src/service/kms-json-api.js';
import { ACCOUNT, failure, startTestService, type TestService } from './service-fixture.js';

const text = (s: string) => new TextEncoder().encode(s);
const keyArn = (keyId: string) => `arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}`;

async function wrapForImport(publicKey: Uint8Array, material: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('spki', new Uint8Array(publicKey), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, key, new Uint8Array(material)));
}

describe('KMS over AWS JSON 1.1 with @aws-sdk/client-kms', () => {
  let t: TestService;
  let kms: Kms.KMSClient;
  beforeAll(async () => {
    t = await startTestService();
    kms = t.kms();
  });

  it('the service serves every public operation of the library\'s KeyManagementService', () => {
    // Public methods are the ones declared without "private" at class level; the audit-trail
    // readers and awsManagedKeyId are for embedding code and the library's own services, not AWS APIs.
    const source = readFileSync(new URL('../../src/kms/key-management-service.ts', import.meta.url), 'utf8');
    const notAwsApi = new Set(['constructor', 'awsManagedKeyId', 'verifyAuditTrail', 'listAuditRecords', 'auditHead']);
    const publicMethods = [...source.matchAll(/^  ([a-z]\w*)\(/gm)].map((m) => m[1]!).filter((name) => !notAwsApi.has(name));
    expect(publicMethods.length).toBeGreaterThan(30);
    expect(KMS_OPERATIONS.map((op) => op[0]!.toLowerCase() + op.slice(1)).sort()).toEqual(publicMethods.sort());
  });

  it('keys: create, describe, list, update description, tags, enable/disable, deletion schedule', async () => {
    const created = await kms.send(new Kms.CreateKeyCommand({ Description: 'first', Tags: [{ TagKey: 'team', TagValue: 'blue' }] }));
    const meta = created.KeyMetadata!;
    expect(meta.Arn).toBe(keyArn(meta.KeyId!));
    expect(meta.AWSAccountId).toBe(ACCOUNT);
    expect(meta.CreationDate).toBeInstanceOf(Date);
    expect(Math.abs(meta.CreationDate!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(meta.KeyState).toBe('Enabled');
    const id = meta.KeyId!;
    expect((await kms.send(new Kms.DescribeKeyCommand({ KeyId: keyArn(id) }))).KeyMetadata!.Description).toBe('first');
    expect((await kms.send(new Kms.ListKeysCommand({}))).Keys).toContainEqual({ KeyId: id, KeyArn: keyArn(id) });
    await kms.send(new Kms.UpdateKeyDescriptionCommand({ KeyId: id, Description: 'second' }));
    expect((await kms.send(new Kms.DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.Description).toBe('second');
    await kms.send(new Kms.TagResourceCommand({ KeyId: id, Tags: [{ TagKey: 'env', TagValue: 'test' }] }));
    await kms.send(new Kms.UntagResourceCommand({ KeyId: id, TagKeys: ['team'] }));
    const tags = await kms.send(new Kms.ListResourceTagsCommand({ KeyId: id }));
    expect(tags.Tags).toEqual([{ TagKey: 'env', TagValue: 'test' }]);
    expect(tags.Truncated).toBe(false);
    await kms.send(new Kms.DisableKeyCommand({ KeyId: id }));
    expect(await failure(kms.send(new Kms.EncryptCommand({ KeyId: id, Plaintext: text('x') })))).toMatchObject({ name: 'DisabledException', status: 400 });
    await kms.send(new Kms.EnableKeyCommand({ KeyId: id }));
    const scheduled = await kms.send(new Kms.ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 7 }));
    expect(scheduled.KeyId).toBe(keyArn(id));
    expect(scheduled.KeyState).toBe('PendingDeletion');
    expect(scheduled.PendingWindowInDays).toBe(7);
    expect(Math.round((scheduled.DeletionDate!.getTime() - Date.now()) / 86_400_000)).toBe(7);
    expect(await failure(kms.send(new Kms.EncryptCommand({ KeyId: id, Plaintext: text('x') }))))
      .toMatchObject({ name: 'KMSInvalidStateException', status: 400 });
    expect((await kms.send(new Kms.CancelKeyDeletionCommand({ KeyId: id }))).KeyId).toBe(keyArn(id));
    expect((await kms.send(new Kms.DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.KeyState).toBe('Disabled');
  });

  it('aliases: create, update, list, delete', async () => {
    const a = (await kms.send(new Kms.CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const b = (await kms.send(new Kms.CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await kms.send(new Kms.CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: a }));
    expect(await failure(kms.send(new Kms.CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: b })))).toMatchObject({ name: 'AlreadyExistsException', status: 400 });
    expect(await failure(kms.send(new Kms.CreateAliasCommand({ AliasName: 'alias/aws/x', TargetKeyId: b })))).toMatchObject({ name: 'InvalidAliasNameException' });
    await kms.send(new Kms.UpdateAliasCommand({ AliasName: 'alias/app', TargetKeyId: b }));
    const listed = await kms.send(new Kms.ListAliasesCommand({ KeyId: b }));
    expect(listed.Aliases!.map((x) => [x.AliasName, x.TargetKeyId, x.AliasArn])).toEqual([['alias/app', b, `arn:aws:kms:us-east-1:${ACCOUNT}:alias/app`]]);
    expect(listed.Aliases![0]!.CreationDate).toBeInstanceOf(Date);
    expect((await kms.send(new Kms.EncryptCommand({ KeyId: 'alias/app', Plaintext: text('via alias') }))).KeyId).toBe(keyArn(b));
    await kms.send(new Kms.DeleteAliasCommand({ AliasName: 'alias/app' }));
    expect(await failure(kms.send(new Kms.DescribeKeyCommand({ KeyId: 'alias/app' })))).toMatchObject({ name: 'NotFoundException', status: 400 });
  });

  it('key policies: put, get, a malformed one refused', async () => {
    const id = (await kms.send(new Kms.CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] });
    await kms.send(new Kms.PutKeyPolicyCommand({ KeyId: id, PolicyName: 'default', Policy: policy }));
    expect(await kms.send(new Kms.GetKeyPolicyCommand({ KeyId: id, PolicyName: 'default' }))).toMatchObject({ Policy: policy, PolicyName: 'default' });
    expect(await failure(kms.send(new Kms.PutKeyPolicyCommand({ KeyId: id, Policy: '{"Statement": 5}' }))))
      .toMatchObject({ name: 'MalformedPolicyDocumentException', status: 400 });
  });

  it('rotation: enable, status, on demand, list, disable', async () => {
    const id = (await kms.send(new Kms.CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const before = await kms.send(new Kms.EncryptCommand({ KeyId: id, Plaintext: text('before rotation') }));
    await kms.send(new Kms.EnableKeyRotationCommand({ KeyId: id, RotationPeriodInDays: 90 }));
    const status = await kms.send(new Kms.GetKeyRotationStatusCommand({ KeyId: id }));
    expect(status).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90, KeyId: keyArn(id) });
    expect(Math.round((status.NextRotationDate!.getTime() - Date.now()) / 86_400_000)).toBe(90);
    expect((await kms.send(new Kms.RotateKeyOnDemandCommand({ KeyId: id }))).KeyId).toBe(keyArn(id));
    const rotations = await kms.send(new Kms.ListKeyRotationsCommand({ KeyId: id }));
    expect(rotations.Rotations!.map((r) => r.RotationType)).toEqual(['ON_DEMAND']);
    expect(rotations.Rotations![0]!.RotationDate).toBeInstanceOf(Date);
    const decrypted = await kms.send(new Kms.DecryptCommand({ CiphertextBlob: before.CiphertextBlob }));
    expect(new TextDecoder().decode(decrypted.Plaintext)).toBe('before rotation');
    await kms.send(new Kms.DisableKeyRotationCommand({ KeyId: id }));
    expect((await kms.send(new Kms.GetKeyRotationStatusCommand({ KeyId: id }))).KeyRotationEnabled).toBe(false);
  });

  it('cryptographic operations: encrypt, decrypt, re-encrypt, data keys, random', async () => {
    const a = (await kms.send(new Kms.CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const b = (await kms.send(new Kms.CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const context = { purpose: 'test', 'tenant': 'x&y <z>' };
    const sealed = await kms.send(new Kms.EncryptCommand({ KeyId: a, Plaintext: text('secret'), EncryptionContext: context }));
    expect(sealed).toMatchObject({ KeyId: keyArn(a), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    const opened = await kms.send(new Kms.DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context }));
    expect(new TextDecoder().decode(opened.Plaintext)).toBe('secret');
    expect(opened.KeyId).toBe(keyArn(a));
    expect(await failure(kms.send(new Kms.DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))))
      .toMatchObject({ name: 'InvalidCiphertextException', status: 400 });
    expect(await failure(kms.send(new Kms.DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context, KeyId: b }))))
      .toMatchObject({ name: 'IncorrectKeyException', status: 400 });
    const tampered = new Uint8Array(sealed.CiphertextBlob!);
    tampered[tampered.length - 1]! ^= 1;
    expect(await failure(kms.send(new Kms.DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: context }))))
      .toMatchObject({ name: 'InvalidCiphertextException' });
    const moved = await kms.send(new Kms.ReEncryptCommand({
      CiphertextBlob: sealed.CiphertextBlob, SourceEncryptionContext: context, DestinationKeyId: b, DestinationEncryptionContext: { moved: 'yes' },
    }));
    expect(moved).toMatchObject({ SourceKeyId: keyArn(a), KeyId: keyArn(b) });
    expect(new TextDecoder().decode((await kms.send(new Kms.DecryptCommand({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { moved: 'yes' } }))).Plaintext))
      .toBe('secret');
    const dataKey = await kms.send(new Kms.GenerateDataKeyCommand({ KeyId: a, KeySpec: 'AES_256' }));
    expect(dataKey.Plaintext).toHaveLength(32);
    expect((await kms.send(new Kms.DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }))).Plaintext).toEqual(dataKey.Plaintext);
    const without = await kms.send(new Kms.GenerateDataKeyWithoutPlaintextCommand({ KeyId: a, NumberOfBytes: 24 }));
    expect('Plaintext' in without).toBe(false);
    expect((await kms.send(new Kms.DecryptCommand({ CiphertextBlob: without.CiphertextBlob }))).Plaintext).toHaveLength(24);
    const random = await kms.send(new Kms.GenerateRandomCommand({ NumberOfBytes: 64 }));
    expect(random.Plaintext).toHaveLength(64);
    expect(await failure(kms.send(new Kms.GenerateRandomCommand({ NumberOfBytes: 0 })))).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(await failure(kms.send(new Kms.EncryptCommand({ KeyId: a, Plaintext: new Uint8Array(4097) })))).toMatchObject({ name: 'ValidationException' });
  });

  it('grants: create, list, list retirable, use by the grantee, retire, revoke', async () => {
    const id = (await kms.send(new Kms.CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const grantee = `arn:aws:iam::${ACCOUNT}:user/grantee`;
    const retiree = `arn:aws:iam::${ACCOUNT}:user/retiree`;
    const grant = await kms.send(new Kms.CreateGrantCommand({
      KeyId: id, GranteePrincipal: grantee, RetiringPrincipal: retiree, Operations: ['Encrypt', 'Decrypt'], Name: 'g1',
      Constraints: { EncryptionContextSubset: { app: 'one' } },
    }));
    expect(grant.GrantId).toMatch(/\S/);
    const listed = await kms.send(new Kms.ListGrantsCommand({ KeyId: id }));
    expect(listed.Grants!.map((g) => [g.GrantId, g.KeyId, g.GranteePrincipal, g.Name, g.Constraints])).toEqual([
      [grant.GrantId, keyArn(id), grantee, 'g1', { EncryptionContextSubset: { app: 'one' } }]]);
    expect(listed.Grants![0]!.CreationDate).toBeInstanceOf(Date);
    expect((await kms.send(new Kms.ListRetirableGrantsCommand({ RetiringPrincipal: retiree }))).Grants!.map((g) => g.GrantId)).toEqual([grant.GrantId]);
    expect(await failure(kms.send(new Kms.EncryptCommand({ KeyId: id, Plaintext: text('x'), GrantTokens: ['not-a-token'] }))))
      .toMatchObject({ name: 'InvalidGrantTokenException', status: 400 });
    await kms.send(new Kms.EncryptCommand({ KeyId: id, Plaintext: text('x'), GrantTokens: [grant.GrantToken!] }));
    await kms.send(new Kms.RetireGrantCommand({ GrantToken: grant.GrantToken }));
    expect((await kms.send(new Kms.ListGrantsCommand({ KeyId: id }))).Grants).toEqual([]);
    const second = await kms.send(new Kms.CreateGrantCommand({ KeyId: id, GranteePrincipal: grantee, Operations: ['Decrypt'] }));
    await kms.send(new Kms.RevokeGrantCommand({ KeyId: id, GrantId: second.GrantId }));
    expect(await failure(kms.send(new Kms.RevokeGrantCommand({ KeyId: id, GrantId: second.GrantId })))).toMatchObject({ name: 'NotFoundException' });
  });

  it('imported key material: parameters, import (ValidTo as a timestamp), use, delete', async () => {
    const id = (await kms.send(new Kms.CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!.KeyId!;
    expect((await kms.send(new Kms.DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.KeyState).toBe('PendingImport');
    const params = await kms.send(new Kms.GetParametersForImportCommand({ KeyId: id, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
    expect(params.KeyId).toBe(keyArn(id));
    expect(Math.round((params.ParametersValidTo!.getTime() - Date.now()) / 3_600_000)).toBe(24);
    const material = crypto.getRandomValues(new Uint8Array(32));
    expect(await failure(kms.send(new Kms.ImportKeyMaterialCommand({
      KeyId: id, ImportToken: text('forged'), EncryptedKeyMaterial: await wrapForImport(params.PublicKey!, material),
    })))).toMatchObject({ name: 'InvalidImportTokenException', status: 400 });
    const validTo = new Date(Date.now() + 86_400_000);
    await kms.send(new Kms.ImportKeyMaterialCommand({
      KeyId: id, ImportToken: params.ImportToken, EncryptedKeyMaterial: await wrapForImport(params.PublicKey!, material),
      ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: validTo,
    }));
    const meta = (await kms.send(new Kms.DescribeKeyCommand({ KeyId: id }))).KeyMetadata!;
    expect(meta).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_EXPIRES', Origin: 'EXTERNAL' });
    expect(Math.abs(meta.ValidTo!.getTime() - validTo.getTime())).toBeLessThan(1000);
    await kms.send(new Kms.EncryptCommand({ KeyId: id, Plaintext: text('imported') }));
    expect(await failure(kms.send(new Kms.RotateKeyOnDemandCommand({ KeyId: id })))).toMatchObject({ name: 'UnsupportedOperationException', status: 400 });
    await kms.send(new Kms.DeleteImportedKeyMaterialCommand({ KeyId: id }));
    expect((await kms.send(new Kms.DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.KeyState).toBe('PendingImport');
  });

  it('every operation was answered 200 at least once above (the request log says so)', () => {
    const succeeded = new Set(t.log.filter((l) => / 200 in=/.test(l)).map((l) => / kms:(\w+) /.exec(l)?.[1]));
    expect(KMS_OPERATIONS.filter((op) => !succeeded.has(op))).toEqual([]);
  });

  it('an unknown key id, key ARN of another account, and an unknown alias are NotFoundException', async () => {
    for (const KeyId of ['11111111-2222-3333-4444-555555555555', 'arn:aws:kms:us-east-1:999999999999:key/11111111-2222-3333-4444-555555555555', 'alias/none']) {
      expect(await failure(kms.send(new Kms.DescribeKeyCommand({ KeyId })))).toMatchObject({ name: 'NotFoundException', status: 400 });
    }
    // The SDK turned the JSON __type into its modeled exception class, with the message.
    const error = await kms.send(new Kms.DescribeKeyCommand({ KeyId: 'alias/none' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Kms.NotFoundException);
    expect((error as Error).message).toContain('alias/none');
  });
});
