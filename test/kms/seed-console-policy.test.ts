// The key policy of the seed text cloud-data-encryption-key-management.txt ("key-consolepolicy-2"),
// copied verbatim into test/vectors/seed-console-policy.json and used as it stands: it must behave as
// the seed describes.
import { describe, expect, it } from 'vitest';
import { Iam } from '../../src/index.js';
import { readVectorText } from '../helpers/vectors.js';
import { bytes, makeKms, rejectsWith } from './fixtures.js';

const policy = readVectorText('seed-console-policy.json').trim();

const ADMIN = { principal: 'arn:aws:iam::111122223333:role/SecurityAdmin' };
const APP = { principal: 'arn:aws:iam::111122223333:role/ApplicationABC' };
const DEVOPS = { principal: 'arn:aws:iam::111122223333:role/DevOpsRole' };
const PARTNER_ROOT = { principal: 'arn:aws:iam::444455556666:root' };
const PARTNER_USER = { principal: 'arn:aws:iam::444455556666:user/etl' };
const STRANGER = { principal: 'arn:aws:iam::111122223333:user/intern' };

describe('the seed console key policy (key-consolepolicy-2)', () => {
  it('parses, and is the one the KMS keeps', async () => {
    const { kms } = makeKms();
    const { KeyMetadata } = await kms.createKey({ Policy: policy });
    expect(JSON.parse((await kms.getKeyPolicy({ KeyId: KeyMetadata.KeyId })).Policy).Id).toBe('key-consolepolicy-2');
  });

  it('key administrators manage the key but cannot use it', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Policy: policy });
    await kms.disableKey({ KeyId: key.KeyId }, ADMIN);
    await kms.enableKey({ KeyId: key.KeyId }, ADMIN);
    await kms.tagResource({ KeyId: key.KeyId, Tags: [{ TagKey: 'owner', TagValue: 'security' }] }, ADMIN);
    await kms.scheduleKeyDeletion({ KeyId: key.KeyId }, ADMIN);
    await kms.cancelKeyDeletion({ KeyId: key.KeyId }, ADMIN);
    await kms.enableKey({ KeyId: key.KeyId }, ADMIN);
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, ADMIN), 'AccessDeniedException');
  });

  it('key users (two roles and the other account) use the key but cannot manage it', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Policy: policy });
    // Another account names the key by its ARN (a bare key id is looked up in the caller's own account).
    for (const user of [APP, DEVOPS, PARTNER_ROOT]) {
      const { CiphertextBlob } = await kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, user);
      await kms.decrypt({ CiphertextBlob }, user);
      await kms.generateDataKey({ KeyId: key.Arn, KeySpec: 'AES_256' }, user);
      await rejectsWith(kms.disableKey({ KeyId: key.Arn }, user), 'AccessDeniedException');
    }
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, PARTNER_ROOT), 'NotFoundException');
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, STRANGER), 'AccessDeniedException');
  });

  it('the other account\'s principals act through their account\'s delegation: its root yes, its users with an identity policy', async () => {
    const iam = new Iam();
    const { kms } = makeKms({ iam });
    const { KeyMetadata: key } = await kms.createKey({ Policy: policy });
    await rejectsWith(kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, PARTNER_USER), 'AccessDeniedException');
    iam.putPrincipalPolicy({ PrincipalArn: PARTNER_USER.principal, PolicyName: 'use-partner-key',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: key.Arn }] }) });
    await kms.encrypt({ KeyId: key.Arn, Plaintext: bytes('x') }, PARTNER_USER);
  });

  it('key users create grants only for AWS resources (kms:GrantIsForAWSResource)', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Policy: policy });
    const grantee = 'arn:aws:sts::111122223333:assumed-role/aws-ec2-instance/i-0123456789abcdef0';
    await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: grantee, Operations: ['Decrypt'] }, { ...APP, viaService: 'ec2.amazonaws.com' });
    await rejectsWith(kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: grantee, Operations: ['Decrypt'] }, APP), 'AccessDeniedException');
    expect((await kms.listGrants({ KeyId: key.KeyId }, { ...DEVOPS, viaService: 'ec2.amazonaws.com' })).Grants).toHaveLength(1);
  });
});
