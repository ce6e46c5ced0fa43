// The named request and response types (kms-api-types, s3-api-types, ec2-api-types) describe what
// the classes take and return: each method accepts its named request and answers with something
// assignable to its named response. Checked by the type checker (`npm run typecheck`, part of
// `npm test`); the test itself only lists what it checked.
import { describe, expect, it } from 'vitest';
import type * as Api from '../../src/index.js';
import type { BlockStore, Caller, KeyManagementService, ObjectStore, S3EncryptionClient } from '../../src/index.js';

/** A method that takes `Req` (and a caller) and answers with a `Res`. */
type Operation<Req, Res> = (request: Req, caller?: Caller) => Promise<Res>;
type Conforms<T, Ops> = { [K in keyof Ops]: K extends keyof T ? (T[K] extends Ops[K] ? true : false) : false };
type AllTrue<T> = T[keyof T] extends true ? true : never;

export type KmsOperations = {
  createKey: Operation<Api.CreateKeyRequest, Api.CreateKeyResponse>; describeKey: Operation<Api.DescribeKeyRequest, Api.DescribeKeyResponse>;
  listKeys: Operation<Api.ListKeysRequest, Api.ListKeysResponse>; enableKey: Operation<Api.EnableKeyRequest, Api.EnableKeyResponse>;
  disableKey: Operation<Api.DisableKeyRequest, Api.DisableKeyResponse>; scheduleKeyDeletion: Operation<Api.ScheduleKeyDeletionRequest, Api.ScheduleKeyDeletionResponse>;
  cancelKeyDeletion: Operation<Api.CancelKeyDeletionRequest, Api.CancelKeyDeletionResponse>; updateKeyDescription: Operation<Api.UpdateKeyDescriptionRequest, Api.UpdateKeyDescriptionResponse>;
  tagResource: Operation<Api.TagResourceRequest, Api.TagResourceResponse>; untagResource: Operation<Api.UntagResourceRequest, Api.UntagResourceResponse>;
  listResourceTags: Operation<Api.ListResourceTagsRequest, Api.ListResourceTagsResponse>; createAlias: Operation<Api.CreateAliasRequest, Api.CreateAliasResponse>;
  updateAlias: Operation<Api.UpdateAliasRequest, Api.UpdateAliasResponse>; deleteAlias: Operation<Api.DeleteAliasRequest, Api.DeleteAliasResponse>;
  listAliases: Operation<Api.ListAliasesRequest, Api.ListAliasesResponse>; putKeyPolicy: Operation<Api.PutKeyPolicyRequest, Api.PutKeyPolicyResponse>;
  getKeyPolicy: Operation<Api.GetKeyPolicyRequest, Api.GetKeyPolicyResponse>; enableKeyRotation: Operation<Api.EnableKeyRotationRequest, Api.EnableKeyRotationResponse>;
  disableKeyRotation: Operation<Api.DisableKeyRotationRequest, Api.DisableKeyRotationResponse>; getKeyRotationStatus: Operation<Api.GetKeyRotationStatusRequest, Api.GetKeyRotationStatusResponse>;
  rotateKeyOnDemand: Operation<Api.RotateKeyOnDemandRequest, Api.RotateKeyOnDemandResponse>; listKeyRotations: Operation<Api.ListKeyRotationsRequest, Api.ListKeyRotationsResponse>;
  encrypt: Operation<Api.EncryptRequest, Api.EncryptResponse>; decrypt: Operation<Api.DecryptRequest, Api.DecryptResponse>;
  reEncrypt: Operation<Api.ReEncryptRequest, Api.ReEncryptResponse>; generateDataKey: Operation<Api.GenerateDataKeyRequest, Api.GenerateDataKeyResponse>;
  generateDataKeyWithoutPlaintext: Operation<Api.GenerateDataKeyWithoutPlaintextRequest, Api.GenerateDataKeyWithoutPlaintextResponse>; generateRandom: Operation<Api.GenerateRandomRequest, Api.GenerateRandomResponse>;
  getParametersForImport: Operation<Api.GetParametersForImportRequest, Api.GetParametersForImportResponse>; importKeyMaterial: Operation<Api.ImportKeyMaterialRequest, Api.ImportKeyMaterialResponse>;
  deleteImportedKeyMaterial: Operation<Api.DeleteImportedKeyMaterialRequest, Api.DeleteImportedKeyMaterialResponse>; createGrant: Operation<Api.CreateGrantRequest, Api.CreateGrantResponse>;
  listGrants: Operation<Api.ListGrantsRequest, Api.ListGrantsResponse>; listRetirableGrants: Operation<Api.ListRetirableGrantsRequest, Api.ListGrantsResponse>;
  retireGrant: Operation<Api.RetireGrantRequest, Api.RetireGrantResponse>; revokeGrant: Operation<Api.RevokeGrantRequest, Api.RevokeGrantResponse>;
  listAuditRecords: (request: Api.ListAuditRecordsRequest) => Promise<Api.AuditRecord[]>;
};
export type S3Operations = {
  createBucket: Operation<Api.CreateBucketRequest, Api.CreateBucketOutput>; deleteBucket: Operation<Api.DeleteBucketRequest, Api.DeleteBucketOutput>;
  listBuckets: Operation<Api.ListBucketsRequest, Api.ListBucketsOutput>; getBucketPolicy: Operation<Api.GetBucketPolicyRequest, Api.GetBucketPolicyOutput>;
  putBucketEncryption: Operation<Api.PutBucketEncryptionRequest, Api.PutBucketEncryptionOutput>;
  getBucketEncryption: Operation<Api.GetBucketEncryptionRequest, Api.GetBucketEncryptionOutput>; putBucketVersioning: Operation<Api.PutBucketVersioningRequest, Api.PutBucketVersioningOutput>;
  getBucketVersioning: Operation<Api.GetBucketVersioningRequest, Api.GetBucketVersioningOutput>; putBucketPolicy: Operation<Api.PutBucketPolicyRequest, Api.PutBucketPolicyOutput>;
  putObject: Operation<Api.PutObjectRequest, Api.PutObjectOutput>; getObject: Operation<Api.GetObjectRequest, Api.GetObjectOutput>;
  headObject: Operation<Api.HeadObjectRequest, Api.HeadObjectOutput>; deleteObject: Operation<Api.DeleteObjectRequest, Api.DeleteObjectOutput>;
  listObjectVersions: Operation<Api.ListObjectVersionsRequest, Api.ListObjectVersionsOutput>; copyObject: Operation<Api.CopyObjectRequest, Api.CopyObjectOutput>;
  listObjectsV2: Operation<Api.ListObjectsV2Request, Api.ListObjectsV2Output>; createMultipartUpload: Operation<Api.CreateMultipartUploadRequest, Api.CreateMultipartUploadOutput>;
  uploadPart: Operation<Api.UploadPartRequest, Api.UploadPartOutput>; uploadPartCopy: Operation<Api.UploadPartCopyRequest, Api.UploadPartCopyOutput>;
  completeMultipartUpload: Operation<Api.CompleteMultipartUploadRequest, Api.CompleteMultipartUploadOutput>;
  abortMultipartUpload: Operation<Api.AbortMultipartUploadRequest, Api.AbortMultipartUploadOutput>;
  listParts: Operation<Api.ListPartsRequest, Api.ListPartsOutput>; getObjectTagging: Operation<Api.GetObjectTaggingRequest, Api.GetObjectTaggingOutput>;
  deleteBucketPolicy: Operation<Api.DeleteBucketPolicyRequest, Api.EmptyOutput>; deleteBucketEncryption: Operation<Api.DeleteBucketEncryptionRequest, Api.EmptyOutput>;
};
export type CseOperations = {
  putObject: (request: Api.EncryptedPutObjectRequest) => Promise<Api.PutObjectOutput>; getObject: (request: Api.EncryptedGetObjectRequest) => Promise<Api.GetObjectOutput>;
  openObject: (request: Api.EncryptedOpenObjectRequest) => Promise<Api.RangedPlaintextObject>;
};
export type Ec2Operations = {
  createVolume: Operation<Api.CreateVolumeRequest, Api.CreateVolumeResult>; attachVolume: Operation<Api.AttachVolumeRequest, Api.VolumeHandle>;
  detachVolume: Operation<Api.DetachVolumeRequest, Api.DetachVolumeResult>; deleteVolume: Operation<Api.DeleteVolumeRequest, Api.DeleteVolumeResult>;
  describeVolumes: Operation<Api.DescribeVolumesRequest, Api.DescribeVolumesResult>; createSnapshot: Operation<Api.CreateSnapshotRequest, Api.CreateSnapshotResult>;
  copySnapshot: Operation<Api.CopySnapshotRequest, Api.CopySnapshotResult>; deleteSnapshot: Operation<Api.DeleteSnapshotRequest, Api.DeleteSnapshotResult>;
  describeSnapshots: Operation<Api.DescribeSnapshotsRequest, Api.DescribeSnapshotsResult>; enableEbsEncryptionByDefault: Operation<Api.EnableEbsEncryptionByDefaultRequest, Api.EnableEbsEncryptionByDefaultResult>;
  disableEbsEncryptionByDefault: Operation<Api.DisableEbsEncryptionByDefaultRequest, Api.DisableEbsEncryptionByDefaultResult>; getEbsEncryptionByDefault: Operation<Api.GetEbsEncryptionByDefaultRequest, Api.GetEbsEncryptionByDefaultResult>;
  getEbsDefaultKmsKeyId: Operation<Api.GetEbsDefaultKmsKeyIdRequest, Api.GetEbsDefaultKmsKeyIdResult>; modifyEbsDefaultKmsKeyId: Operation<Api.ModifyEbsDefaultKmsKeyIdRequest, Api.ModifyEbsDefaultKmsKeyIdResult>;
  resetEbsDefaultKmsKeyId: Operation<Api.ResetEbsDefaultKmsKeyIdRequest, Api.ResetEbsDefaultKmsKeyIdResult>;
};

// Each line fails to compile if one method does not conform (hover the `false` in Conforms<…> to see which).
const kmsConforms: AllTrue<Conforms<KeyManagementService, KmsOperations>> = true;
const s3Conforms: AllTrue<Conforms<ObjectStore, S3Operations>> = true;
const cseConforms: AllTrue<Conforms<S3EncryptionClient, CseOperations>> = true;
const ec2Conforms: AllTrue<Conforms<BlockStore, Ec2Operations>> = true;

/**
 * What a class has besides its listed operations: none but the named members that are not AWS
 * operations (lifecycle, inspection, the account and region). A new public method fails to compile
 * here until it is listed above, with its named types, or named here.
 */
type Unlisted<T, Ops, NotOperations extends keyof T> = Exclude<keyof T, keyof Ops | NotOperations>;
const everyKmsMethod: [Unlisted<KeyManagementService, KmsOperations, 'account' | 'region' | 'auditHead' | 'verifyAuditTrail' | 'awsManagedKeyId'>] extends [never] ? true : never = true;
const everyS3Method: [Unlisted<ObjectStore, S3Operations, 'region' | 'close' | 'rotateSseS3RootKey' | 'storedBytes'>] extends [never] ? true : never = true;
const everyCseMethod: [Unlisted<S3EncryptionClient, CseOperations, never>] extends [never] ? true : never = true;
const everyEc2Method: [Unlisted<BlockStore, Ec2Operations, 'close'>] extends [never] ? true : never = true;

describe('named request and response types', () => {
  it('describe every KMS, S3 and EC2 operation of the classes (checked at compile time)', () => {
    expect([kmsConforms, s3Conforms, cseConforms, ec2Conforms]).toEqual([true, true, true, true]);
  });

  it('every public method of the classes is listed, so none goes unchecked (checked at compile time)', () => {
    expect([everyKmsMethod, everyS3Method, everyCseMethod, everyEc2Method]).toEqual([true, true, true, true]);
  });
});
