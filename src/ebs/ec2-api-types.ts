// The request and response of every BlockStore operation, named as the AWS SDK for JavaScript v3's
// client-ec2 names them (`CreateVolumeRequest`, `DescribeVolumesResult`, …; Amazon EC2 API Reference).

export type VolumeState = 'available' | 'in-use';
export type VolumeAttachmentState = 'attached' | 'detached';

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
export interface ModifyEbsDefaultKmsKeyIdRequest {
  KmsKeyId: string;
}
export interface EbsDefaultKmsKeyIdResult {
  KmsKeyId: string;
}
