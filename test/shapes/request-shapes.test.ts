// Each public method refused one malformed request, with the error and the wording AWS gives:
// KMS "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must
// not be null" (AWS KMS API Reference, Common Errors: ValidationException), S3 InvalidArgument or
// MalformedXML for a request body, EC2 MissingParameter ("The request must contain the parameter …")
// or InvalidParameterValue. And the validator itself: every kind of member, nesting, unknown fields.
import { describe, expect, it } from 'vitest';
import { boolean, bytes, date, integer, list, oneOf, optional, string, stringMap, structure, violationsOf } from '../../src/core/request-shape.js';
import { servicesWithState, type Service } from './service-fixture.js';

type Row = [service: Service, method: string, request: unknown, name: string, message: string | RegExp];

const KMS_NULL = (member: string) => `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`;

const ROWS: Row[] = [
  ['kms', 'createKey', { KeyUsage: 'SIGN_VERIFY' }, 'ValidationException',
    "1 validation error detected: Value 'SIGN_VERIFY' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [ENCRYPT_DECRYPT]"],
  ['kms', 'describeKey', {}, 'ValidationException', KMS_NULL('keyId')],
  ['kms', 'listKeys', { Limit: 0 }, 'ValidationException',
    "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"],
  ['kms', 'enableKey', { KeyId: 42 }, 'ValidationException', /Value '42' at 'keyId' failed to satisfy constraint: Member must be a string/],
  ['kms', 'disableKey', { KeyId: '' }, 'ValidationException', /at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1/],
  ['kms', 'scheduleKeyDeletion', { KeyId: 'k', PendingWindowInDays: '7' }, 'ValidationException', /'pendingWindowInDays'.*Member must be an integer/],
  ['kms', 'cancelKeyDeletion', { KeyID: 'k' }, 'ValidationException',
    `2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value at 'keyID' failed to satisfy constraint: Member must be a field of CancelKeyDeletionRequest`],
  ['kms', 'updateKeyDescription', { KeyId: 'k' }, 'ValidationException', KMS_NULL('description')],
  ['kms', 'tagResource', { KeyId: 'k', Tags: [{ TagKey: 'a' }] }, 'ValidationException', KMS_NULL('tags.1.member.tagValue')],
  ['kms', 'untagResource', { KeyId: 'k', TagKeys: null }, 'ValidationException', KMS_NULL('tagKeys')],
  ['kms', 'listResourceTags', { KeyId: 'k', Marker: 5 }, 'ValidationException', /'marker'/],
  ['kms', 'createAlias', { AliasName: 'alias/x' }, 'ValidationException', KMS_NULL('targetKeyId')],
  ['kms', 'updateAlias', { AliasName: 7, TargetKeyId: 'k' }, 'ValidationException', /'aliasName'/],
  ['kms', 'deleteAlias', { AliasName: 'a'.repeat(257) }, 'ValidationException', /'aliasName' failed to satisfy constraint: Member must have length less than or equal to 256/],
  ['kms', 'listAliases', { KeyId: 42 }, 'ValidationException', /'keyId'/],
  ['kms', 'putKeyPolicy', { KeyId: 'k', Policy: {} }, 'ValidationException', /Value '\{…\}' at 'policy'/],
  ['kms', 'getKeyPolicy', { KeyId: 'k', PolicyName: true }, 'ValidationException', /'policyName'/],
  ['kms', 'enableKeyRotation', { KeyId: 'k', RotationPeriodInDays: 89 }, 'ValidationException', /'rotationPeriodInDays' .*greater than or equal to 90/],
  ['kms', 'disableKeyRotation', null, 'ValidationException', /Value null at 'request' failed to satisfy constraint: Member must be a structure/],
  ['kms', 'getKeyRotationStatus', [], 'ValidationException', /at 'request'/],
  ['kms', 'rotateKeyOnDemand', 'k', 'ValidationException', /at 'request'/],
  ['kms', 'listKeyRotations', { KeyId: 'k', Limit: 1001 }, 'ValidationException', /'limit'.*less than or equal to 1000/],
  ['kms', 'encrypt', { KeyId: 'k', Plaintext: new Uint8Array(4097) }, 'ValidationException',
    "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"],
  ['kms', 'decrypt', { CiphertextBlob: 'AAAA' }, 'ValidationException', "1 validation error detected: Value at 'ciphertextBlob' failed to satisfy constraint: Member must be a Uint8Array"],
  ['kms', 'reEncrypt', { CiphertextBlob: new Uint8Array(8) }, 'ValidationException', KMS_NULL('destinationKeyId')],
  ['kms', 'generateDataKey', { KeyId: 'k', KeySpec: 'AES_512' }, 'ValidationException', /'keySpec'.*enum value set: \[AES_256, AES_128\]/],
  ['kms', 'generateDataKeyWithoutPlaintext', { KeyId: 'k', EncryptionContext: { a: 1 } }, 'ValidationException', /Value '1' at 'encryptionContext.a' failed to satisfy constraint: Member must be a string/],
  ['kms', 'generateRandom', {}, 'ValidationException', KMS_NULL('numberOfBytes')],
  ['kms', 'getParametersForImport', { KeyId: 'k', WrappingAlgorithm: 'RSAES_OAEP_SHA_256' }, 'ValidationException', KMS_NULL('wrappingKeySpec')],
  ['kms', 'importKeyMaterial', { KeyId: 'k', ImportToken: new Uint8Array(1), EncryptedKeyMaterial: new Uint8Array(1), ValidTo: '2100-01-01' }, 'ValidationException',
    /'validTo' failed to satisfy constraint: Member must be a valid Date/],
  ['kms', 'deleteImportedKeyMaterial', { KeyId: ['k'] }, 'ValidationException', /Value '\[1 entries\]' at 'keyId'/],
  ['kms', 'createGrant', { KeyId: 'k', GranteePrincipal: 'p', Operations: ['Sign'] }, 'ValidationException', /'operations.1.member' failed to satisfy constraint: Member must satisfy enum value set/],
  ['kms', 'listGrants', { KeyId: 'k', GrantId: 5 }, 'ValidationException', /'grantId'/],
  ['kms', 'listRetirableGrants', {}, 'ValidationException', KMS_NULL('retiringPrincipal')],
  ['kms', 'retireGrant', { GrantToken: 5 }, 'ValidationException', "1 validation error detected: Value at 'grantToken' failed to satisfy constraint: Member must be a string"],
  ['kms', 'revokeGrant', { KeyId: 'k' }, 'ValidationException', KMS_NULL('grantId')],
  ['kms', 'listAuditRecords', { KeyId: 42 }, 'ValidationException', /'keyId'/],
  ['s3', 'createBucket', {}, 'InvalidArgument', 'Bucket: Member must not be null'],
  ['s3', 'deleteBucket', { Bucket: ['shapes'] }, 'InvalidArgument', /^Bucket: Member must be a string/],
  ['s3', 'listBuckets', { Owner: 'me' }, 'InvalidArgument', 'Owner: Member must be a field of ListBucketsRequest'],
  ['s3', 'getBucketPolicy', {}, 'InvalidArgument', 'Bucket: Member must not be null'],
  ['s3', 'putObject', { Bucket: 'shapes', Key: 'k', Body: 'x', ContentLength: 1.5 }, 'InvalidArgument', /^ContentLength: /],
  ['s3', 'putBucketEncryption', { Bucket: 'shapes', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'DES' } }] } },
    'MalformedXML', /ServerSideEncryptionConfiguration\.Rules\[0\]\.ApplyServerSideEncryptionByDefault\.SSEAlgorithm: Member must satisfy enum value set/],
  ['s3', 'getBucketEncryption', { Bucket: 5 }, 'InvalidArgument', 'Bucket: Member must be a string'],
  ['s3', 'putBucketVersioning', { Bucket: 'shapes', VersioningConfiguration: null }, 'MalformedXML', /VersioningConfiguration: Member must not be null/],
  ['s3', 'getBucketVersioning', { Bucket: 'shapes', Versioning: true }, 'InvalidArgument', 'Versioning: Member must be a field of GetBucketVersioningRequest'],
  ['s3', 'putBucketPolicy', { Bucket: 'shapes', Policy: '' }, 'InvalidArgument', 'Policy: Member must have length greater than or equal to 1'],
  ['s3', 'putObject', { Bucket: 'shapes', Key: 'k', Body: 42 }, 'InvalidArgument', /^Body: Member must be a Uint8Array, a string/],
  ['s3', 'getObject', { Bucket: 'shapes', Key: null }, 'InvalidArgument', 'Key: Member must not be null'],
  ['s3', 'headObject', { Bucket: 'shapes', Key: 'doc', VersionId: 1 }, 'InvalidArgument', 'VersionId: Member must be a string'],
  ['s3', 'deleteObject', { Bucket: 'shapes' }, 'InvalidArgument', 'Key: Member must not be null'],
  ['s3', 'listObjectVersions', { Bucket: 'shapes', Prefix: [] }, 'InvalidArgument', 'Prefix: Member must be a string'],
  ['s3', 'copyObject', { Bucket: 'shapes', Key: 'c', CopySource: 'shapes/doc', MetadataDirective: 'MERGE' }, 'InvalidArgument', /MetadataDirective: Member must satisfy enum value set: \[COPY, REPLACE\]/],
  ['s3', 'listObjectsV2', { Bucket: 'shapes', MaxKeys: -1 }, 'InvalidArgument', 'MaxKeys: Member must have value greater than or equal to 0'],
  ['s3', 'createMultipartUpload', { Bucket: 'shapes', Key: 'k', Metadata: { a: 1 } }, 'InvalidArgument', 'Metadata.a: Member must be a string'],
  ['s3', 'uploadPart', { Bucket: 'shapes', Key: 'k', UploadId: 'u', PartNumber: 0, Body: 'x' }, 'InvalidArgument', 'PartNumber: Member must have value greater than or equal to 1'],
  ['s3', 'completeMultipartUpload', { Bucket: 'shapes', Key: 'k', UploadId: 'u', MultipartUpload: { Parts: [] } }, 'MalformedXML',
    /MultipartUpload\.Parts: Member must have length greater than or equal to 1/],
  ['s3', 'abortMultipartUpload', { Bucket: 'shapes', Key: 'k' }, 'InvalidArgument', 'UploadId: Member must not be null'],
  ['cse', 'putObject', { Bucket: 'shapes', Key: 'k', Body: 'x', EncryptionContext: 'a=b' }, 'InvalidArgument', 'EncryptionContext: Member must be a map of strings to strings'],
  ['cse', 'getObject', { Bucket: 'shapes', Key: 'k', Range: 5 }, 'InvalidArgument', 'Range: Member must be a string'],
  ['ec2', 'createVolume', { Size: 0 }, 'InvalidParameterValue', 'Value ( 0 ) for parameter Size is invalid. Member must have value greater than or equal to 1'],
  ['ec2', 'attachVolume', { VolumeId: 'vol-1' }, 'MissingParameter', 'The request must contain the parameter InstanceId'],
  ['ec2', 'detachVolume', { VolumeId: 7 }, 'InvalidParameterValue', 'Value ( 7 ) for parameter VolumeId is invalid. Member must be a string'],
  ['ec2', 'deleteVolume', {}, 'MissingParameter', 'The request must contain the parameter VolumeId'],
  ['ec2', 'describeVolumes', { VolumeIds: null }, 'InvalidParameterValue', 'Value ( null ) for parameter VolumeIds is invalid. Member must not be null'],
  ['ec2', 'createSnapshot', { VolumeId: 'vol-1', Description: Symbol('d') }, 'InvalidParameterValue', 'Value ( Symbol(d) ) for parameter Description is invalid. Member must be a string'],
  ['ec2', 'copySnapshot', { SourceSnapshotId: 'snap-1', Encrypted: 'yes' }, 'InvalidParameterValue', /parameter Encrypted is invalid. Member must be a boolean/],
  ['ec2', 'deleteSnapshot', { SnapshotId: '' , Force: true }, 'InvalidParameterValue', /parameter Force is invalid. Member must be a field of DeleteSnapshotRequest/],
  ['ec2', 'describeSnapshots', { SnapshotIds: ['snap-1', 2] }, 'InvalidParameterValue', 'Value ( 2 ) for parameter SnapshotIds.2 is invalid. Member must be a string'],
  ['ec2', 'enableEbsEncryptionByDefault', { DryRun: true }, 'InvalidParameterValue', /parameter DryRun is invalid/],
  ['ec2', 'disableEbsEncryptionByDefault', null, 'InvalidParameterValue', /parameter request is invalid. Member must be a structure/],
  ['ec2', 'getEbsEncryptionByDefault', 5, 'InvalidParameterValue', /parameter request/],
  ['ec2', 'getEbsDefaultKmsKeyId', { KmsKeyId: 'k' }, 'InvalidParameterValue', /parameter KmsKeyId is invalid/],
  ['ec2', 'modifyEbsDefaultKmsKeyId', {}, 'MissingParameter', 'The request must contain the parameter KmsKeyId'],
  ['ec2', 'resetEbsDefaultKmsKeyId', [], 'InvalidParameterValue', /parameter request/],
];

describe('each method refuses a malformed request as AWS does', () => {
  it.each(ROWS)('%s.%s(%o) → %s', async (service, method, request, name, message) => {
    const services = await servicesWithState();
    const target = (services as unknown as Record<Service, Record<string, (r: unknown) => Promise<unknown>>>)[service];
    const before = await services.fingerprint();
    const error = await target[method]!.call(target, request).then(() => undefined, (e: Error) => e);
    expect(error, 'refused').toBeInstanceOf(Error);
    expect(error!.name).toBe(name);
    if (typeof message === 'string') expect(error!.message).toBe(message);
    else expect(error!.message).toMatch(message);
    expect(await services.fingerprint(), 'nothing changed').toBe(before);
  });

  it('a secret is never quoted: an SSE-C key, a grant token, bytes', async () => {
    const { s3, kms } = await servicesWithState();
    const secret = 'c2VjcmV0LWtleS1tYXRlcmlhbC0zMi1ieXRlcyEhISE=';
    const errors = await Promise.all([
      s3.putObject({ Bucket: 'shapes', Key: 'k', Body: 'x', SSECustomerKey: secret, Unknown: secret } as never).catch((e: Error) => e),
      kms.retireGrant({ GrantToken: secret, Extra: secret } as never).catch((e: Error) => e),
    ]);
    for (const error of errors) expect((error as Error).message).not.toContain(secret);
  });
});

describe('the validator', () => {
  const shape = structure<{ Name: string; Count?: number; Flags?: boolean[]; When?: Date; Data?: Uint8Array; Kind?: 'a' | 'b'; Tags?: Record<string, string> }>('Thing', {
    Name: string({ min: 1, max: 3, pattern: /^[a-z]+$/ }), Count: optional(integer(0, 9)), Flags: optional(list(boolean(), { max: 2 })),
    When: optional(date()), Data: optional(bytes({ min: 1 })), Kind: optional(oneOf(['a', 'b'] as const)), Tags: optional(stringMap({ minKey: 1 })),
  });
  const constraints = (value: unknown) => violationsOf(shape, value).map((v) => `${v.path.join('.')}: ${v.constraint}`);

  it('accepts a conforming request, absent optional fields, and an unknown field left undefined', () => {
    expect(constraints({ Name: 'ab' })).toEqual([]);
    expect(constraints({ Name: 'abc', Count: 9, Flags: [true], When: new Date(), Data: Buffer.from('x'), Kind: 'b', Tags: { k: 'v' }, Spread: undefined })).toEqual([]);
  });

  it('names each violation by its path, every one of them', () => {
    expect(constraints({ Name: 'ABCD', Count: 10, Flags: [true, null, 1], When: new Date(Number.NaN), Data: new Uint8Array(0), Kind: 'c', Tags: { '': 'v' }, Other: 1 })).toEqual([
      'Name: Member must have length less than or equal to 3',
      'Count: Member must have value less than or equal to 9',
      'Flags: Member must have length less than or equal to 2',
      'When: Member must be a valid Date',
      'Data: Member must have length greater than or equal to 1',
      'Kind: Member must satisfy enum value set: [a, b]',
      'Tags: Member must have keys of length greater than or equal to 1',
      'Other: Member must be a field of Thing',
    ]);
    expect(constraints({ Name: 'AB', Flags: [true, null], Count: 1.5 })).toEqual([
      'Name: Member must satisfy regular expression pattern: ^[a-z]+$', 'Count: Member must be an integer', 'Flags.1: Member must not be null',
    ]);
    expect(constraints({ Name: null, Count: -1 })).toEqual(['Name: Member must not be null', 'Count: Member must have value greater than or equal to 0']);
    for (const notStructure of [null, undefined, 'x', [], new Date(), new Uint8Array(1)]) expect(constraints(notStructure)).toEqual([': Member must be a structure']);
  });

  it('marks bytes and sensitive strings so that no message quotes them', () => {
    const secret = structure<{ Key?: string; Data?: Uint8Array }>('S', { Key: optional(string({ sensitive: true, min: 5 })), Data: optional(bytes()) });
    expect(violationsOf(secret, { Key: 'abc', Data: 'text' }).map((v) => v.sensitive)).toEqual([true, true]);
    expect(violationsOf(shape, { Name: 5 }).map((v) => v.sensitive)).toEqual([false]);
  });
});
