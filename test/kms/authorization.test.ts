import { describe, expect, it } from 'vitest';
import { Iam } from '../../src/index.js';
import { ACCOUNT, ALICE, BOB, MALLORY, ROOT, bytes, makeKms, policyJson, rejectsWith } from './fixtures.js';

const alice = { principal: ALICE };
const bob = { principal: BOB };

describe('who may use a key', () => {
  it('the default key policy delegates to identity policies: root yes, a user only with an IAM Allow', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const { KeyMetadata: key } = await kms.createKey();
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, { principal: ROOT });
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, alice), 'AccessDeniedException');
    iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'kms-use',
      PolicyDocument: policyJson([{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: key.Arn }]) });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, alice);
    await kms.decrypt({ CiphertextBlob }, alice);
    await rejectsWith(kms.scheduleKeyDeletion({ KeyId: key.KeyId }, alice), 'AccessDeniedException');
    await rejectsWith(kms.decrypt({ CiphertextBlob }, bob), 'AccessDeniedException');
    await rejectsWith(kms.createKey({}, alice), 'AccessDeniedException');
    await rejectsWith(kms.decrypt({ CiphertextBlob }, { principal: MALLORY }), 'AccessDeniedException');
  });

  it('key administrators and key users (a key policy naming principals) need no identity policy', async () => {
    const { kms } = makeKms();
    const policy = policyJson([
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Sid: 'Allow access for Key Administrators', Effect: 'Allow', Principal: { AWS: BOB },
        Action: ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*',
          'kms:Get*', 'kms:Delete*', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'], Resource: '*' },
      { Sid: 'Allow use of the key', Effect: 'Allow', Principal: { AWS: ALICE },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*' },
    ]);
    const { KeyMetadata: key } = await kms.createKey({ Policy: policy });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, alice);
    await kms.decrypt({ CiphertextBlob }, alice);
    await rejectsWith(kms.disableKey({ KeyId: key.KeyId }, alice), 'AccessDeniedException');
    await kms.disableKey({ KeyId: key.KeyId }, bob);
    await kms.enableKey({ KeyId: key.KeyId }, bob);
    await rejectsWith(kms.decrypt({ CiphertextBlob }, bob), 'AccessDeniedException');
  });

  it('an explicit Deny in the key policy or an identity policy wins, even for a named user', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([
      { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: [ALICE, BOB] }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { AWS: BOB }, Action: 'kms:Decrypt', Resource: '*' },
    ]) });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, bob);
    await rejectsWith(kms.decrypt({ CiphertextBlob }, bob), 'AccessDeniedException');
    iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'no-decrypt',
      PolicyDocument: policyJson([{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' }]) });
    await rejectsWith(kms.decrypt({ CiphertextBlob }, alice), 'AccessDeniedException');
    await kms.decrypt({ CiphertextBlob }, { principal: ROOT });
  });

  it('time-bounded statements read aws:CurrentTime from the KMS clock', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([
      { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: BOB }, Action: 'kms:Encrypt', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2026-01-31T00:00:00Z' } } },
      { Effect: 'Deny', Principal: { AWS: ROOT }, Action: 'kms:Decrypt', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2026-01-31T00:00:00Z' } } },
    ]) });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, bob); // the clock starts on 2026-01-01
    await kms.decrypt({ CiphertextBlob }, { principal: ROOT });
    clock.advanceDays(31);
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, bob), 'AccessDeniedException');
    await rejectsWith(kms.decrypt({ CiphertextBlob }, { principal: ROOT }), 'AccessDeniedException');
  });

  it('encryption-context conditions in a key policy gate use (kms:EncryptionContext:…, kms:EncryptionContextKeys)', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([
      { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: ALICE }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:Department': 'Finance' }, 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['Department', 'Project'] } } },
    ]) });
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { Department: 'Finance', Project: 'Q4' } }, alice);
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { Department: 'Sales' } }, alice), 'AccessDeniedException');
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { Department: 'Finance', Owner: 'x' } }, alice), 'AccessDeniedException');
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, alice), 'AccessDeniedException');
  });

  it('the seed EC2 key policy: EC2 acting as itself may use it for the account\'s volumes only; a user through EC2 needs IAM', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Policy: policyJson([
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Sid: 'Allow access for EC2 to encrypt/decrypt volumes', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': 'ec2.amazonaws.com' },
          ArnLike: { 'kms:EncryptionContext:aws:ec2:arn': `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/*` } } },
    ]) });
    // A service principal matches only the service's own requests (IAM User Guide, "AWS service principals").
    const viaEc2 = { principal: 'ec2.amazonaws.com', viaService: 'ec2.amazonaws.com' };
    const volume = { 'aws:ec2:arn': `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-1` };
    const { CiphertextBlob } = await kms.generateDataKeyWithoutPlaintext({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: volume }, viaEc2);
    await kms.decrypt({ CiphertextBlob, EncryptionContext: volume }, viaEc2);
    await rejectsWith(kms.decrypt({ CiphertextBlob, EncryptionContext: volume }, alice), 'AccessDeniedException');
    await rejectsWith(kms.decrypt({ CiphertextBlob, EncryptionContext: volume }, { principal: ALICE, viaService: 'ec2.amazonaws.com' }), 'AccessDeniedException');
    await rejectsWith(kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: { 'aws:ec2:arn': 'arn:aws:s3:::bucket' } }, viaEc2), 'AccessDeniedException');
  });

  it('AWS managed keys: created once per service, usable only via that service, never managed by customers', async () => {
    const { kms } = makeKms();
    const keyId = await kms.awsManagedKeyId('s3');
    expect(await kms.awsManagedKeyId('s3')).toBe(keyId);
    const { KeyMetadata } = await kms.describeKey({ KeyId: 'alias/aws/s3' });
    expect(KeyMetadata).toMatchObject({ KeyId: keyId, KeyManager: 'AWS' });
    const viaS3 = { principal: ALICE, viaService: 's3.amazonaws.com' };
    const { CiphertextBlob } = await kms.encrypt({ KeyId: 'alias/aws/s3', Plaintext: bytes('x') }, viaS3);
    await kms.decrypt({ CiphertextBlob }, viaS3);
    await rejectsWith(kms.decrypt({ CiphertextBlob }, alice), 'AccessDeniedException');
    await rejectsWith(kms.decrypt({ CiphertextBlob }, { principal: ALICE, viaService: 'ec2.amazonaws.com' }), 'AccessDeniedException');
    await rejectsWith(kms.decrypt({ CiphertextBlob }, { principal: MALLORY, viaService: 's3.amazonaws.com' }), 'AccessDeniedException');
    for (const refused of [kms.putKeyPolicy({ KeyId: keyId, Policy: policyJson([{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }]) }),
      kms.disableKey({ KeyId: keyId }), kms.scheduleKeyDeletion({ KeyId: keyId }), kms.disableKeyRotation({ KeyId: keyId })]) {
      await rejectsWith(refused, 'AccessDeniedException');
    }
    expect((await kms.getKeyRotationStatus({ KeyId: keyId })).KeyRotationEnabled).toBe(true);
  });

  it('putKeyPolicy replaces the policy, refuses malformed ones, and getKeyPolicy returns it', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    const policy = policyJson([{ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:Encrypt', Resource: '*' }]);
    await kms.putKeyPolicy({ KeyId: key.KeyId, Policy: policy });
    expect((await kms.getKeyPolicy({ KeyId: key.KeyId })).Policy).toBe(policy);
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, alice);
    await rejectsWith(kms.putKeyPolicy({ KeyId: key.KeyId, Policy: '{"Statement":[{"Effect":"Allow"}]}' }), 'MalformedPolicyDocumentException');
    await rejectsWith(kms.putKeyPolicy({ KeyId: key.KeyId, Policy: 'nope' }), 'MalformedPolicyDocumentException');
    expect((await kms.getKeyPolicy({ KeyId: key.KeyId })).Policy).toBe(policy);
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, { principal: 'not-an-arn' }), 'ValidationException');
  });
});
