// IAM users, access keys and user policies through @aws-sdk/client-iam, STS GetCallerIdentity through
// @aws-sdk/client-sts, and a user's KMS calls allowed or denied as its policies and the key policy say.

import * as IamSdk from '@aws-sdk/client-iam';
import * as Kms from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, failure, startTestService, type Credentials, type TestService } from './service-fixture.js';

const text = (s: string) => new TextEncoder().encode(s);
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('IAM and STS over the Query protocol', () => {
  let t: TestService;
  let iam: IamSdk.IAMClient;
  beforeAll(async () => {
    t = await startTestService();
    iam = t.iam();
  });

  async function userWithKey(name: string): Promise<Credentials> {
    await iam.send(new IamSdk.CreateUserCommand({ UserName: name }));
    const { AccessKey } = await iam.send(new IamSdk.CreateAccessKeyCommand({ UserName: name }));
    return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  }

  it('users: create, get, list, delete; names are unique and checked', async () => {
    const created = await iam.send(new IamSdk.CreateUserCommand({ UserName: 'carol', Path: '/staff/' }));
    expect(created.User).toMatchObject({ UserName: 'carol', Path: '/staff/', Arn: `arn:aws:iam::${ACCOUNT}:user/staff/carol` });
    expect(created.User!.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(created.User!.CreateDate).toBeInstanceOf(Date);
    expect((await iam.send(new IamSdk.GetUserCommand({ UserName: 'carol' }))).User).toEqual(created.User);
    expect((await iam.send(new IamSdk.ListUsersCommand({}))).Users!.map((u) => u.UserName)).toContain('carol');
    expect(await failure(iam.send(new IamSdk.CreateUserCommand({ UserName: 'carol' })))).toMatchObject({ name: 'EntityAlreadyExistsException', status: 409 });
    expect(await failure(iam.send(new IamSdk.CreateUserCommand({ UserName: 'bad name!' })))).toMatchObject({ name: 'ValidationError', status: 400 });
    await iam.send(new IamSdk.DeleteUserCommand({ UserName: 'carol' }));
    expect(await failure(iam.send(new IamSdk.GetUserCommand({ UserName: 'carol' })))).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
  });

  it('access keys: create (secret shown once), list without secrets, at most two, delete; a user with keys or policies is not deleted', async () => {
    await iam.send(new IamSdk.CreateUserCommand({ UserName: 'dave' }));
    const first = (await iam.send(new IamSdk.CreateAccessKeyCommand({ UserName: 'dave' }))).AccessKey!;
    expect(first.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(first.SecretAccessKey).toHaveLength(40);
    expect(first.Status).toBe('Active');
    await iam.send(new IamSdk.CreateAccessKeyCommand({ UserName: 'dave' }));
    expect(await failure(iam.send(new IamSdk.CreateAccessKeyCommand({ UserName: 'dave' })))).toMatchObject({ name: 'LimitExceededException', status: 409 });
    const listed = await iam.send(new IamSdk.ListAccessKeysCommand({ UserName: 'dave' }));
    expect(listed.AccessKeyMetadata).toHaveLength(2);
    expect(JSON.stringify(listed)).not.toContain(first.SecretAccessKey);
    expect(await failure(iam.send(new IamSdk.DeleteUserCommand({ UserName: 'dave' })))).toMatchObject({ name: 'DeleteConflictException', status: 409 });
    for (const key of listed.AccessKeyMetadata!) await iam.send(new IamSdk.DeleteAccessKeyCommand({ UserName: 'dave', AccessKeyId: key.AccessKeyId }));
    expect(await failure(iam.send(new IamSdk.DeleteAccessKeyCommand({ UserName: 'dave', AccessKeyId: first.AccessKeyId }))))
      .toMatchObject({ name: 'NoSuchEntityException', status: 404 });
    // a deleted key no longer authenticates
    expect(await failure(t.sts({ accessKeyId: first.AccessKeyId!, secretAccessKey: first.SecretAccessKey! }).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
    await iam.send(new IamSdk.DeleteUserCommand({ UserName: 'dave' }));
  });

  it('user policies: put, get (URL-encoded, as IAM returns it), list, delete; a malformed one refused', async () => {
    await iam.send(new IamSdk.CreateUserCommand({ UserName: 'erin' }));
    const document = policy({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:a': 'b&c' } } });
    await iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'enc', PolicyDocument: document }));
    const got = await iam.send(new IamSdk.GetUserPolicyCommand({ UserName: 'erin', PolicyName: 'enc' }));
    expect(decodeURIComponent(got.PolicyDocument!)).toBe(document);
    expect((await iam.send(new IamSdk.ListUserPoliciesCommand({ UserName: 'erin' }))).PolicyNames).toEqual(['enc']);
    expect(await failure(iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'bad', PolicyDocument: '{"Statement": 1}' }))))
      .toMatchObject({ name: 'MalformedPolicyDocumentException', status: 400 });
    expect(await failure(iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'nobody', PolicyName: 'p', PolicyDocument: document }))))
      .toMatchObject({ name: 'NoSuchEntityException', status: 404 });
    await iam.send(new IamSdk.DeleteUserPolicyCommand({ UserName: 'erin', PolicyName: 'enc' }));
    expect((await iam.send(new IamSdk.ListUserPoliciesCommand({ UserName: 'erin' }))).PolicyNames).toEqual([]);
    expect(await failure(iam.send(new IamSdk.GetUserPolicyCommand({ UserName: 'erin', PolicyName: 'enc' })))).toMatchObject({ name: 'NoSuchEntityException' });
  });

  it('GetCallerIdentity answers the root and a user with their ARNs', async () => {
    expect(await t.sts().send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root`, UserId: ACCOUNT });
    const frank = await userWithKey('frank');
    const user = (await iam.send(new IamSdk.GetUserCommand({ UserName: 'frank' }))).User!;
    expect(await t.sts(frank).send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: ACCOUNT, Arn: user.Arn, UserId: user.UserId });
    // GetUser without UserName answers the caller: the root, or the user (who needs iam:GetUser on itself)
    expect((await iam.send(new IamSdk.GetUserCommand({}))).User).toMatchObject({ Arn: `arn:aws:iam::${ACCOUNT}:root`, UserId: ACCOUNT });
    expect(await failure(t.iam(frank).send(new IamSdk.GetUserCommand({})))).toMatchObject({ name: 'AccessDenied', status: 403 });
    await iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'frank', PolicyName: 'self', PolicyDocument: policy(
      { Effect: 'Allow', Action: 'iam:GetUser', Resource: user.Arn }) }));
    expect((await t.iam(frank).send(new IamSdk.GetUserCommand({}))).User).toEqual(user);
  });

  it('a user\'s KMS calls are allowed and denied as its policies say (the default key policy delegates to IAM)', async () => {
    const kms = t.kms();
    const keyId = (await kms.send(new Kms.CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const other = (await kms.send(new Kms.CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const grace = await userWithKey('grace');
    const asGrace = t.kms(grace);
    // no policy: nothing
    expect(await failure(asGrace.send(new Kms.EncryptCommand({ KeyId: keyId, Plaintext: text('x') })))).toMatchObject({ name: 'AccessDeniedException', status: 400 });
    const keyArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}`;
    await iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'grace', PolicyName: 'use-one-key', PolicyDocument: policy(
      { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: keyArn },
      { Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:level': 'secret' } } },
    ) }));
    const sealed = await asGrace.send(new Kms.EncryptCommand({ KeyId: keyId, Plaintext: text('hers') }));
    expect(new TextDecoder().decode((await asGrace.send(new Kms.DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext)).toBe('hers');
    // not on the other key, not other operations, and the explicit Deny wins
    expect(await failure(asGrace.send(new Kms.EncryptCommand({ KeyId: other, Plaintext: text('x') })))).toMatchObject({ name: 'AccessDeniedException' });
    expect(await failure(asGrace.send(new Kms.GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' })))).toMatchObject({ name: 'AccessDeniedException' });
    const secret = await asGrace.send(new Kms.EncryptCommand({ KeyId: keyId, Plaintext: text('x'), EncryptionContext: { level: 'secret' } }));
    const denied = await failure(asGrace.send(new Kms.DecryptCommand({ CiphertextBlob: secret.CiphertextBlob, EncryptionContext: { level: 'secret' } })));
    expect(denied).toMatchObject({ name: 'AccessDeniedException', status: 400 });
    expect(denied.message).toContain(`arn:aws:iam::${ACCOUNT}:user/grace`);
    // the user may not manage IAM without a policy saying so
    expect(await failure(t.iam(grace).send(new IamSdk.CreateUserCommand({ UserName: 'mallory' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    // removing the policy removes the permission at once
    await iam.send(new IamSdk.DeleteUserPolicyCommand({ UserName: 'grace', PolicyName: 'use-one-key' }));
    expect(await failure(asGrace.send(new Kms.EncryptCommand({ KeyId: keyId, Plaintext: text('x') })))).toMatchObject({ name: 'AccessDeniedException' });
  });

  it('a user allowed iam:CreateUser may create users, and nothing else in IAM', async () => {
    const heidi = await userWithKey('heidi');
    await iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'heidi', PolicyName: 'admin-lite', PolicyDocument: policy(
      { Effect: 'Allow', Action: 'iam:CreateUser', Resource: `arn:aws:iam::${ACCOUNT}:user/*` }) }));
    await t.iam(heidi).send(new IamSdk.CreateUserCommand({ UserName: 'ivan' }));
    expect(await failure(t.iam(heidi).send(new IamSdk.DeleteUserCommand({ UserName: 'ivan' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('the key policy decides too: a key whose policy names only the root refuses a user even with an identity Allow', async () => {
    const kms = t.kms();
    const rootOnly = policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:PutKeyPolicy', Resource: '*' });
    const keyId = (await kms.send(new Kms.CreateKeyCommand({ Policy: rootOnly, BypassPolicyLockoutSafetyCheck: true }))).KeyMetadata!.KeyId!;
    const judy = await userWithKey('judy');
    await iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'judy', PolicyName: 'all', PolicyDocument: policy({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }) }));
    expect(await failure(t.kms(judy).send(new Kms.EncryptCommand({ KeyId: keyId, Plaintext: text('x') })))).toMatchObject({ name: 'AccessDeniedException' });
  });

  it('concurrent requests: many KMS calls at once all answer, and concurrent IAM changes are serialized (one of five same-name CreateUser wins)', async () => {
    const clients = Array.from({ length: 4 }, () => t.kms());
    const keyId = (await clients[0]!.send(new Kms.CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const roundTrips = await Promise.all(Array.from({ length: 40 }, async (_, i) => {
      const kms = clients[i % clients.length]!;
      const { CiphertextBlob } = await kms.send(new Kms.EncryptCommand({ KeyId: keyId, Plaintext: text(`message ${i}`) }));
      return new TextDecoder().decode((await kms.send(new Kms.DecryptCommand({ CiphertextBlob }))).Plaintext);
    }));
    expect(roundTrips).toEqual(Array.from({ length: 40 }, (_, i) => `message ${i}`));
    const results = await Promise.allSettled([
      ...Array.from({ length: 8 }, (_, i) => iam.send(new IamSdk.CreateUserCommand({ UserName: `parallel-${i}` }))),
      ...Array.from({ length: 5 }, () => iam.send(new IamSdk.CreateUserCommand({ UserName: 'same-name' }))),
    ]);
    expect(results.slice(0, 8).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results.slice(8).filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const names = (await iam.send(new IamSdk.ListUsersCommand({}))).Users!.map((u) => u.UserName);
    expect(names.filter((n) => n === 'same-name')).toHaveLength(1);
    expect(names.filter((n) => n!.startsWith('parallel-'))).toHaveLength(8);
  });
});
