// One KMS, ObjectStore, S3EncryptionClient and BlockStore with something in each (a key with an alias
// and a grant, a bucket with an object, a volume with a snapshot), a well-formed request for every
// public method, and a fingerprint of everything each service holds, to see that a refused call
// changed nothing.
import { BlockStore, KeyManagementService, MemoryKeyStore, ObjectStore, S3EncryptionClient } from '../../src/index.js';

export const ACCOUNT = '111122223333';
const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;

export type Service = 'kms' | 's3' | 'cse' | 'ec2';
export interface Case {
  service: Service;
  method: string;
  /** The AWS operation (its request-shapes.ts name). */
  operation: string;
  request: Record<string, unknown>;
}

export async function servicesWithState() {
  const store = new MemoryKeyStore();
  const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', store });
  const { KeyMetadata: key } = await kms.createKey({ Description: 'shapes' });
  await kms.createAlias({ AliasName: 'alias/shapes', TargetKeyId: key.KeyId });
  const grant = await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, RetiringPrincipal: BOB, Operations: ['Decrypt'] });
  const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: new Uint8Array([1, 2, 3]) });
  const s3 = new ObjectStore({ kms });
  await s3.createBucket({ Bucket: 'shapes' });
  await s3.putObject({ Bucket: 'shapes', Key: 'doc', Body: 'hello' });
  const cse = new S3EncryptionClient({ s3, kms, kmsKeyId: key.KeyId });
  await cse.putObject({ Bucket: 'shapes', Key: 'secret', Body: 'hidden' });
  const { UploadId } = await s3.createMultipartUpload({ Bucket: 'shapes', Key: 'parts' });
  const ec2 = new BlockStore({ kms });
  const volume = await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: key.KeyId });
  const snapshot = await ec2.createSnapshot({ VolumeId: volume.VolumeId, Description: 'base' });

  const kmsCase = (operation: string, request: Record<string, unknown>): Case =>
    ({ service: 'kms', method: operation[0]!.toLowerCase() + operation.slice(1), operation, request });
  const s3Case = (operation: string, request: Record<string, unknown>, service: Service = 's3'): Case =>
    ({ service, method: operation[0]!.toLowerCase() + operation.slice(1), operation, request });
  const ec2Case = (operation: string, request: Record<string, unknown>): Case =>
    ({ service: 'ec2', method: operation[0]!.toLowerCase() + operation.slice(1), operation, request });
  const keyId = key.KeyId;
  const cases: Case[] = [
    kmsCase('CreateKey', { Description: 'd', KeyUsage: 'ENCRYPT_DECRYPT', Origin: 'AWS_KMS', Tags: [{ TagKey: 'k', TagValue: 'v' }], BypassPolicyLockoutSafetyCheck: false }),
    kmsCase('DescribeKey', { KeyId: keyId, GrantTokens: [grant.GrantToken] }),
    kmsCase('ListKeys', { Limit: 10 }),
    kmsCase('EnableKey', { KeyId: keyId }),
    kmsCase('DisableKey', { KeyId: keyId }),
    kmsCase('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }),
    kmsCase('CancelKeyDeletion', { KeyId: keyId }),
    kmsCase('UpdateKeyDescription', { KeyId: keyId, Description: 'new' }),
    kmsCase('TagResource', { KeyId: keyId, Tags: [{ TagKey: 'team', TagValue: 'a' }] }),
    kmsCase('UntagResource', { KeyId: keyId, TagKeys: ['team'] }),
    kmsCase('ListResourceTags', { KeyId: keyId, Limit: 5 }),
    kmsCase('CreateAlias', { AliasName: 'alias/other', TargetKeyId: keyId }),
    kmsCase('UpdateAlias', { AliasName: 'alias/shapes', TargetKeyId: keyId }),
    kmsCase('DeleteAlias', { AliasName: 'alias/shapes' }),
    kmsCase('ListAliases', { KeyId: keyId }),
    kmsCase('PutKeyPolicy', { KeyId: keyId, Policy: '{}', PolicyName: 'default', BypassPolicyLockoutSafetyCheck: false }),
    kmsCase('GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' }),
    kmsCase('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 365 }),
    kmsCase('DisableKeyRotation', { KeyId: keyId }),
    kmsCase('GetKeyRotationStatus', { KeyId: keyId }),
    kmsCase('RotateKeyOnDemand', { KeyId: keyId }),
    kmsCase('ListKeyRotations', { KeyId: keyId }),
    kmsCase('Encrypt', { KeyId: keyId, Plaintext: new Uint8Array([1]), EncryptionContext: { a: 'b' }, GrantTokens: [grant.GrantToken] }),
    kmsCase('Decrypt', { CiphertextBlob, KeyId: keyId, EncryptionContext: {} }),
    kmsCase('ReEncrypt', { CiphertextBlob, SourceKeyId: keyId, DestinationKeyId: keyId, DestinationEncryptionContext: { a: 'b' } }),
    kmsCase('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { a: 'b' } }),
    kmsCase('GenerateDataKeyWithoutPlaintext', { KeyId: keyId, NumberOfBytes: 32 }),
    kmsCase('GenerateRandom', { NumberOfBytes: 16 }),
    kmsCase('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }),
    kmsCase('ImportKeyMaterial', { KeyId: keyId, ImportToken: new Uint8Array(8), EncryptedKeyMaterial: new Uint8Array(8),
      ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: new Date('2100-01-01') }),
    kmsCase('DeleteImportedKeyMaterial', { KeyId: keyId }),
    kmsCase('CreateGrant', { KeyId: keyId, GranteePrincipal: BOB, Operations: ['Encrypt'], Constraints: { EncryptionContextSubset: { a: 'b' } }, Name: 'g' }),
    kmsCase('ListGrants', { KeyId: keyId, GranteePrincipal: BOB }),
    kmsCase('ListRetirableGrants', { RetiringPrincipal: BOB }),
    kmsCase('RetireGrant', { KeyId: keyId, GrantId: grant.GrantId }),
    kmsCase('RevokeGrant', { KeyId: keyId, GrantId: grant.GrantId }),
    kmsCase('ListAuditRecords', { KeyId: keyId, EventName: 'Encrypt', StartTime: new Date(0), EndTime: new Date() }),
    s3Case('CreateBucket', { Bucket: 'another' }),
    s3Case('PutBucketEncryption', { Bucket: 'shapes', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyId }, BucketKeyEnabled: true }] } }),
    s3Case('GetBucketEncryption', { Bucket: 'shapes' }),
    s3Case('PutBucketVersioning', { Bucket: 'shapes', VersioningConfiguration: { Status: 'Enabled' } }),
    s3Case('GetBucketVersioning', { Bucket: 'shapes' }),
    s3Case('PutBucketPolicy', { Bucket: 'shapes', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: { AWS: BOB }, Action: 's3:*', Resource: 'arn:aws:s3:::shapes/*' }] }) }),
    s3Case('PutObject', { Bucket: 'shapes', Key: 'doc', Body: 'text', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyId, ContentType: 'text/plain', Metadata: { a: 'b' } }),
    s3Case('GetObject', { Bucket: 'shapes', Key: 'doc', Range: 'bytes=0-1' }),
    s3Case('HeadObject', { Bucket: 'shapes', Key: 'doc' }),
    s3Case('GetObjectTagging', { Bucket: 'shapes', Key: 'doc', VersionId: 'null' }),
    s3Case('DeleteObject', { Bucket: 'shapes', Key: 'doc' }),
    s3Case('ListObjectVersions', { Bucket: 'shapes', Prefix: 'd' }),
    s3Case('CopyObject', { Bucket: 'shapes', Key: 'copy', CopySource: 'shapes/doc', MetadataDirective: 'REPLACE', Metadata: { a: 'b' },
      CopySourceIfModifiedSince: new Date(0), CopySourceIfNoneMatch: '"none"' }),
    s3Case('ListObjectsV2', { Bucket: 'shapes', Prefix: 'd', MaxKeys: 10 }),
    s3Case('CreateMultipartUpload', { Bucket: 'shapes', Key: 'more', ServerSideEncryption: 'AES256' }),
    s3Case('UploadPart', { Bucket: 'shapes', Key: 'parts', UploadId, PartNumber: 1, Body: new Uint8Array(4) }),
    s3Case('UploadPartCopy', { Bucket: 'shapes', Key: 'parts', UploadId, PartNumber: 2, CopySource: 'shapes/copy', CopySourceRange: 'bytes=0-1' }),
    s3Case('CompleteMultipartUpload', { Bucket: 'shapes', Key: 'parts', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] } }),
    s3Case('ListParts', { Bucket: 'shapes', Key: 'parts', UploadId, MaxParts: 10, PartNumberMarker: 0 }),
    s3Case('DeleteBucketEncryption', { Bucket: 'shapes' }),
    s3Case('DeleteBucketPolicy', { Bucket: 'shapes' }),
    s3Case('GetBucketPolicy', { Bucket: 'shapes' }),
    s3Case('ListBuckets', {}),
    s3Case('DeleteBucket', { Bucket: 'another' }),
    s3Case('AbortMultipartUpload', { Bucket: 'shapes', Key: 'parts', UploadId }),
    { service: 'cse', method: 'putObject', operation: 'EncryptedPutObject', request: { Bucket: 'shapes', Key: 'secret', Body: 'new', EncryptionContext: { a: 'b' } } },
    { service: 'cse', method: 'getObject', operation: 'EncryptedGetObject', request: { Bucket: 'shapes', Key: 'secret', EncryptionContext: { a: 'b' } } },
    { service: 'cse', method: 'openObject', operation: 'EncryptedOpenObject', request: { Bucket: 'shapes', Key: 'secret', EncryptionContext: { a: 'b' } } },
    ec2Case('CreateVolume', { Size: 1, Encrypted: true, KmsKeyId: keyId, AvailabilityZone: 'us-east-1a' }),
    ec2Case('AttachVolume', { VolumeId: volume.VolumeId, InstanceId: 'i-0123456789abcdef0', Device: '/dev/sdf' }),
    ec2Case('DetachVolume', { VolumeId: volume.VolumeId, InstanceId: 'i-0123456789abcdef0' }),
    ec2Case('DeleteVolume', { VolumeId: volume.VolumeId }),
    ec2Case('DescribeVolumes', { VolumeIds: [volume.VolumeId] }),
    ec2Case('CreateSnapshot', { VolumeId: volume.VolumeId, Description: 'd' }),
    ec2Case('CopySnapshot', { SourceSnapshotId: snapshot.SnapshotId, Encrypted: true, KmsKeyId: keyId, Description: 'd' }),
    ec2Case('DeleteSnapshot', { SnapshotId: snapshot.SnapshotId }),
    ec2Case('DescribeSnapshots', { SnapshotIds: [snapshot.SnapshotId] }),
    ec2Case('EnableEbsEncryptionByDefault', {}),
    ec2Case('DisableEbsEncryptionByDefault', {}),
    ec2Case('GetEbsEncryptionByDefault', {}),
    ec2Case('GetEbsDefaultKmsKeyId', {}),
    ec2Case('ModifyEbsDefaultKmsKeyId', { KmsKeyId: keyId }),
    ec2Case('ResetEbsDefaultKmsKeyId', {}),
  ];

  const targets = { kms, s3, cse, ec2 } as unknown as Record<Service, Record<string, (request: unknown) => Promise<unknown>>>;
  const invoke = (c: Case, request: unknown) => targets[c.service][c.method]!.call(targets[c.service], request);

  /** Everything the services hold, as JSON: the key store and audit count, the bucket's versions and settings, volumes and snapshots. */
  async function fingerprint(): Promise<string> {
    const settled = async (work: () => Promise<unknown>) => work().catch((error: Error) => error.name);
    return JSON.stringify([
      await store.read(), (await kms.auditHead()).count,
      await settled(() => s3.listObjectVersions({ Bucket: 'shapes' })), await settled(() => s3.listObjectsV2({ Bucket: 'another' })),
      await settled(() => s3.getBucketEncryption({ Bucket: 'shapes' })), await settled(() => s3.getBucketVersioning({ Bucket: 'shapes' })),
      await ec2.describeVolumes({}), await ec2.describeSnapshots({}), await ec2.getEbsEncryptionByDefault({}), await ec2.getEbsDefaultKmsKeyId({}),
    ]);
  }

  return { kms, s3, cse, ec2, cases, invoke, fingerprint };
}
