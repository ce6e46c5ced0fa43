import { describe, expect, it } from 'vitest';
import { Iam, KeyManagementService, ObjectStore } from '../../src/index.js';

const ALICE = { principal: 'arn:aws:iam::111122223333:user/alice' };

async function kmsCalls(kms: KeyManagementService, eventName: string) {
  return (await kms.listAuditRecords({ EventName: eventName })).length;
}

describe('S3 Bucket Keys', () => {
  it('cut KMS calls for 1,000 SSE-KMS puts from 1,000 to 1, and reads likewise', async () => {
    let now = 0;
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const s3 = new ObjectStore({ kms, now: () => now });
    await s3.createBucket({ Bucket: 'many' });
    const { KeyMetadata: key } = await kms.createKey();

    for (let i = 0; i < 1000; i++) await s3.putObject({ Bucket: 'many', Key: `plain/${i}`, Body: `object ${i}`, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.KeyId });
    const withoutBucketKey = await kmsCalls(kms, 'GenerateDataKey');

    await s3.putBucketEncryption({ Bucket: 'many', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.KeyId }, BucketKeyEnabled: true }] } });
    for (let i = 0; i < 1000; i++) await s3.putObject({ Bucket: 'many', Key: `bk/${i}`, Body: `object ${i}` });
    const withBucketKey = await kmsCalls(kms, 'GenerateDataKey') - withoutBucketKey;
    console.log(`KMS GenerateDataKey calls for 1,000 puts: ${withoutBucketKey} without bucket keys, ${withBucketKey} with`);
    expect(withoutBucketKey).toBe(1000);
    expect(withBucketKey).toBe(1);

    const decryptsBefore = await kmsCalls(kms, 'Decrypt');
    for (let i = 0; i < 1000; i += 10) {
      const { Body, BucketKeyEnabled } = await s3.getObject({ Bucket: 'many', Key: `bk/${i}` });
      expect(new TextDecoder().decode(await Body.transformToByteArray())).toBe(`object ${i}`);
      expect(BucketKeyEnabled).toBe(true);
    }
    expect(await kmsCalls(kms, 'Decrypt') - decryptsBefore).toBe(1);

    now += 5 * 60_000 + 1; // the cached bucket key expires: the next write asks KMS again
    await s3.putObject({ Bucket: 'many', Key: 'bk/late', Body: 'late' });
    expect(await kmsCalls(kms, 'GenerateDataKey') - withoutBucketKey).toBe(2);
    expect(new TextDecoder().decode((await (await s3.getObject({ Bucket: 'many', Key: 'bk/7' })).Body.transformToByteArray()))).toBe('object 7');
  });

  it('do not let one principal read through another\'s cached bucket key', async () => {
    const iam = new Iam();
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1', iam });
    const s3 = new ObjectStore({ kms, iam });
    await s3.createBucket({ Bucket: 'guarded' });
    const { KeyMetadata: key } = await kms.createKey();
    await s3.putObject({ Bucket: 'guarded', Key: 'a', Body: 'secret', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.KeyId, BucketKeyEnabled: true });
    await s3.getObject({ Bucket: 'guarded', Key: 'a' }); // root warms its cache
    iam.putPrincipalPolicy({ PrincipalArn: ALICE.principal, PolicyName: 's3', PolicyDocument: JSON.stringify({ Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) });
    await expect(s3.getObject({ Bucket: 'guarded', Key: 'a' }, ALICE)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(s3.putObject({ Bucket: 'guarded', Key: 'b', Body: 'x', ServerSideEncryption: 'aws:kms:dsse', BucketKeyEnabled: true })).rejects.toMatchObject({ name: 'InvalidArgument' });
  });
});
