import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Iam, KeyManagementService, ObjectStore } from '../../src/index.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const rejectsWith = (promise: Promise<unknown>, name: string) => expect(promise).rejects.toMatchObject({ name });

function setup(iam?: Iam) {
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1', iam });
  return { kms, s3: new ObjectStore({ kms, iam }) };
}

describe('versioning', () => {
  it('keeps every version with its own key, readable by VersionId; deletes add markers', async () => {
    const { kms, s3 } = setup();
    await s3.createBucket({ Bucket: 'history' });
    await s3.putObject({ Bucket: 'history', Key: 'doc', Body: 'before versioning', ServerSideEncryption: 'AES256' });
    await s3.putBucketVersioning({ Bucket: 'history', VersioningConfiguration: { Status: 'Enabled' } });
    expect((await s3.getBucketVersioning({ Bucket: 'history' })).Status).toBe('Enabled');
    const { KeyMetadata: key } = await kms.createKey();
    const v1 = await s3.putObject({ Bucket: 'history', Key: 'doc', Body: 'version one', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.KeyId });
    await kms.rotateKeyOnDemand({ KeyId: key.KeyId });
    const v2 = await s3.putObject({ Bucket: 'history', Key: 'doc', Body: 'version two', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.KeyId });
    expect(v1.VersionId).not.toBe(v2.VersionId);
    expect(text((await (await s3.getObject({ Bucket: 'history', Key: 'doc' })).Body.transformToByteArray()))).toBe('version two');
    expect(text((await (await s3.getObject({ Bucket: 'history', Key: 'doc', VersionId: v1.VersionId })).Body.transformToByteArray()))).toBe('version one');
    expect(text((await (await s3.getObject({ Bucket: 'history', Key: 'doc', VersionId: 'null' })).Body.transformToByteArray()))).toBe('before versioning');
    // each version has its own data key: the stored headers differ
    expect(Buffer.from((await s3.storedBytes('history', 'doc', v1.VersionId))!.subarray(0, 200)).equals(Buffer.from((await s3.storedBytes('history', 'doc', v2.VersionId))!.subarray(0, 200)))).toBe(false);

    const deleted = await s3.deleteObject({ Bucket: 'history', Key: 'doc' });
    expect(deleted.DeleteMarker).toBe(true);
    await rejectsWith(s3.getObject({ Bucket: 'history', Key: 'doc' }), 'NoSuchKey');
    expect((await s3.listObjectsV2({ Bucket: 'history' })).Contents).toEqual([]);
    expect(text((await (await s3.getObject({ Bucket: 'history', Key: 'doc', VersionId: v2.VersionId })).Body.transformToByteArray()))).toBe('version two');
    const listing = await s3.listObjectVersions({ Bucket: 'history' });
    expect(listing.Versions.map((v) => v.VersionId)).toEqual([v2.VersionId, v1.VersionId, 'null']);
    expect(listing.DeleteMarkers).toHaveLength(1);
    await s3.deleteObject({ Bucket: 'history', Key: 'doc', VersionId: deleted.VersionId });
    expect(text((await (await s3.getObject({ Bucket: 'history', Key: 'doc' })).Body.transformToByteArray()))).toBe('version two');
    await rejectsWith(s3.getObject({ Bucket: 'history', Key: 'doc', VersionId: 'nope' }), 'NoSuchKey');
    // Status outside the schema's enumeration (Enabled, Suspended): the request body does not validate, MalformedXML.
    await rejectsWith(s3.putBucketVersioning({ Bucket: 'history', VersioningConfiguration: { Status: 'On' as never } }), 'MalformedXML');
  });

  it('a version named by VersionId is read with s3:GetObjectVersion and deleted with s3:DeleteObjectVersion; the current object with s3:GetObject and s3:DeleteObject', async () => {
    // S3 User Guide, "Retrieving object versions": "To retrieve a specific version, you have to specify
    // its version ID … you need permission for the s3:GetObjectVersion action"; "Deleting object
    // versions": the version ID needs s3:DeleteObjectVersion.
    const iam = new Iam();
    const { s3 } = setup(iam);
    await s3.createBucket({ Bucket: 'ledger' });
    await s3.putBucketVersioning({ Bucket: 'ledger', VersioningConfiguration: { Status: 'Enabled' } });
    const old = await s3.putObject({ Bucket: 'ledger', Key: 'doc', Body: 'old' });
    await s3.putObject({ Bucket: 'ledger', Key: 'doc', Body: 'current' });
    const allow = (principal: string, actions: string[]) => iam.putPrincipalPolicy({ PrincipalArn: principal, PolicyName: 'p',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: 'arn:aws:s3:::ledger/*' }] }) });
    const current = { principal: 'arn:aws:iam::111122223333:user/current-only' };
    const versions = { principal: 'arn:aws:iam::111122223333:user/versions-only' };
    allow(current.principal, ['s3:GetObject', 's3:DeleteObject']);
    allow(versions.principal, ['s3:GetObjectVersion', 's3:DeleteObjectVersion']);

    expect(text(await (await s3.getObject({ Bucket: 'ledger', Key: 'doc' }, current)).Body.transformToByteArray())).toBe('current');
    await rejectsWith(s3.getObject({ Bucket: 'ledger', Key: 'doc', VersionId: old.VersionId }, current), 'AccessDenied');
    await rejectsWith(s3.headObject({ Bucket: 'ledger', Key: 'doc', VersionId: old.VersionId }, current), 'AccessDenied');
    await rejectsWith(s3.deleteObject({ Bucket: 'ledger', Key: 'doc', VersionId: old.VersionId }, current), 'AccessDenied');

    await rejectsWith(s3.getObject({ Bucket: 'ledger', Key: 'doc' }, versions), 'AccessDenied');
    await rejectsWith(s3.deleteObject({ Bucket: 'ledger', Key: 'doc' }, versions), 'AccessDenied');
    expect(text(await (await s3.getObject({ Bucket: 'ledger', Key: 'doc', VersionId: old.VersionId }, versions)).Body.transformToByteArray())).toBe('old');
    expect((await s3.headObject({ Bucket: 'ledger', Key: 'doc', VersionId: old.VersionId }, versions)).ContentLength).toBe(3);
    await s3.deleteObject({ Bucket: 'ledger', Key: 'doc', VersionId: old.VersionId }, versions);
    expect((await s3.listObjectVersions({ Bucket: 'ledger' })).Versions).toHaveLength(1);
  });
});

describe('copyObject', () => {
  it('re-encrypts to the request\'s settings or the destination bucket\'s default', async () => {
    const { kms, s3 } = setup();
    await s3.createBucket({ Bucket: 'src' });
    await s3.createBucket({ Bucket: 'dst' });
    const { KeyMetadata: key } = await kms.createKey();
    await s3.putObject({ Bucket: 'src', Key: 'a', Body: 'payload', ServerSideEncryption: 'AES256', Metadata: { owner: 'x' } });
    const toKms = await s3.copyObject({ Bucket: 'dst', Key: 'kms', CopySource: 'src/a', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.KeyId });
    expect(toKms).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn });
    const got = await s3.getObject({ Bucket: 'dst', Key: 'kms' });
    expect(text(await got.Body.transformToByteArray())).toBe('payload');
    expect(got.Metadata).toEqual({ owner: 'x' });
    await s3.putBucketEncryption({ Bucket: 'dst', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse' } }] } });
    expect((await s3.copyObject({ Bucket: 'dst', Key: 'dsse', CopySource: '/src/a' })).ServerSideEncryption).toBe('aws:kms:dsse');
    expect(text((await (await s3.getObject({ Bucket: 'dst', Key: 'dsse' })).Body.transformToByteArray()))).toBe('payload');
    await rejectsWith(s3.copyObject({ Bucket: 'dst', Key: 'x', CopySource: 'no-slash' }), 'InvalidArgument');
    await rejectsWith(s3.copyObject({ Bucket: 'dst', Key: 'x', CopySource: 'src/bad%E0%A4%A' }), 'InvalidArgument'); // a malformed %-escape
    await rejectsWith(s3.copyObject({ Bucket: 'dst', Key: 'x', CopySource: 'src/missing' }), 'NoSuchKey');
  });

  it('an SSE-C source needs its key as CopySourceSSECustomer*; the copy can take another customer key', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'vault' });
    const headers = (key: Buffer) => ({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(key).digest('base64') });
    const [k1, k2] = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
    await s3.putObject({ Bucket: 'vault', Key: 'c', Body: 'customer data', ...headers(k1) });
    await rejectsWith(s3.copyObject({ Bucket: 'vault', Key: 'c2', CopySource: 'vault/c' }), 'InvalidRequest');
    const h1 = headers(k1);
    await s3.copyObject({ Bucket: 'vault', Key: 'c2', CopySource: 'vault/c', CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: h1.SSECustomerKey, CopySourceSSECustomerKeyMD5: h1.SSECustomerKeyMD5, ...headers(k2) });
    expect(text((await (await s3.getObject({ Bucket: 'vault', Key: 'c2', ...headers(k2) })).Body.transformToByteArray()))).toBe('customer data');
    await rejectsWith(s3.getObject({ Bucket: 'vault', Key: 'c2', ...headers(k1) }), 'AccessDenied');
  });

  it('the caller must be able to read the source and write the destination', async () => {
    const iam = new Iam();
    const { s3 } = setup(iam);
    await s3.createBucket({ Bucket: 'src' });
    await s3.createBucket({ Bucket: 'dst' });
    await s3.putObject({ Bucket: 'src', Key: 'a', Body: 'x' });
    const alice = { principal: 'arn:aws:iam::111122223333:user/alice' };
    iam.putPrincipalPolicy({ PrincipalArn: alice.principal, PolicyName: 'put', PolicyDocument: JSON.stringify({ Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::dst/*' }] }) });
    await rejectsWith(s3.copyObject({ Bucket: 'dst', Key: 'a', CopySource: 'src/a' }, alice), 'AccessDenied');
  });
});

describe('copyObject checksums in a store made without a checksummer', () => {
  it('cannot compute one: a source\'s checksum is not carried over, and asking for one is InvalidRequest with nothing copied', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'sums' });
    await s3.putObject({ Bucket: 'sums', Key: 'src', Body: 'abc', VerifiedChecksums: new Map([['ChecksumCRC32', 'NSRBwg==']]) });
    expect((await s3.headObject({ Bucket: 'sums', Key: 'src', ChecksumMode: 'ENABLED' })).ChecksumCRC32).toBe('NSRBwg==');
    const copied = await s3.copyObject({ Bucket: 'sums', Key: 'copy', CopySource: 'sums/src' });
    expect(copied.CopyObjectResult.ChecksumCRC32).toBeUndefined();
    expect((await s3.headObject({ Bucket: 'sums', Key: 'copy', ChecksumMode: 'ENABLED' })).ChecksumCRC32).toBeUndefined();
    await rejectsWith(s3.copyObject({ Bucket: 'sums', Key: 'asked', CopySource: 'sums/src', ChecksumAlgorithm: 'SHA256' }), 'InvalidRequest');
    await rejectsWith(s3.headObject({ Bucket: 'sums', Key: 'asked' }), 'NoSuchKey');
  });
});
