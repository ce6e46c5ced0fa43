// The condition keys each service puts into a request's context, seen by policies through the
// public API. Each row runs its call twice: under a Deny when the key has the expected value (the
// call must be refused), and under a Deny when it has any other value or is absent (the call must
// go through) — together they show the key is there with exactly that value.
import { describe, expect, it } from 'vitest';
import { BlockStore, Iam, ObjectStore, type KeyManagementService } from '../../src/index.js';
import { ACCOUNT, ALICE, bytes, makeKms, policyJson, ROOT } from '../kms/fixtures.js';

type Condition = Record<string, Record<string, string | string[]>>;
const delegate = { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };
const aliceMayDoAll = [{ Effect: 'Allow', Action: ['kms:*', 's3:*', 'ec2:*'], Resource: '*' }];

interface Row {
  key: string;
  value: string | string[];
  /** A set operator for multivalued keys. */
  multi?: boolean;
  call: (kms: KeyManagementService, keyId: string) => Promise<unknown>;
}

const expectedDenied = (key: string, value: string | string[], multi?: boolean): Condition =>
  multi ? { 'ForAnyValue:StringEquals': { [key]: value } } : { StringEquals: { [key]: value } };
// Holds when the key is absent or has another value: ForAllValues is true on an absent key.
const expectedAllowed = (key: string, value: string | string[], multi?: boolean): Condition =>
  multi ? { 'ForAnyValue:StringNotEquals': { [key]: value } } : { StringNotEquals: { [key]: value } };

async function kmsCallUnder(condition: Condition, row: Row): Promise<boolean> {
  const iam = new Iam();
  iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'all', PolicyDocument: policyJson(aliceMayDoAll) });
  const { kms } = makeKms({ iam });
  const { KeyMetadata: key } = await kms.createKey({ Tags: [{ TagKey: 'team', TagValue: 'blue' }],
    Policy: policyJson([delegate, { Effect: 'Deny', Principal: { AWS: ALICE }, Action: '*', Resource: '*', Condition: condition }]) });
  await kms.createAlias({ AliasName: 'alias/probe', TargetKeyId: key.KeyId });
  try {
    await row.call(kms, key.KeyId);
    return true;
  } catch (error) {
    expect((error as Error).name, (error as Error).message).toBe('AccessDeniedException');
    return false;
  }
}

const alice = { principal: ALICE, sourceIp: '203.0.113.7', secureTransport: true };
const encrypt = (kms: KeyManagementService, keyId: string) => kms.encrypt({ KeyId: keyId, Plaintext: bytes('x') }, alice);
const grant = (kms: KeyManagementService, keyId: string) => kms.createGrant({ KeyId: keyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/app`,
  RetiringPrincipal: ROOT, Operations: ['Decrypt', 'Encrypt'], Constraints: { EncryptionContextSubset: { a: 'b' } } }, alice);

const KMS_ROWS: Row[] = [
  { key: 'kms:EncryptionAlgorithm', value: 'SYMMETRIC_DEFAULT', call: encrypt },
  { key: 'kms:CallerAccount', value: ACCOUNT, call: encrypt },
  { key: 'kms:KeySpec', value: 'SYMMETRIC_DEFAULT', call: encrypt },
  { key: 'kms:KeyUsage', value: 'ENCRYPT_DECRYPT', call: encrypt },
  { key: 'kms:KeyOrigin', value: 'AWS_KMS', call: encrypt },
  { key: 'kms:MultiRegion', value: 'false', call: encrypt },
  { key: 'kms:ResourceAliases', value: 'alias/probe', multi: true, call: encrypt },
  { key: 'kms:RequestAlias', value: 'alias/probe', call: (kms) => kms.encrypt({ KeyId: 'alias/probe', Plaintext: bytes('x') }, alice) },
  { key: 'kms:EncryptionContext:tenant', value: 'acme', call: (kms, keyId) => kms.encrypt({ KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: { tenant: 'acme' } }, alice) },
  { key: 'kms:EncryptionContextKeys', value: 'tenant', multi: true, call: (kms, keyId) => kms.encrypt({ KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: { tenant: 'acme' } }, alice) },
  { key: 'kms:ViaService', value: 's3.amazonaws.com', call: (kms, keyId) => kms.encrypt({ KeyId: keyId, Plaintext: bytes('x') }, { ...alice, viaService: 's3.amazonaws.com' }) },
  { key: 'aws:ViaAWSService', value: 'true', call: (kms, keyId) => kms.encrypt({ KeyId: keyId, Plaintext: bytes('x') }, { ...alice, viaService: 's3.amazonaws.com' }) },
  { key: 'aws:ResourceTag/team', value: 'blue', call: encrypt },
  { key: 'aws:PrincipalArn', value: ALICE, call: encrypt },
  { key: 'aws:PrincipalAccount', value: ACCOUNT, call: encrypt },
  { key: 'aws:PrincipalType', value: 'User', call: encrypt },
  { key: 'aws:username', value: 'alice', call: encrypt },
  { key: 'aws:RequestedRegion', value: 'us-east-1', call: encrypt },
  { key: 'aws:SourceIp', value: '203.0.113.7', call: encrypt },
  { key: 'aws:SecureTransport', value: 'true', call: encrypt },
  { key: 'aws:PrincipalIsAWSService', value: 'false', call: encrypt },
  { key: 'kms:GrantOperations', value: ['Decrypt', 'Encrypt'], multi: true, call: grant },
  { key: 'kms:GranteePrincipal', value: `arn:aws:iam::${ACCOUNT}:role/app`, call: grant },
  { key: 'kms:RetiringPrincipal', value: ROOT, call: grant },
  { key: 'kms:GrantConstraintType', value: 'EncryptionContextSubset', multi: true, call: grant },
  { key: 'kms:GrantIsForAWSResource', value: 'false', call: grant },
  { key: 'kms:ScheduleKeyDeletionPendingWindowInDays', value: '7', call: (kms, keyId) => kms.scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 7 }, alice) },
  { key: 'kms:RotationPeriodInDays', value: '180', call: (kms, keyId) => kms.enableKeyRotation({ KeyId: keyId, RotationPeriodInDays: 180 }, alice) },
  { key: 'aws:RequestTag/env', value: 'prod', call: (kms, keyId) => kms.tagResource({ KeyId: keyId, Tags: [{ TagKey: 'env', TagValue: 'prod' }] }, alice) },
  { key: 'aws:TagKeys', value: 'env', multi: true, call: (kms, keyId) => kms.untagResource({ KeyId: keyId, TagKeys: ['env'] }, alice) },
  { key: 'kms:BypassPolicyLockoutSafetyCheck', value: 'false', call: (kms, keyId) => kms.putKeyPolicy({ KeyId: keyId, Policy: policyJson([delegate]) }, alice) },
];

describe('KMS condition keys (AWS KMS Developer Guide, "AWS KMS condition keys"; IAM global condition keys)', () => {
  for (const row of KMS_ROWS) {
    it(`${row.key} = ${String(row.value)}`, async () => {
      expect(await kmsCallUnder(expectedDenied(row.key, row.value, row.multi), row)).toBe(false);
      expect(await kmsCallUnder(expectedAllowed(row.key, row.value, row.multi), row)).toBe(true);
    });
  }

  it('kms:ReEncryptOnSameKey = true (ReEncrypt to the key that made the ciphertext)', async () => {
    expect(await reEncryptUnder({ StringEquals: { 'kms:ReEncryptOnSameKey': 'true' } })).toBe(false);
    expect(await reEncryptUnder({ StringNotEquals: { 'kms:ReEncryptOnSameKey': 'true' } })).toBe(true);
  });

  /** The Encrypt that makes the ciphertext must pass, so the Deny names only ReEncrypt*. */
  async function reEncryptUnder(condition: Condition): Promise<boolean> {
    const iam = new Iam();
    iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'all', PolicyDocument: policyJson(aliceMayDoAll) });
    const { kms } = makeKms({ iam });
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([delegate,
      { Effect: 'Deny', Principal: { AWS: ALICE }, Action: 'kms:ReEncrypt*', Resource: '*', Condition: condition }]) });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') });
    try {
      await kms.reEncrypt({ CiphertextBlob, DestinationKeyId: key.KeyId }, alice);
      return true;
    } catch (error) {
      expect((error as Error).name).toBe('AccessDeniedException');
      return false;
    }
  }

  it('CreateKey (no key yet): the requested spec, usage, origin and tags, and no kms:CallerAccount', async () => {
    const tryCreate = async (condition: Condition) => {
      const iam = new Iam();
      iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'create', PolicyDocument: policyJson([
        { Effect: 'Allow', Action: 'kms:CreateKey', Resource: '*' }, { Effect: 'Deny', Action: 'kms:CreateKey', Resource: '*', Condition: condition }]) });
      const { kms } = makeKms({ iam });
      return kms.createKey({ Origin: 'EXTERNAL', Tags: [{ TagKey: 'env', TagValue: 'prod' }] }, alice).then(() => true, () => false);
    };
    for (const [key, value] of [['kms:KeyOrigin', 'EXTERNAL'], ['kms:KeySpec', 'SYMMETRIC_DEFAULT'], ['kms:KeyUsage', 'ENCRYPT_DECRYPT'],
      ['aws:RequestTag/env', 'prod'], ['kms:BypassPolicyLockoutSafetyCheck', 'false']] as const) {
      expect(await tryCreate({ StringEquals: { [key]: value } }), key).toBe(false);
      expect(await tryCreate({ StringNotEquals: { [key]: value } }), key).toBe(true);
    }
    expect(await tryCreate({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'env' } })).toBe(false);
    expect(await tryCreate({ Null: { 'kms:CallerAccount': 'false' } })).toBe(true);
    expect(await tryCreate({ Null: { 'kms:CallerAccount': 'true' } })).toBe(false);
  });
});

describe('S3 and EC2 condition keys', () => {
  async function s3Under(condition: Condition, call: (s3: ObjectStore) => Promise<unknown>): Promise<boolean> {
    const iam = new Iam();
    iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'all', PolicyDocument: policyJson(aliceMayDoAll) });
    const { kms } = makeKms({ iam });
    const s3 = new ObjectStore({ kms, iam });
    await s3.createBucket({ Bucket: 'probe' });
    await s3.putBucketVersioning({ Bucket: 'probe', VersioningConfiguration: { Status: 'Enabled' } });
    await s3.putObject({ Bucket: 'probe', Key: 'k', Body: 'v' });
    await s3.putBucketPolicy({ Bucket: 'probe', Policy: policyJson([{ Effect: 'Deny', Principal: '*', Action: ['s3:PutObject', 's3:ListBucket', 's3:GetObject*'],
      Resource: ['arn:aws:s3:::probe', 'arn:aws:s3:::probe/*'], Condition: condition }]) });
    return call(s3).then(() => true, (error: Error) => {
      expect(error.name).toBe('AccessDenied');
      return false;
    });
  }

  const rows: Array<[string, string, (s3: ObjectStore) => Promise<unknown>]> = [
    ['s3:x-amz-server-side-encryption', 'aws:kms', (s3) => s3.putObject({ Bucket: 'probe', Key: 'n', Body: 'v', ServerSideEncryption: 'aws:kms' }, { principal: ALICE })],
    ['s3:prefix', 'logs/', (s3) => s3.listObjectsV2({ Bucket: 'probe', Prefix: 'logs/' }, { principal: ALICE })],
    ['s3:max-keys', '10', (s3) => s3.listObjectsV2({ Bucket: 'probe', MaxKeys: 10 }, { principal: ALICE })],
    ['s3:ResourceAccount', ACCOUNT, (s3) => s3.getObject({ Bucket: 'probe', Key: 'k' }, { principal: ALICE })],
    ['aws:SecureTransport', 'false', (s3) => s3.getObject({ Bucket: 'probe', Key: 'k', SecureTransport: false }, { principal: ALICE })],
    ['aws:PrincipalArn', ALICE, (s3) => s3.getObject({ Bucket: 'probe', Key: 'k' }, { principal: ALICE })],
  ];
  for (const [key, value, call] of rows) {
    it(`${key} = ${value}`, async () => {
      expect(await s3Under({ StringEquals: { [key]: value } }, call)).toBe(false);
      expect(await s3Under({ StringNotEquals: { [key]: value } }, call)).toBe(true);
    });
  }

  it('s3:versionid on a versioned read', async () => {
    const read = async (s3: ObjectStore) => {
      const { Versions } = await s3.listObjectVersions({ Bucket: 'probe' });
      return s3.getObject({ Bucket: 'probe', Key: 'k', VersionId: Versions[0]!.VersionId }, { principal: ALICE });
    };
    expect(await s3Under({ StringLike: { 's3:versionid': '*' } }, read)).toBe(false);
    expect(await s3Under({ Null: { 's3:versionid': 'true' } }, read)).toBe(true);
  });

  it('ec2:Encrypted, ec2:VolumeSize and ec2:Region on CreateVolume; ec2:VolumeID on a volume', async () => {
    const under = async (condition: Condition, call: (ec2: BlockStore) => Promise<unknown>) => {
      const iam = new Iam();
      iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'all', PolicyDocument: policyJson([...aliceMayDoAll,
        { Effect: 'Deny', Action: 'ec2:*', Resource: '*', Condition: condition }]) });
      const { kms } = makeKms({ iam });
      const ec2 = new BlockStore({ kms, iam });
      return call(ec2).then(() => true, (error: Error) => {
        expect(error.name).toBe('UnauthorizedOperation');
        return false;
      });
    };
    const create = (ec2: BlockStore) => ec2.createVolume({ Size: 2, Encrypted: true }, { principal: ALICE });
    for (const [key, value] of [['ec2:Encrypted', 'true'], ['ec2:VolumeSize', '2'], ['ec2:Region', 'us-east-1']] as const) {
      expect(await under({ StringEquals: { [key]: value } }, create), key).toBe(false);
      expect(await under({ StringNotEquals: { [key]: value } }, create), key).toBe(true);
    }
    // The classic guard: deny creating unencrypted volumes.
    expect(await under({ Bool: { 'ec2:Encrypted': 'false' } }, (ec2) => ec2.createVolume({ Size: 1 }, { principal: ALICE }))).toBe(false);
    const deleteOwn = async (ec2: BlockStore) => {
      const { VolumeId } = await ec2.createVolume({ Size: 1 });
      return ec2.deleteVolume({ VolumeId }, { principal: ALICE });
    };
    expect(await under({ StringLike: { 'ec2:VolumeID': 'vol-*' } }, deleteOwn)).toBe(false);
  });
});
