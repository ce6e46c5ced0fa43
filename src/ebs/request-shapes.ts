// The shape of every BlockStore request, checked before a call does anything, so a malformed one
// is refused naming the parameter and changes nothing (a Symbol for a Description would otherwise
// be stored and break every later call). EC2 answers a missing parameter with MissingParameter
// ("The request must contain the parameter VolumeId") and a malformed one with
// InvalidParameterValue (Amazon EC2 API Reference, "Error codes"); list members are named as the
// EC2 Query API numbers them (VolumeId.1). Rules that need the store (sizes against a snapshot's,
// KmsKeyId only with Encrypted) stay with the operations.

import { boolean, integer, list, optional, string, structure, violationsOf, type Shape, type ShapeViolation } from '../core/request-shape.js';
import type * as Ec2 from './ec2-api-types.js';
import { ec2Error, type Ec2Error } from './ec2-errors.js';

const setting = (name: string) => structure<Ec2.EbsSettingRequest>(name, {});

/** Every BlockStore operation's request shape, by AWS operation name. */
export const EC2_REQUEST_SHAPES = {
  CreateVolume: structure<Ec2.CreateVolumeRequest>('CreateVolumeRequest', {
    Size: optional(integer(1, 16384)), Encrypted: optional(boolean()), KmsKeyId: optional(string({ min: 1 })),
    SnapshotId: optional(string({ min: 1 })), AvailabilityZone: optional(string()),
  }),
  AttachVolume: structure<Ec2.AttachVolumeRequest>('AttachVolumeRequest', { VolumeId: string(), InstanceId: string(), Device: optional(string()) }),
  DetachVolume: structure<Ec2.DetachVolumeRequest>('DetachVolumeRequest', { VolumeId: string(), InstanceId: optional(string()) }),
  DeleteVolume: structure<Ec2.DeleteVolumeRequest>('DeleteVolumeRequest', { VolumeId: string() }),
  DescribeVolumes: structure<Ec2.DescribeVolumesRequest>('DescribeVolumesRequest', { VolumeIds: optional(list(string())) }),
  CreateSnapshot: structure<Ec2.CreateSnapshotRequest>('CreateSnapshotRequest', { VolumeId: string(), Description: optional(string({ max: 255 })) }),
  CopySnapshot: structure<Ec2.CopySnapshotRequest>('CopySnapshotRequest', {
    SourceSnapshotId: string(), Encrypted: optional(boolean()), KmsKeyId: optional(string({ min: 1 })), Description: optional(string({ max: 255 })),
  }),
  DeleteSnapshot: structure<Ec2.DeleteSnapshotRequest>('DeleteSnapshotRequest', { SnapshotId: string() }),
  DescribeSnapshots: structure<Ec2.DescribeSnapshotsRequest>('DescribeSnapshotsRequest', { SnapshotIds: optional(list(string())) }),
  EnableEbsEncryptionByDefault: setting('EnableEbsEncryptionByDefaultRequest'),
  DisableEbsEncryptionByDefault: setting('DisableEbsEncryptionByDefaultRequest'),
  GetEbsEncryptionByDefault: setting('GetEbsEncryptionByDefaultRequest'),
  GetEbsDefaultKmsKeyId: setting('GetEbsDefaultKmsKeyIdRequest'),
  ModifyEbsDefaultKmsKeyId: structure<Ec2.ModifyEbsDefaultKmsKeyIdRequest>('ModifyEbsDefaultKmsKeyIdRequest', { KmsKeyId: string({ min: 1 }) }),
  ResetEbsDefaultKmsKeyId: setting('ResetEbsDefaultKmsKeyIdRequest'),
} satisfies Record<string, Shape<unknown>>;

export type Ec2OperationName = keyof typeof EC2_REQUEST_SHAPES;

const parameterName = (path: ShapeViolation['path']) =>
  path.length === 0 ? 'request' : path.map((part) => (typeof part === 'number' ? String(part + 1) : part)).join('.');

/** EC2's error for the first violation: MissingParameter for an absent required parameter, else InvalidParameterValue. */
export function ec2ValidationError(violations: ShapeViolation[]): Ec2Error {
  const first = violations[0]!;
  const name = parameterName(first.path);
  if (first.value === undefined && first.constraint === 'Member must not be null') return ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
  const value = first.sensitive || (typeof first.value === 'object' && first.value !== null) ? '' : ` ${String(first.value).slice(0, 100)}`;
  return ec2Error('InvalidParameterValue', `Value (${value} ) for parameter ${name} is invalid. ${first.constraint}`);
}

/**
 * For the first line of each BlockStore method: a rejected promise (EC2's error) if `request` does
 * not have the operation's shape, else undefined.
 */
export function malformedEc2Request(operation: Ec2OperationName, request: unknown): Promise<never> | undefined {
  const violations = violationsOf(EC2_REQUEST_SHAPES[operation], request);
  return violations.length === 0 ? undefined : Promise.reject(ec2ValidationError(violations));
}
