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
  listKeys: Operation<Api.ListKeysRequest, Api.ListKeysResponse>; enableKey: Operation<Api.EnableKeyRequest, object>;
  disableKey: Operation<Api.DisableKeyRequest, object>; scheduleKeyDeletion: Operation<Api.ScheduleKeyDeletionRequest, Api.ScheduleKeyDeletionResponse>;
  cancelKeyDeletion: Operation<Api.CancelKeyDeletionRequest, Api.CancelKeyDeletionResponse>; updateKeyDescription: Operation<Api.UpdateKeyDescriptionRequest, object>;
  tagResource: Operation<Api.TagResourceRequest, object>; untagResource: Operation<Api.UntagResourceRequest, object>;
  listResourceTags: Operation<Api.ListResourceTagsRequest, Api.ListResourceTagsResponse>; createAlias: Operation<Api.CreateAliasRequest, object>;
  updateAlias: Operation<Api.UpdateAliasRequest, object>; deleteAlias: Operation<Api.DeleteAliasRequest, object>;
  listAliases: Operation<Api.ListAliasesRequest, Api.ListAliasesResponse>; putKeyPolicy: Operation<Api.PutKeyPolicyRequest, object>;
  getKeyPolicy: Operation<Api.GetKeyPolicyRequest, Api.GetKeyPolicyResponse>; enableKeyRotation: Operation<Api.EnableKeyRotationRequest, object>;
  disableKeyRotation: Operation<Api.DisableKeyRotationRequest, object>; getKeyRotationStatus: Operation<Api.GetKeyRotationStatusRequest, Api.GetKeyRotationStatusResponse>;
  rotateKeyOnDemand: Operation<Api.RotateKeyOnDemandRequest, Api.RotateKeyOnDemandResponse>; listKeyRotations: Operation<Api.ListKeyRotationsRequest, Api.ListKeyRotationsResponse>;
  encrypt: Operation<Api.EncryptRequest, Api.EncryptResponse>; decrypt: Operation<Api.DecryptRequest, Api.DecryptResponse>;
  reEncrypt: Operation<Api.ReEncryptRequest, Api.ReEncryptResponse>; generateDataKey: Operation<Api.GenerateDataKeyRequest, Api.GenerateDataKeyResponse>;
  generateDataKeyWithoutPlaintext: Operation<Api.GenerateDataKeyWithoutPlaintextRequest, Api.GenerateDataKeyWithoutPlaintextResponse>; generateRandom: Operation<Api.GenerateRandomRequest, Api.GenerateRandomResponse>;
  getParametersForImport: Operation<Api.GetParametersForImportRequest, Api.GetParametersForImportResponse>; importKeyMaterial: Operation<Api.ImportKeyMaterialRequest, object>;
  deleteImportedKeyMaterial: Operation<Api.DeleteImportedKeyMaterialRequest, object>; createGrant: Operation<Api.CreateGrantRequest, Api.CreateGrantResponse>;
  listGrants: Operation<Api.ListGrantsRequest, Api.ListGrantsResponse>; listRetirableGrants: Operation<Api.ListRetirableGrantsRequest, Api.ListGrantsResponse>;
  retireGrant: Operation<Api.RetireGrantRequest, object>; revokeGrant: Operation<Api.RevokeGrantRequest, object>;
};
export type S3Operations = {
  createBucket: Operation<Api.CreateBucketRequest, Api.CreateBucketOutput>; deleteBucket: Operation<Api.DeleteBucketRequest, object>;
  listBuckets: Operation<Api.ListBucketsRequest, Api.ListBucketsOutput>; getBucketPolicy: Operation<Api.GetBucketPolicyRequest, Api.GetBucketPolicyOutput>;
  putBucketEncryption: Operation<Api.PutBucketEncryptionRequest, object>;
  getBucketEncryption: Operation<Api.GetBucketEncryptionRequest, Api.GetBucketEncryptionOutput>; putBucketVersioning: Operation<Api.PutBucketVersioningRequest, object>;
  getBucketVersioning: Operation<Api.GetBucketVersioningRequest, Api.GetBucketVersioningOutput>; putBucketPolicy: Operation<Api.PutBucketPolicyRequest, object>;
  putObject: Operation<Api.PutObjectRequest, Api.PutObjectOutput>; getObject: Operation<Api.GetObjectRequest, Api.GetObjectOutput>;
  headObject: Operation<Api.HeadObjectRequest, Api.HeadObjectOutput>; deleteObject: Operation<Api.DeleteObjectRequest, Api.DeleteObjectOutput>;
  listObjectVersions: Operation<Api.ListObjectVersionsRequest, object>; copyObject: Operation<Api.CopyObjectRequest, object>;
  listObjectsV2: Operation<Api.ListObjectsV2Request, object>; createMultipartUpload: Operation<Api.CreateMultipartUploadRequest, Api.CreateMultipartUploadOutput>;
  uploadPart: Operation<Api.UploadPartRequest, Api.UploadPartOutput>; uploadPartCopy: Operation<Api.UploadPartCopyRequest, Api.UploadPartCopyOutput>;
  completeMultipartUpload: Operation<Api.CompleteMultipartUploadRequest, object>;
  abortMultipartUpload: Operation<Api.AbortMultipartUploadRequest, object>;
};
export type CseOperations = {
  putObject: (request: Api.EncryptedPutObjectRequest) => Promise<Api.PutObjectOutput>; getObject: (request: Api.EncryptedGetObjectRequest) => Promise<Api.GetObjectOutput>;
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

describe('named request and response types', () => {
  it('describe every KMS, S3 and EC2 operation of the classes (checked at compile time)', () => {
    expect([kmsConforms, s3Conforms, cseConforms, ec2Conforms]).toEqual([true, true, true, true]);
  });
});
