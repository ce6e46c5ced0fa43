// BlockStore: EBS-style volumes and snapshots with the EC2 API shapes. An encrypted volume's
// 64-byte XTS data key comes from the KMS (generateDataKeyWithoutPlaintext), bound to the volume's
// ARN as encryption context; only the wrapped key is stored. Sectors are encrypted with
// XTS-AES-256, the sector number as tweak.
//
// This class is the public face: it checks each request's shape (request-shapes.ts) and hands it to
// the module that owns the operation: volume-operations.ts, snapshot-operations.ts,
// volume-attachments.ts (attach, detach, and attachments whose process died),
// encryption-by-default.ts. How a call runs is ebs-calls.ts. Where the metadata lives is a
// BlockMetadataStore (block-metadata.ts): in memory (memory-block-metadata.ts, the default), a
// directory (`dir`: kms-wasm/node's BlockStore, node-block-store.ts), or another store (`store`, e.g.
// PostgresBlockMetadata from kms-wasm/node).

import { systemClock, type Clock } from '../core/clock.js';
import type { HostKms } from '../envelope/kms-client.js';
import type { Caller } from '../policy/caller.js';
import type { Iam } from '../policy/index.js';
import type { BlockMetadataStore } from './block-metadata.js';
import { EbsCalls } from './ebs-calls.js';
import type {
  AttachVolumeRequest, CopySnapshotRequest, CopySnapshotResult, CreateSnapshotRequest, CreateSnapshotResult,
  CreateVolumeRequest, CreateVolumeResult, DeleteSnapshotRequest, DeleteSnapshotResult, DeleteVolumeRequest, DeleteVolumeResult,
  DescribeSnapshotsRequest, DescribeSnapshotsResult, DescribeVolumesRequest, DescribeVolumesResult, DetachVolumeRequest,
  DetachVolumeResult, DisableEbsEncryptionByDefaultRequest, DisableEbsEncryptionByDefaultResult,
  EnableEbsEncryptionByDefaultRequest, EnableEbsEncryptionByDefaultResult, GetEbsDefaultKmsKeyIdRequest,
  GetEbsDefaultKmsKeyIdResult, GetEbsEncryptionByDefaultRequest, GetEbsEncryptionByDefaultResult,
  ModifyEbsDefaultKmsKeyIdRequest, ModifyEbsDefaultKmsKeyIdResult, ResetEbsDefaultKmsKeyIdRequest,
  ResetEbsDefaultKmsKeyIdResult,
} from './ec2-api-types.js';
import { ec2Error } from './ec2-errors.js';
import { EncryptionByDefault } from './encryption-by-default.js';
import { MemoryBlockMetadata } from './memory-block-metadata.js';
import { malformedEc2Request } from './request-shapes.js';
import { SnapshotOperations } from './snapshot-operations.js';
import { VolumeAttachments } from './volume-attachments.js';
import type { VolumeHandle } from './volume-handle.js';
import { VolumeOperations } from './volume-operations.js';

export interface BlockStoreOptions {
  /** kms-wasm's KeyManagementService, or any KMS with the HostKms interface. */
  kms: HostKms;
  iam?: Iam;
  /**
   * A directory for sparse volume files and metadata; omitted: in memory. One process writes it at a
   * time. Node only: the BlockStore of kms-wasm/node opens it (in Node, 'kms-wasm' is that build
   * too); the browser build refuses it with an InvalidParameterValue Ec2Error.
   */
  dir?: string;
  /**
   * Where the metadata lives, instead of `dir`: e.g. a PostgresBlockMetadata (kms-wasm/node) that
   * several processes share. Omitted: in memory, or `dir`.
   */
  store?: BlockMetadataStore;
  /** 4096 (default) or 512 bytes per XTS data unit. */
  sectorSize?: 4096 | 512;
  /** With `dir`: milliseconds to wait for another writer to release the directory (default 0: refuse at once with a StoreLockedError). */
  waitForLock?: number;
  /** Where CreateTime, AttachTime and StartTime come from (default the system clock), so tests can fix it. */
  clock?: Clock;
}

export class BlockStore {
  private readonly calls: EbsCalls;
  private readonly volumes: VolumeOperations;
  private readonly snapshots: SnapshotOperations;
  private readonly attachments: VolumeAttachments;
  private readonly encryption: EncryptionByDefault;

  constructor(options: BlockStoreOptions) {
    if (!options?.kms) throw ec2Error('MissingParameter', 'kms: a KMS (KeyManagementService or another HostKms) is required');
    if (options.sectorSize !== undefined && options.sectorSize !== 4096 && options.sectorSize !== 512) {
      throw ec2Error('InvalidParameterValue', 'sectorSize: expected 4096 or 512');
    }
    if (options.waitForLock !== undefined && !(Number.isSafeInteger(options.waitForLock) && options.waitForLock >= 0)) {
      throw ec2Error('InvalidParameterValue', 'waitForLock: expected a whole number of milliseconds, 0 or more');
    }
    if (options.store && options.dir !== undefined) throw ec2Error('InvalidParameterValue', 'store: give either a store or a dir, not both');
    // Directory storage is Node's (node-block-store.ts turns `dir` into a `store`), so browser bundles carry none of it.
    if (options.dir !== undefined) {
      throw ec2Error('InvalidParameterValue', "dir: directory storage needs Node: import { BlockStore } from 'kms-wasm/node' (in Node, 'kms-wasm' is that build)");
    }
    const store = options.store ?? new MemoryBlockMetadata();
    this.calls = new EbsCalls({ kms: options.kms, iam: options.iam, store, clock: options.clock ?? systemClock,
      sectorSize: options.sectorSize ?? 4096, onOpen: () => this.attachments.endOrphaned() });
    this.attachments = new VolumeAttachments(this.calls);
    this.volumes = new VolumeOperations(this.calls, this.attachments);
    this.snapshots = new SnapshotOperations(this.calls);
    this.encryption = new EncryptionByDefault(this.calls);
  }

  // ---------------------------------------------------------------- volumes

  createVolume(request: CreateVolumeRequest, caller?: Caller): Promise<CreateVolumeResult> {
    return malformedEc2Request('CreateVolume', request) ?? this.volumes.createVolume(request, caller);
  }

  /** Attaches a volume to an instance and returns the handle that reads and writes it. */
  attachVolume(request: AttachVolumeRequest, caller?: Caller): Promise<VolumeHandle> {
    return malformedEc2Request('AttachVolume', request) ?? this.attachments.attachVolume(request, caller);
  }

  /** Detaches: retires the instance's grant and zeroes the volume key it held. */
  detachVolume(request: DetachVolumeRequest, caller?: Caller): Promise<DetachVolumeResult> {
    return malformedEc2Request('DetachVolume', request) ?? this.attachments.detachVolume(request, caller);
  }

  deleteVolume(request: DeleteVolumeRequest, caller?: Caller): Promise<DeleteVolumeResult> {
    return malformedEc2Request('DeleteVolume', request) ?? this.volumes.deleteVolume(request, caller);
  }

  describeVolumes(request: DescribeVolumesRequest = {}, caller?: Caller): Promise<DescribeVolumesResult> {
    return malformedEc2Request('DescribeVolumes', request) ?? this.volumes.describeVolumes(request, caller);
  }

  // ---------------------------------------------------------------- snapshots

  /** A point-in-time copy of the volume's stored sectors; it stays encrypted under the volume's key. */
  createSnapshot(request: CreateSnapshotRequest, caller?: Caller): Promise<CreateSnapshotResult> {
    return malformedEc2Request('CreateSnapshot', request) ?? this.snapshots.createSnapshot(request, caller);
  }

  /**
   * Copies a snapshot; with Encrypted/KmsKeyId the copy is encrypted under that key (an encrypted
   * source's data key is re-encrypted with reEncrypt; an unencrypted source is encrypted sector by sector).
   */
  copySnapshot(request: CopySnapshotRequest, caller?: Caller): Promise<CopySnapshotResult> {
    return malformedEc2Request('CopySnapshot', request) ?? this.snapshots.copySnapshot(request, caller);
  }

  deleteSnapshot(request: DeleteSnapshotRequest, caller?: Caller): Promise<DeleteSnapshotResult> {
    return malformedEc2Request('DeleteSnapshot', request) ?? this.snapshots.deleteSnapshot(request, caller);
  }

  describeSnapshots(request: DescribeSnapshotsRequest = {}, caller?: Caller): Promise<DescribeSnapshotsResult> {
    return malformedEc2Request('DescribeSnapshots', request) ?? this.snapshots.describeSnapshots(request, caller);
  }

  // ---------------------------------------------------------------- encryption by default

  enableEbsEncryptionByDefault(request: EnableEbsEncryptionByDefaultRequest = {}, caller?: Caller): Promise<EnableEbsEncryptionByDefaultResult> {
    return malformedEc2Request('EnableEbsEncryptionByDefault', request) ?? this.encryption.enable(caller);
  }

  disableEbsEncryptionByDefault(request: DisableEbsEncryptionByDefaultRequest = {}, caller?: Caller): Promise<DisableEbsEncryptionByDefaultResult> {
    return malformedEc2Request('DisableEbsEncryptionByDefault', request) ?? this.encryption.disable(caller);
  }

  getEbsEncryptionByDefault(request: GetEbsEncryptionByDefaultRequest = {}, caller?: Caller): Promise<GetEbsEncryptionByDefaultResult> {
    return malformedEc2Request('GetEbsEncryptionByDefault', request) ?? this.encryption.get(caller);
  }

  /** The key new encrypted volumes use when none is named: the one set here, or alias/aws/ebs. */
  getEbsDefaultKmsKeyId(request: GetEbsDefaultKmsKeyIdRequest = {}, caller?: Caller): Promise<GetEbsDefaultKmsKeyIdResult> {
    return malformedEc2Request('GetEbsDefaultKmsKeyId', request) ?? this.encryption.getDefaultKey(caller);
  }

  modifyEbsDefaultKmsKeyId(request: ModifyEbsDefaultKmsKeyIdRequest, caller?: Caller): Promise<ModifyEbsDefaultKmsKeyIdResult> {
    return malformedEc2Request('ModifyEbsDefaultKmsKeyId', request) ?? this.encryption.modifyDefaultKey(request, caller);
  }

  resetEbsDefaultKmsKeyId(request: ResetEbsDefaultKmsKeyIdRequest = {}, caller?: Caller): Promise<ResetEbsDefaultKmsKeyIdResult> {
    return malformedEc2Request('ResetEbsDefaultKmsKeyId', request) ?? this.encryption.resetDefaultKey(caller);
  }

  /** Releases the store (a directory store's lock) once the calls before it are done, detaching every volume this process attached first; later calls are refused. */
  close(): Promise<void> {
    return this.calls.close(() => this.attachments.endAll());
  }
}
