import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Iam, KeyManagementService, ObjectStore } from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const ACCOUNT = '111122223333';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const ALICE = { principal: `arn:aws:iam::${ACCOUNT}:user/alice` };
const OTHER = { principal: 'arn:aws:iam::444455556666:user/partner' };
const rng = new SeededRandom(100);

function setup(iam?: Iam) {
  const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', iam });
  return { kms, s3: new ObjectStore({ kms, iam }) };
}

const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const rejectsWith = (promise: Promise<unknown>, name: string) => expect(promise).rejects.toMatchObject({ name });

describe('ObjectStore', () => {
  it('round-trips every mode at 0 B, 1 B, 64 KiB ± 1 and several MiB, storing only ciphertext (no SSE header: SSE-S3, the default)', async () => {
    const { kms, s3 } = setup();
    await s3.createBucket({ Bucket: 'data' });
    const { KeyMetadata: key } = await kms.createKey();
    const modes = [{}, { ServerSideEncryption: 'AES256' as const }, { ServerSideEncryption: 'aws:kms' as const },
      { ServerSideEncryption: 'aws:kms:dsse' as const }, { ServerSideEncryption: 'aws:kms' as const, BucketKeyEnabled: true },
      { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: key.KeyId }]; // last, so headObject below sees this key
    for (const size of [0, 1, 65535, 65536, 65537, 3 * 1024 * 1024 + 7]) {
      for (const mode of modes) {
        const body = rng.bytes(size);
        const put = await s3.putObject({ Bucket: 'data', Key: `o-${size}`, Body: body, ...mode });
        expect(put.ServerSideEncryption).toBe(mode.ServerSideEncryption ?? 'AES256');
        const got = await s3.getObject({ Bucket: 'data', Key: `o-${size}` });
        expect(Buffer.from(await got.Body.transformToByteArray()).equals(body), `${size} ${JSON.stringify(mode)}`).toBe(true);
        expect(got.ETag).toBe(put.ETag);
        const stored = (await s3.storedBytes('data', `o-${size}`))!;
        if (size >= 16) expect(Buffer.from(stored).indexOf(Buffer.from(body.subarray(0, 16)))).toBe(-1);
        expect(stored.length).toBeGreaterThan(size); // an envelope header and frame tags: never the bare plaintext, not even at 0 or 1 byte
      }
    }
    expect((await s3.headObject({ Bucket: 'data', Key: 'o-1' })).SSEKMSKeyId).toBe(key.Arn);
    expect((await s3.listObjectsV2({ Bucket: 'data', Prefix: 'o-6' })).Contents.map((c) => c.Key)).toEqual(['o-65535', 'o-65536', 'o-65537']);
  });

  it('SSE-KMS uses alias/aws/s3 by default, binds the object ARN and a caller context, and needs kms:Decrypt to read', async () => {
    const iam = new Iam();
    const { kms, s3 } = setup(iam);
    await s3.createBucket({ Bucket: 'reports' });
    const context = btoa(JSON.stringify({ department: 'finance' }));
    const put = await s3.putObject({ Bucket: 'reports', Key: 'q4.csv', Body: 'numbers', ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: context });
    expect(put.SSEKMSKeyId).toBe((await kms.describeKey({ KeyId: 'alias/aws/s3' })).KeyMetadata.Arn);
    const { KeyMetadata: own } = await kms.createKey();
    await s3.putObject({ Bucket: 'reports', Key: 'own.csv', Body: 'mine', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: own.KeyId });

    iam.putPrincipalPolicy({ PrincipalArn: ALICE.principal, PolicyName: 's3', PolicyDocument: policy([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]) });
    // alias/aws/s3 admits account principals through S3; the customer key needs kms:Decrypt.
    expect(new TextDecoder().decode((await (await s3.getObject({ Bucket: 'reports', Key: 'q4.csv' }, ALICE)).Body.transformToByteArray()))).toBe('numbers');
    await rejectsWith(s3.getObject({ Bucket: 'reports', Key: 'own.csv' }, ALICE), 'AccessDenied');
    await rejectsWith(s3.headObject({ Bucket: 'reports', Key: 'own.csv' }, ALICE), 'AccessDenied');
    iam.putPrincipalPolicy({ PrincipalArn: ALICE.principal, PolicyName: 'kms', PolicyDocument: policy([{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: own.Arn }]) });
    expect(new TextDecoder().decode((await (await s3.getObject({ Bucket: 'reports', Key: 'own.csv' }, ALICE)).Body.transformToByteArray()))).toBe('mine');
    const records = await kms.listAuditRecords({ EventName: 'Decrypt', Principal: ALICE.principal });
    expect(records.at(-1)).toMatchObject({ viaService: 's3.amazonaws.com', encryptionContext: { 'aws:s3:arn': 'arn:aws:s3:::reports/own.csv' } });
  });

  it('stores its own copy of a body, and hands out copies: a Buffer changed afterwards, or a Body read and changed, changes nothing', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'plain' });
    for (const mode of [undefined, 'AES256'] as const) {
      const body = Buffer.from('original');
      await s3.putObject({ Bucket: 'plain', Key: 'k', Body: body, ServerSideEncryption: mode });
      body.write('CHANGED!'); // Buffer.slice() would have kept a view of these bytes
      const first = (await (await s3.getObject({ Bucket: 'plain', Key: 'k' })).Body.transformToByteArray());
      first[0] = 0x58;
      expect(new TextDecoder().decode((await (await s3.getObject({ Bucket: 'plain', Key: 'k' })).Body.transformToByteArray())), String(mode)).toBe('original');
    }
  });

  it('listObjectsV2 pages in UTF-8 key order with MaxKeys, StartAfter and continuation tokens', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'pages' });
    const keys = ['a', 'b', 'c', 'd', 'e', '\u{1F600}', '\uFFFD']; // by UTF-8: U+FFFD (EF BF BD) before U+1F600 (F0 9F 98 80)
    for (const Key of keys) await s3.putObject({ Bucket: 'pages', Key, Body: Key });
    const listed: string[] = [];
    let page = await s3.listObjectsV2({ Bucket: 'pages', MaxKeys: 3 });
    for (;;) {
      listed.push(...page.Contents.map((c) => c.Key));
      if (!page.IsTruncated) break;
      expect(page.KeyCount).toBe(3);
      page = await s3.listObjectsV2({ Bucket: 'pages', MaxKeys: 3, ContinuationToken: page.NextContinuationToken });
    }
    expect(listed).toEqual(['a', 'b', 'c', 'd', 'e', '\uFFFD', '\u{1F600}']);
    expect(page.NextContinuationToken).toBeUndefined();
    expect((await s3.listObjectsV2({ Bucket: 'pages', StartAfter: 'c', MaxKeys: 2 })).Contents.map((c) => c.Key)).toEqual(['d', 'e']);
    expect(await s3.listObjectsV2({ Bucket: 'pages', MaxKeys: 0 })).toMatchObject({ KeyCount: 0, IsTruncated: false, NextContinuationToken: undefined });
    await rejectsWith(s3.listObjectsV2({ Bucket: 'pages', MaxKeys: -1 }), 'InvalidArgument');
    await rejectsWith(s3.listObjectsV2({ Bucket: 'pages', ContinuationToken: '%%%' }), 'InvalidArgument');
  });

  it('reads SSEKMSEncryptionContext as base64 of UTF-8 JSON, so non-ASCII pairs reach KMS as written', async () => {
    const { kms, s3 } = setup();
    await s3.createBucket({ Bucket: 'reports' });
    const context = Buffer.from(JSON.stringify({ équipe: 'café ☕' })).toString('base64');
    await s3.putObject({ Bucket: 'reports', Key: 'menu', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: context });
    const [generated] = await kms.listAuditRecords({ EventName: 'GenerateDataKey' });
    expect(generated!.encryptionContext).toEqual({ équipe: 'café ☕', 'aws:s3:arn': 'arn:aws:s3:::reports/menu' });
    expect(new TextDecoder().decode((await (await s3.getObject({ Bucket: 'reports', Key: 'menu' })).Body.transformToByteArray()))).toBe('x');
    const notUtf8 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('base64'); // {"a":"\xff"}
    await rejectsWith(s3.putObject({ Bucket: 'reports', Key: 'bad', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: notUtf8 }), 'InvalidArgument');
  });

  it('a disabled or pending-deletion key refuses reads and writes', async () => {
    const { kms, s3 } = setup();
    await s3.createBucket({ Bucket: 'bkt' });
    const { KeyMetadata: key } = await kms.createKey();
    await s3.putObject({ Bucket: 'bkt', Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.KeyId });
    await kms.disableKey({ KeyId: key.KeyId });
    await rejectsWith(s3.getObject({ Bucket: 'bkt', Key: 'k' }), 'KMS.DisabledException');
    await rejectsWith(s3.putObject({ Bucket: 'bkt', Key: 'k2', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.KeyId }), 'KMS.DisabledException');
    await kms.enableKey({ KeyId: key.KeyId });
    await kms.scheduleKeyDeletion({ KeyId: key.KeyId });
    await rejectsWith(s3.getObject({ Bucket: 'bkt', Key: 'k' }), 'KMS.KMSInvalidStateException');
  });

  // "Amazon S3 now applies server-side encryption with Amazon S3 managed keys (SSE-S3) as the base level of encryption for every
  // bucket in Amazon S3. Starting January 5, 2023, all new object uploads to Amazon S3 are automatically encrypted"
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html); GetBucketEncryption: "By default, all
  // buckets have a default encryption configuration that uses … SSE-S3"; DeleteBucketEncryption "resets the default encryption … as SSE-S3".
  it('SSE-S3 is every bucket\'s base level: PUT, copy and multipart without headers are AES256, GetBucketEncryption shows it, DeleteBucketEncryption goes back to it', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'base' });
    const baseRule = { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false };
    expect(await s3.getBucketEncryption({ Bucket: 'base' })).toEqual({ ServerSideEncryptionConfiguration: { Rules: [baseRule] } });
    const put = await s3.putObject({ Bucket: 'base', Key: 'plain-request', Body: 'secret words' });
    expect(put.ServerSideEncryption).toBe('AES256');
    expect((await s3.headObject({ Bucket: 'base', Key: 'plain-request' })).ServerSideEncryption).toBe('AES256');
    const got = await s3.getObject({ Bucket: 'base', Key: 'plain-request' });
    expect(got.ServerSideEncryption).toBe('AES256');
    expect(await got.Body.transformToString()).toBe('secret words');
    expect(Buffer.from((await s3.storedBytes('base', 'plain-request'))!).includes('secret words')).toBe(false);
    expect((await s3.copyObject({ Bucket: 'base', Key: 'copy', CopySource: 'base/plain-request' })).ServerSideEncryption).toBe('AES256');
    const { UploadId, ServerSideEncryption } = await s3.createMultipartUpload({ Bucket: 'base', Key: 'parts' });
    expect(ServerSideEncryption).toBe('AES256');
    const { ETag } = await s3.uploadPart({ Bucket: 'base', Key: 'parts', UploadId, PartNumber: 1, Body: 'one part' });
    expect((await s3.completeMultipartUpload({ Bucket: 'base', Key: 'parts', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } })).ServerSideEncryption).toBe('AES256');
    expect(Buffer.from((await s3.storedBytes('base', 'parts'))!).includes('one part')).toBe(false);
    // A configuration replaces the base level; deleting it resets the bucket to SSE-S3, as S3 does.
    await s3.putBucketEncryption({ Bucket: 'base', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse' } }] } });
    expect((await s3.putObject({ Bucket: 'base', Key: 'dsse', Body: 'x' })).ServerSideEncryption).toBe('aws:kms:dsse');
    await s3.deleteBucketEncryption({ Bucket: 'base' });
    expect(await s3.getBucketEncryption({ Bucket: 'base' })).toEqual({ ServerSideEncryptionConfiguration: { Rules: [baseRule] } });
    expect((await s3.putObject({ Bucket: 'base', Key: 'after', Body: 'x' })).ServerSideEncryption).toBe('AES256');
    expect((await s3.headObject({ Bucket: 'base', Key: 'dsse' })).ServerSideEncryption).toBe('aws:kms:dsse');
    // SSE-C is not combined with the default: the object is sealed under the customer's key only.
    const customerKey = new Uint8Array(32).fill(7);
    const sseC = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: Buffer.from(customerKey).toString('base64'),
      SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64') };
    expect(await s3.putObject({ Bucket: 'base', Key: 'sse-c', Body: 'x', ...sseC })).toMatchObject({ ServerSideEncryption: undefined, SSECustomerAlgorithm: 'AES256' });
  });

  it('applies the bucket default encryption to writes without headers', async () => {
    const { kms, s3 } = setup();
    await s3.createBucket({ Bucket: 'defaults' });
    const { KeyMetadata: key } = await kms.createKey();
    await s3.putBucketEncryption({ Bucket: 'defaults', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.KeyId } }] } });
    const put = await s3.putObject({ Bucket: 'defaults', Key: 'a', Body: 'by default' });
    expect(put).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn });
    await s3.putBucketEncryption({ Bucket: 'defaults', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } });
    expect((await s3.putObject({ Bucket: 'defaults', Key: 'b', Body: 'x' })).ServerSideEncryption).toBe('AES256');
    expect((await s3.getBucketEncryption({ Bucket: 'defaults' })).ServerSideEncryptionConfiguration.Rules[0]!.ApplyServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    await rejectsWith(s3.putBucketEncryption({ Bucket: 'defaults', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256', KMSMasterKeyID: 'x' } }] } }), 'InvalidArgument');
  });

  it('the seeds\' deny-unencrypted bucket policy refuses an upload without the header', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'secure' });
    await s3.putBucketPolicy({ Bucket: 'secure', Policy: policy([
      { Sid: 'DenyIncorrectEncryptionHeader', Effect: 'Deny', Principal: { AWS: ROOT }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::secure/*',
        Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' } } },
      { Sid: 'DenyUnEncryptedObjectUploads', Effect: 'Deny', Principal: { AWS: ROOT }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::secure/*',
        Condition: { Null: { 's3:x-amz-server-side-encryption': 'true' } } },
    ]) });
    await rejectsWith(s3.putObject({ Bucket: 'secure', Key: 'plain', Body: 'x' }), 'AccessDenied');
    await rejectsWith(s3.putObject({ Bucket: 'secure', Key: 'kms', Body: 'x', ServerSideEncryption: 'aws:kms' }), 'AccessDenied');
    await s3.putObject({ Bucket: 'secure', Key: 'ok', Body: 'x', ServerSideEncryption: 'AES256' });
    await rejectsWith(s3.getObject({ Bucket: 'secure', Key: 'plain' }), 'NoSuchKey');
  });

  it('another account needs a bucket-policy Allow and its own identity-policy Allow; public policies are blocked', async () => {
    const iam = new Iam();
    const { s3 } = setup(iam);
    await s3.createBucket({ Bucket: 'shared' });
    await s3.putObject({ Bucket: 'shared', Key: 'f', Body: 'shared data', ServerSideEncryption: 'AES256' });
    await rejectsWith(s3.getObject({ Bucket: 'shared', Key: 'f' }, OTHER), 'AccessDenied');
    await rejectsWith(s3.getObject({ Bucket: 'shared', Key: 'f' }, ALICE), 'AccessDenied');
    await rejectsWith(s3.putBucketPolicy({ Bucket: 'shared', Policy: policy([{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' }]) }), 'AccessDenied');
    await rejectsWith(s3.putBucketPolicy({ Bucket: 'shared', Policy: 'not json' }), 'MalformedPolicy');
    await s3.putBucketPolicy({ Bucket: 'shared', Policy: policy([{ Effect: 'Allow', Principal: { AWS: OTHER.principal }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' }]) });
    // The bucket policy alone is not enough across accounts (IAM User Guide, "Cross-account policy evaluation logic").
    await rejectsWith(s3.getObject({ Bucket: 'shared', Key: 'f' }, OTHER), 'AccessDenied');
    iam.putPrincipalPolicy({ PrincipalArn: OTHER.principal, PolicyName: 'read-shared',
      PolicyDocument: policy([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' }]) });
    expect(new TextDecoder().decode((await (await s3.getObject({ Bucket: 'shared', Key: 'f' }, OTHER)).Body.transformToByteArray()))).toBe('shared data');
    await rejectsWith(s3.putObject({ Bucket: 'shared', Key: 'g', Body: 'x' }, OTHER), 'AccessDenied');
  });

  it('serves byte ranges, decrypting only the frames they need', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'ranges' });
    const body = rng.bytes(300_000);
    for (const mode of [undefined, 'AES256', 'aws:kms'] as const) {
      await s3.putObject({ Bucket: 'ranges', Key: 'r', Body: body, ServerSideEncryption: mode });
      for (const [range, start, end] of [['bytes=0-0', 0, 1], ['bytes=65530-65545', 65530, 65546], ['bytes=299990-', 299990, 300000], ['bytes=-7', 299993, 300000]] as const) {
        const got = await s3.getObject({ Bucket: 'ranges', Key: 'r', Range: range });
        expect(Buffer.from(await got.Body.transformToByteArray()).equals(body.subarray(start, end)), `${mode} ${range}`).toBe(true);
        expect(got.ContentRange).toBe(`bytes ${start}-${end - 1}/300000`);
      }
      await rejectsWith(s3.getObject({ Bucket: 'ranges', Key: 'r', Range: 'bytes=300000-' }), 'InvalidRange');
    }
  });

  it('tampering with stored bytes makes reads fail (at getObject for the header and first frame, else while the Body is read)', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'tamper' });
    for (const mode of ['AES256', 'aws:kms'] as const) {
      await s3.putObject({ Bucket: 'tamper', Key: mode, Body: rng.bytes(100_000), ServerSideEncryption: mode });
      const internals = s3 as unknown as { buckets: Map<string, { objects: Map<string, Array<{ bodyId: string }>> }>; bodies: { bodies: Map<string, Uint8Array> } };
      const stored = internals.bodies.bodies.get(internals.buckets.get('tamper')!.objects.get(mode)!.at(-1)!.bodyId)!;
      for (const index of [5, 200, 70_000, stored.length - 3]) {
        stored[index]! ^= 1;
        await expect(s3.getObject({ Bucket: 'tamper', Key: mode }).then((got) => got.Body.transformToByteArray())).rejects.toThrow();
        if (index < 60_000) await expect(s3.getObject({ Bucket: 'tamper', Key: mode })).rejects.toThrow();
        stored[index]! ^= 1;
      }
      await s3.getObject({ Bucket: 'tamper', Key: mode });
    }
  });

  it('checks names and inputs', async () => {
    const { s3 } = setup();
    for (const name of ['ab', 'Upper', 'has_underscore', '192.168.0.1', 'a..b']) await rejectsWith(s3.createBucket({ Bucket: name }), 'InvalidBucketName');
    await s3.createBucket({ Bucket: 'ok-bucket' });
    await rejectsWith(s3.createBucket({ Bucket: 'ok-bucket' }), 'BucketAlreadyOwnedByYou');
    await rejectsWith(s3.putObject({ Bucket: 'nope', Key: 'k', Body: 'x' }), 'NoSuchBucket');
    await rejectsWith(s3.putObject({ Bucket: 'ok-bucket', Key: '', Body: 'x' }), 'InvalidArgument');
    await rejectsWith(s3.putObject({ Bucket: 'ok-bucket', Key: 'k', Body: 5 as never }), 'InvalidArgument');
    await rejectsWith(s3.putObject({ Bucket: 'ok-bucket', Key: 'k', Body: 'x', ServerSideEncryption: 'DES' as never }), 'InvalidArgument');
    await rejectsWith(s3.putObject({ Bucket: 'ok-bucket', Key: 'k', Body: 'x', SSEKMSKeyId: 'alias/x' }), 'InvalidArgument');
    await rejectsWith(s3.putObject({ Bucket: 'ok-bucket', Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: 'not base64 json' }), 'InvalidArgument');
    await rejectsWith(s3.getObject({ Bucket: 'ok-bucket', Key: 'missing' }), 'NoSuchKey');
  });
});
