// A principal of another account whose own account and the key policy both allow it everything
// may still call only the operations AWS KMS lets another account call (the "Cross-account use"
// column of https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html);
// every other operation on the key is refused, saying why, and leaves the key as it was.
import { describe, expect, it } from 'vitest';
import { Iam } from '../../src/index.js';
import { bytes, makeKms, policyJson, ROOT } from './fixtures.js';
import { OPERATION_CALLS, type Subject } from './operation-calls.js';

const EVE = 'arn:aws:iam::444455556666:user/eve';

const CROSS_ACCOUNT = new Set(['CreateGrant', 'Decrypt', 'DescribeKey', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext',
  'GetKeyRotationStatus', 'ListGrants', 'ReEncryptFrom', 'ReEncryptTo', 'RevokeGrant']);

describe('a caller of another account', () => {
  it('may call the cross-account operations and no other, even with kms:* allowed on both sides', async () => {
    const iam = new Iam();
    iam.putPrincipalPolicy({ PrincipalArn: EVE, PolicyName: 'all-of-kms', PolicyDocument: policyJson([{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }]) });
    const { kms } = makeKms({ iam });
    const policy = policyJson([
      { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: EVE }, Action: 'kms:*', Resource: '*' },
    ]);
    const { KeyMetadata: other } = await kms.createKey({ Policy: policy });
    const { CiphertextBlob: otherBlob } = await kms.encrypt({ KeyId: other.KeyId, Plaintext: bytes('other') });
    for (const [operation, call] of Object.entries(OPERATION_CALLS)) {
      const { KeyMetadata: key } = await kms.createKey({ Policy: policy });
      const { GrantId: grantId } = await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: EVE, Operations: ['Decrypt'] });
      const { CiphertextBlob: blob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('secret') });
      const s: Subject = { keyId: key.Arn, arn: key.Arn, grantId, blob, other: other.Arn, otherBlob };
      let error: Error | undefined;
      try {
        await call(kms, s, { principal: EVE });
      } catch (e) {
        error = e as Error;
      }
      if (CROSS_ACCOUNT.has(operation)) {
        expect(error, `${operation}: ${error?.name}: ${error?.message}`).toBeUndefined();
      } else {
        expect(error?.name, operation).toBe('AccessDeniedException');
        expect(error?.message, operation).toMatch(/because this operation cannot be called from another account$/);
      }
    }
  });

  it('may not call the account-level operations (no key, no key policy) of this KMS\'s account', async () => {
    const iam = new Iam();
    iam.putPrincipalPolicy({ PrincipalArn: EVE, PolicyName: 'all-of-kms', PolicyDocument: policyJson([{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }]) });
    const { kms } = makeKms({ iam });
    const calls: Array<[string, Promise<unknown>]> = [
      ['kms:CreateKey', kms.createKey({}, { principal: EVE })],
      ['kms:ListKeys', kms.listKeys({}, { principal: EVE })],
      ['kms:GenerateRandom', kms.generateRandom({ NumberOfBytes: 16 }, { principal: EVE })],
    ];
    for (const [action, call] of calls) {
      const error = await call.then(() => undefined, (e: Error) => e);
      expect(error?.name, action).toBe('AccessDeniedException');
      expect(error?.message, action).toBe(`User: ${EVE} is not authorized to perform: ${action} on resource: * because this operation cannot be called from another account`);
    }
    expect((await kms.listKeys()).Keys).toEqual([]);
  });
});
