// Constructs an attacker would try against the policy engine, through the public API of each
// service that evaluates policies (KeyManagementService, ObjectStore, BlockStore). Each was once
// decided differently from AWS, allowing what AWS denies (issue 12).
import { describe, expect, it } from 'vitest';
import { BlockStore, Iam, ObjectStore } from '../../src/index.js';
import { ACCOUNT, ALICE, bytes, makeKms, policyJson, rejectsWith, ROOT } from '../kms/fixtures.js';

const EVE = 'arn:aws:iam::444455556666:user/eve';
const EVE_ROOT = 'arn:aws:iam::444455556666:root';
const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
const delegateToIam = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };

function identityPolicy(iam: Iam, principal: string, statements: object[]): void {
  iam.putPrincipalPolicy({ PrincipalArn: principal, PolicyName: `p${Math.random()}`.replace('.', ''), PolicyDocument: policyJson(statements) });
}

describe('1. ForAnyValue:…IfExists on a key the request does not have is false (IfExists does not change set operators)', () => {
  it('KMS: an identity policy conditioned on an encryption-context key does not allow an Encrypt without that key', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([delegateToIam]) });
    identityPolicy(iam, ALICE, [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: key.Arn,
      Condition: { 'ForAnyValue:StringEqualsIfExists': { 'kms:EncryptionContext:tenant': 'acme' } } }]);
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, { principal: ALICE }), 'AccessDeniedException');
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { tenant: 'other' } }, { principal: ALICE }), 'AccessDeniedException');
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { tenant: 'acme' } }, { principal: ALICE });
  });

  it('KMS: ForAllValues: holds on an absent key (AWS\'s warning), so an Allow with it alone admits a request without the key', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([delegateToIam]) });
    identityPolicy(iam, ALICE, [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: key.Arn,
      Condition: { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['tenant'] } } }]);
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, { principal: ALICE });
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { tenant: 'a' } }, { principal: ALICE });
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { tenant: 'a', other: 'b' } }, { principal: ALICE }),
      'AccessDeniedException');
  });

  it('S3: a ForAnyValue:…IfExists Allow on s3:versionid does not allow a read without a version', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const s3 = new ObjectStore({ kms, iam });
    await s3.createBucket({ Bucket: 'bkt' });
    await s3.putBucketVersioning({ Bucket: 'bkt', VersioningConfiguration: { Status: 'Enabled' } });
    const { VersionId } = await s3.putObject({ Bucket: 'bkt', Key: 'k', Body: 'v' });
    identityPolicy(iam, ALICE, [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: 'arn:aws:s3:::bkt/*',
      Condition: { 'ForAnyValue:StringLikeIfExists': { 's3:versionid': '*' } } }]);
    await rejectsWith(s3.getObject({ Bucket: 'bkt', Key: 'k' }, { principal: ALICE }), 'AccessDenied');
    await s3.getObject({ Bucket: 'bkt', Key: 'k', VersionId }, { principal: ALICE });
  });

  it('EC2: a ForAnyValue:…IfExists Allow on ec2:ParentSnapshot does not allow a volume made from no snapshot', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const ec2 = new BlockStore({ kms, iam });
    identityPolicy(iam, ALICE, [{ Effect: 'Allow', Action: 'ec2:CreateVolume', Resource: '*',
      Condition: { 'ForAnyValue:StringLikeIfExists': { 'ec2:ParentSnapshot': '*' } } }]);
    await expect(ec2.createVolume({ Size: 1 }, { principal: ALICE })).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });
});

describe('2. Arn operators compare the six ARN parts one by one; a wildcard never crosses a colon', () => {
  const admitsByArn = async (pattern: string, principal: string, operator = 'ArnLike') => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    // No delegation to IAM: only this statement can let anyone in.
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([
      { Effect: 'Allow', Principal: '*', Action: 'kms:Encrypt', Resource: '*', Condition: { [operator]: { 'aws:PrincipalArn': pattern } } }]) });
    // Give every principal its own account's permission, so only the key policy's condition decides.
    identityPolicy(iam, principal, [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' }]);
    try {
      await kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, { principal });
      return true;
    } catch (error) {
      expect((error as Error).name).toBe('AccessDeniedException');
      return false;
    }
  };

  it('a pattern whose wildcard would have to cross colons admits nobody', async () => {
    expect(await admitsByArn('arn:aws:iam::*', EVE)).toBe(false);
    expect(await admitsByArn('arn:aws:iam::*', BOB)).toBe(false);
    expect(await admitsByArn('arn:*:user/alice', 'arn:aws:iam::444455556666:user/alice')).toBe(false);
    expect(await admitsByArn(`arn:aws:iam::${ACCOUNT}*`, EVE)).toBe(false);
    expect(await admitsByArn(`arn:aws:iam::${ACCOUNT}*`, BOB)).toBe(false);
  });

  it('part-wise wildcards admit exactly the ARNs they describe', async () => {
    expect(await admitsByArn(`arn:aws:iam::${ACCOUNT}:*`, BOB)).toBe(true);
    expect(await admitsByArn(`arn:aws:iam::${ACCOUNT}:*`, EVE)).toBe(false);
    expect(await admitsByArn('arn:aws:iam::*:user/eve', EVE)).toBe(true);
    expect(await admitsByArn('arn:aws:iam::????????????:user/e?e', EVE)).toBe(true);
    expect(await admitsByArn('arn:aws:iam::???????????:user/eve', EVE)).toBe(false);
  });

  it('an ArnNotLike Deny guard with a pattern that is not an ARN denies everyone (it matches no ARN)', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([delegateToIam,
      { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*' } } }]) });
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }), 'AccessDeniedException');
  });

  it('S3 and EC2: ArnLike on aws:PrincipalArn with a colon-crossing wildcard admits nobody', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const s3 = new ObjectStore({ kms, iam });
    await s3.createBucket({ Bucket: 'bkt' });
    await s3.putObject({ Bucket: 'bkt', Key: 'k', Body: 'v' });
    await s3.putBucketPolicy({ Bucket: 'bkt', Policy: policyJson([{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::bkt/*', Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*' } } }]) });
    await rejectsWith(s3.getObject({ Bucket: 'bkt', Key: 'k' }, { principal: BOB }), 'AccessDenied');
    const ec2 = new BlockStore({ kms, iam });
    identityPolicy(iam, ALICE, [{ Effect: 'Allow', Action: 'ec2:CreateVolume', Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:*:user/alice' } } }]);
    await expect(ec2.createVolume({ Size: 1 }, { principal: ALICE })).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
    identityPolicy(iam, ALICE, [{ Effect: 'Allow', Action: 'ec2:CreateVolume', Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/alice' } } }]);
    await ec2.createVolume({ Size: 1 }, { principal: ALICE });
  });

  it('a value that is not an ARN matches no ARN pattern', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([delegateToIam,
      { Effect: 'Deny', Principal: '*', Action: 'kms:Encrypt', Resource: '*', Condition: { ArnLike: { 'kms:EncryptionContext:source': 'arn:*:*:*:*:*' } } }]) });
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { source: 'not:an:arn' } });
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { source: 'arn:aws:s3:::b/k' } }), 'AccessDeniedException');
  });
});

describe('3. a principal of another account needs its own account\'s permission too, and only for cross-account operations', () => {
  it('KMS: a key policy naming eve (or everyone) is not enough on its own; key management is never allowed across accounts', async () => {
    for (const principal of [{ AWS: EVE }, '*', { AWS: EVE_ROOT }, { AWS: '444455556666' }]) {
      const iam = new Iam();
      const { kms } = makeKms({ iam });
      const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([delegateToIam,
        { Effect: 'Allow', Principal: principal, Action: 'kms:*', Resource: '*' }]) });
      const eve = { principal: EVE };
      await rejectsWith(kms.scheduleKeyDeletion({ KeyId: key.Arn }, eve), 'AccessDeniedException');
      await rejectsWith(kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, eve), 'AccessDeniedException');
      identityPolicy(iam, EVE, [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }]);
      const { CiphertextBlob } = await kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, eve);
      await kms.decrypt({ CiphertextBlob }, eve);
      await kms.describeKey({ KeyId: key.Arn }, eve);
      for (const refused of [kms.scheduleKeyDeletion({ KeyId: key.Arn }, eve), kms.disableKey({ KeyId: key.Arn }, eve),
        kms.putKeyPolicy({ KeyId: key.Arn, Policy: policyJson([delegateToIam]) }, eve), kms.enableKeyRotation({ KeyId: key.Arn }, eve),
        kms.listKeys({}, eve), kms.createKey({}, eve)]) {
        await rejectsWith(refused, 'AccessDeniedException');
      }
      expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.KeyState).toBe('Enabled');
    }
  });

  it('KMS: the other account\'s root has its account\'s permissions; a bare key id names a key of the caller\'s own account', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([delegateToIam,
      { Effect: 'Allow', Principal: { AWS: EVE_ROOT }, Action: ['kms:Encrypt', 'kms:DescribeKey'], Resource: '*' }]) });
    await kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, { principal: EVE_ROOT });
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, { principal: EVE_ROOT }), 'NotFoundException');
    await rejectsWith(kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, { principal: EVE }), 'AccessDeniedException');
  });

  it('KMS: a grant to a principal of another account still needs that principal\'s identity permission', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([delegateToIam]) });
    await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: EVE, Operations: ['Encrypt'] });
    await rejectsWith(kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, { principal: EVE }), 'AccessDeniedException');
    identityPolicy(iam, EVE, [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: key.Arn }]);
    await kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, { principal: EVE });
  });

  it('S3: a bucket policy naming the other account or everyone needs the caller\'s identity Allow; the bucket policy itself is the owner\'s only', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const s3 = new ObjectStore({ kms, iam });
    await s3.createBucket({ Bucket: 'shared' });
    await s3.putObject({ Bucket: 'shared', Key: 'k', Body: 'data' });
    await s3.putBucketPolicy({ Bucket: 'shared', Policy: policyJson([{ Effect: 'Allow', Principal: { AWS: '444455556666' },
      Action: ['s3:GetObject', 's3:PutObject', 's3:GetBucketPolicy', 's3:PutBucketPolicy'], Resource: ['arn:aws:s3:::shared', 'arn:aws:s3:::shared/*'] }]) });
    await rejectsWith(s3.getObject({ Bucket: 'shared', Key: 'k' }, { principal: EVE }), 'AccessDenied');
    identityPolicy(iam, EVE, [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
    expect(new TextDecoder().decode((await (await s3.getObject({ Bucket: 'shared', Key: 'k' }, { principal: EVE })).Body.transformToByteArray()))).toBe('data');
    await s3.getObject({ Bucket: 'shared', Key: 'k' }, { principal: EVE_ROOT });
    await rejectsWith(s3.putBucketPolicy({ Bucket: 'shared', Policy: policyJson([{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }]) },
      { principal: EVE }), 'AccessDenied');
    await rejectsWith(s3.listObjectsV2({ Bucket: 'shared' }, { principal: EVE }), 'AccessDenied');
  });

  it('EC2: a principal of another account cannot act on the account\'s volumes, whatever its own policies say', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const ec2 = new BlockStore({ kms, iam });
    const { VolumeId } = await ec2.createVolume({ Size: 1 });
    identityPolicy(iam, EVE, [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }]);
    for (const refused of [ec2.createVolume({ Size: 1 }, { principal: EVE }), ec2.deleteVolume({ VolumeId }, { principal: EVE }),
      ec2.createSnapshot({ VolumeId }, { principal: EVE }), ec2.describeVolumes({}, { principal: EVE_ROOT })]) {
      await expect(refused).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
    }
  });

  it('Iam holds identity policies of principals of any account, and a role\'s policies apply to its sessions', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([delegateToIam,
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:role/etl' }, Action: 'kms:Encrypt', Resource: '*' }]) });
    const session = { principal: 'arn:aws:sts::444455556666:assumed-role/etl/nightly' };
    await rejectsWith(kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, session), 'AccessDeniedException');
    identityPolicy(iam, 'arn:aws:iam::444455556666:role/etl', [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: key.Arn }]);
    await kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, session);
    await rejectsWith(kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, { principal: 'arn:aws:sts::444455556666:assumed-role/other/nightly' }),
      'AccessDeniedException');
  });
});

describe('4. a service principal matches only the service acting as itself', () => {
  it('KMS: {"Service": "s3.amazonaws.com"} does not let a user through S3 manage the key', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([delegateToIam,
      { Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'kms:*', Resource: '*' }]) });
    const eveThroughS3 = { principal: BOB, viaService: 's3.amazonaws.com' };
    await rejectsWith(kms.disableKey({ KeyId: key.KeyId }, eveThroughS3), 'AccessDeniedException');
    await rejectsWith(kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' }, eveThroughS3), 'AccessDeniedException');
    await kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' }, { principal: 's3.amazonaws.com' });
    await rejectsWith(kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' }, { principal: 'ec2.amazonaws.com' }), 'AccessDeniedException');
  });

  it('EC2: a service principal is no caller of the account (volumes have no resource policy to name it)', async () => {
    const { kms } = makeKms();
    const ec2 = new BlockStore({ kms });
    await expect(ec2.createVolume({ Size: 1 }, { principal: 'ec2.amazonaws.com' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('S3: a bucket policy\'s service principal does not admit a user\'s request', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const s3 = new ObjectStore({ kms, iam });
    await s3.createBucket({ Bucket: 'logs' });
    await s3.putBucketPolicy({ Bucket: 'logs', Policy: policyJson([{ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject', Resource: 'arn:aws:s3:::logs/*' }]) });
    await rejectsWith(s3.putObject({ Bucket: 'logs', Key: 'x', Body: 'y' }, { principal: BOB, viaService: 'logging.s3.amazonaws.com' }), 'AccessDenied');
  });
});

describe('5. wildcards chosen by callers cannot freeze the process', () => {
  it('an adversarial bucket-policy Resource against a 1 KiB object key is decided, and correctly', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const s3 = new ObjectStore({ kms, iam });
    await s3.createBucket({ Bucket: 'bkt' });
    await s3.putBucketPolicy({ Bucket: 'bkt', Policy: policyJson([{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::bkt/*/*/*/*/*/*/*/*/*/*.tmp' }]) });
    identityPolicy(iam, BOB, [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }]);
    await s3.putObject({ Bucket: 'bkt', Key: '/'.repeat(1023) + 'x', Body: 'v' }, { principal: BOB });
    await rejectsWith(s3.putObject({ Bucket: 'bkt', Key: `${'/'.repeat(1019)}.tmp`, Body: 'v' }, { principal: BOB }), 'AccessDenied');
  });

  it('EC2: an identity-policy StringLike against a long value the caller chose is decided, and correctly', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const ec2 = new BlockStore({ kms, iam });
    identityPolicy(iam, ALICE, [{ Effect: 'Allow', Action: 'ec2:CreateVolume', Resource: '*' },
      { Effect: 'Deny', Action: 'ec2:CreateVolume', Resource: '*', Condition: { StringLike: { 'ec2:AvailabilityZone': `${'*a'.repeat(40)}*b` } } }]);
    await ec2.createVolume({ Size: 1, AvailabilityZone: 'a'.repeat(60_000) }, { principal: ALICE });
    await expect(ec2.createVolume({ Size: 1, AvailabilityZone: `${'a'.repeat(59_999)}b` }, { principal: ALICE })).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });

  it('StringLike "*a*a*a*…b" against a 60 KB encryption-context value (KMS allows 64 KiB) is decided, and correctly', async () => {
    const { kms } = makeKms();
    const pattern = `${'*a'.repeat(40)}*b`;
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([delegateToIam,
      { Effect: 'Deny', Principal: '*', Action: 'kms:Encrypt', Resource: '*', Condition: { StringLike: { 'kms:EncryptionContext:v': pattern } } }]) });
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { v: 'a'.repeat(60_000) } });
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { v: `${'a'.repeat(59_999)}b` } }), 'AccessDeniedException');
  });
});

describe('6. a refusal says why, as AWS\'s AccessDenied messages do', () => {
  // "User: <arn> is not authorized to perform: <action> on resource: <arn> …" followed by the reason
  // (kms-authorizer.ts): an administrator reads it to know which policy to change.
  it('an explicit deny, an operation no other account may call, and a call nothing allows are told apart', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([delegateToIam,
      { Effect: 'Allow', Principal: { AWS: EVE }, Action: 'kms:*', Resource: '*' }]) });
    identityPolicy(iam, EVE, [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }]);
    identityPolicy(iam, BOB, [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', Action: 'kms:Encrypt', Resource: '*' }]);
    const refusal = async (call: Promise<unknown>) => {
      const error = await call.then(() => undefined, (e: unknown) => e as Error);
      expect(error?.name).toBe('AccessDeniedException');
      return error!.message;
    };
    const prefix = (who: string, action: string) => `User: ${who} is not authorized to perform: ${action} on resource: ${key.Arn} `;
    expect(await refusal(kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, { principal: BOB })))
      .toBe(`${prefix(BOB, 'kms:Encrypt')}with an explicit deny`);
    expect(await refusal(kms.disableKey({ KeyId: key.Arn }, { principal: EVE })))
      .toBe(`${prefix(EVE, 'kms:DisableKey')}because this operation cannot be called from another account`);
    expect(await refusal(kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, { principal: ALICE })))
      .toBe(`${prefix(ALICE, 'kms:Encrypt')}because no key policy, identity policy or grant allows it`);
    expect(await refusal(kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, { principal: 's3.amazonaws.com' })))
      .toBe(`${prefix('s3.amazonaws.com', 'kms:Encrypt')}because no key policy, identity policy or grant allows it`);
  });
});
