// The request and response of every BlockStore operation, named as the AWS SDK for JavaScript v3's
// client-ec2 names them (`CreateVolumeRequest`, `DescribeVolumesResult`, …; Amazon EC2 API Reference).
// Where the SDK answers with a shape of its own (CreateVolume with a Volume, CreateSnapshot with a
// Snapshot), the per-operation name is an alias of it, so each operation has its `…Result`.

export type VolumeState = 'available' | 'in-use';
export type VolumeAttachmentState = 'attached' | 'detached';
/** What an operation that returns nothing answers (DeleteVolume, DeleteSnapshot). */
export type EmptyResult = Record<string, never>;

export interface CreateVolumeRequest {
  /** GiB, 1 to 16384; required unless SnapshotId is given. */
  Size?: number;
  Encrypted?: boolean;
  /** Only with Encrypted: true. */
  KmsKeyId?: string;
  SnapshotId?: string;
  AvailabilityZone?: string;
}
export interface VolumeAttachment {
  VolumeId: string;
  InstanceId: string;
  AttachTime: Date;
  State: 'attached';
}
export interface Volume {
  VolumeId: string;
  Size: number;
  Encrypted: boolean;
  KmsKeyId?: string;
  SnapshotId?: string;
  CreateTime: Date;
  State: VolumeState;
  Attachments: VolumeAttachment[];
}
export type CreateVolumeResult = Volume;
export interface AttachVolumeRequest {
  VolumeId: string;
  /** i- followed by 8 to 17 hex digits. */
  InstanceId: string;
  Device?: string;
}
export interface DetachVolumeRequest {
  VolumeId: string;
  /** Needed when the volume is attached to more than one instance. */
  InstanceId?: string;
}
export interface DetachVolumeResult {
  VolumeId: string;
  InstanceId: string;
  State: 'detached';
}
export interface DeleteVolumeRequest {
  VolumeId: string;
}
export type DeleteVolumeResult = EmptyResult;
export interface DescribeVolumesRequest {
  VolumeIds?: string[];
}
export interface DescribeVolumesResult {
  Volumes: Volume[];
}

export interface CreateSnapshotRequest {
  VolumeId: string;
  Description?: string;
}
export interface Snapshot {
  SnapshotId: string;
  VolumeId: string;
  VolumeSize: number;
  Encrypted: boolean;
  KmsKeyId?: string;
  StartTime: Date;
  State: 'completed';
  Description: string;
}
export type CreateSnapshotResult = Snapshot;
export interface CopySnapshotRequest {
  SourceSnapshotId: string;
  Encrypted?: boolean;
  /** Only with Encrypted: true. */
  KmsKeyId?: string;
  Description?: string;
}
export interface CopySnapshotResult {
  SnapshotId: string;
}
export interface DeleteSnapshotRequest {
  SnapshotId: string;
}
export type DeleteSnapshotResult = EmptyResult;
export interface DescribeSnapshotsRequest {
  SnapshotIds?: string[];
}
export interface DescribeSnapshotsResult {
  Snapshots: Snapshot[];
}

/** The account-wide EBS encryption settings' requests carry no parameters. */
export type EbsSettingRequest = Record<string, never>;
export type EnableEbsEncryptionByDefaultRequest = EbsSettingRequest;
export type DisableEbsEncryptionByDefaultRequest = EbsSettingRequest;
export type GetEbsEncryptionByDefaultRequest = EbsSettingRequest;
export type GetEbsDefaultKmsKeyIdRequest = EbsSettingRequest;
export type ResetEbsDefaultKmsKeyIdRequest = EbsSettingRequest;
export interface EbsEncryptionByDefaultResult {
  EbsEncryptionByDefault: boolean;
}
export type EnableEbsEncryptionByDefaultResult = EbsEncryptionByDefaultResult;
export type DisableEbsEncryptionByDefaultResult = EbsEncryptionByDefaultResult;
export type GetEbsEncryptionByDefaultResult = EbsEncryptionByDefaultResult;
export interface ModifyEbsDefaultKmsKeyIdRequest {
  KmsKeyId: string;
}
export interface EbsDefaultKmsKeyIdResult {
  /** The key's ARN; the AWS managed key's alias ARN (alias/aws/ebs) when none is set. */
  KmsKeyId: string;
}
export type GetEbsDefaultKmsKeyIdResult = EbsDefaultKmsKeyIdResult;
export type ModifyEbsDefaultKmsKeyIdResult = EbsDefaultKmsKeyIdResult;
/** As in EC2, the default key after the reset: the AWS managed key (ResetEbsDefaultKmsKeyId, Amazon EC2 API Reference). */
export type ResetEbsDefaultKmsKeyIdResult = EbsDefaultKmsKeyIdResult;
