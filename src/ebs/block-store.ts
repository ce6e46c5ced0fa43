// BlockStore: EBS-style volumes and snapshots with the EC2 API shapes. An encrypted volume's
// 64-byte XTS data key comes from the KMS (generateDataKeyWithoutPlaintext), bound to the volume's
// ARN as encryption context; only the wrapped key is stored. Attaching checks ec2:AttachVolume,
// then, as the caller through EC2, creates a grant for the instance and decrypts the data key with
// it; detaching retires the grant and zeroes the key. Sectors are encrypted with XTS-AES-256, the
// sector number as tweak.
//
// A directory store (`dir`) takes the directory's write lock (directory-lock.ts) on its first call
// and keeps its metadata in ebs-state.json, authenticated (authenticated-metadata.ts). An attachment
// lives only as long as its process: a store that opens finds the attachments its dead predecessor
// recorded, retires their grants (which would otherwise let those instances decrypt the volume key
// for ever) and drops them, and removes sector files that no volume or snapshot names. So that no
// crash leaves a grant the store does not know of, an attachment is recorded before its grant is
// created (a crash in between: the grant is found again by its Name, see endAttachment), and a
// detached one stays recorded as retiring until its grant is retired.

import { bytesToHex } from '@noble/hashes/utils.js';
import { base64ToBytes, bytesToBase64 } from '../core/base64.js';
import { systemClock, type Clock } from '../core/clock.js';
import { parallelXts } from '../core/parallel.js';
import { SerialQueue } from '../core/serial-queue.js';
import { xts } from '../core/xts.js';
import { accountOf, callerFacts, decideAccess, rootArn, type ConditionContext, type Iam } from '../policy/index.js';
import { AuthenticatedMetadata } from '../kms/authenticated-metadata.js';
import { DirectoryLock } from '../platform/directory-lock.js';
import type { HostKms } from '../envelope/kms-client.js';
import type { Caller } from '../policy/caller.js';
import { KmsError } from '../kms/kms-errors.js';
import { StoreClosedError } from '../platform/store-errors.js';
import { ec2Error } from './ec2-errors.js';
import { malformedEc2Request } from './request-shapes.js';
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
import { FileSectorStorageFactory, MemorySectorStorageFactory, type SectorStorage, type SectorStorageFactory } from './sector-storage.js';
import { VolumeHandle, type VolumeCiphers } from './volume-handle.js';

const GiB = 1024 ** 3;
const EC2 = 'ec2.amazonaws.com';
const XTS_DATA_KEY_BYTES = 64;

export interface BlockStoreOptions {
  /** kms-wasm's KeyManagementService, or any KMS with the HostKms interface. */
  kms: HostKms;
  iam?: Iam;
  /** A directory for sparse volume files and metadata; omitted: in memory. */
  dir?: string;
  /** 4096 (default) or 512 bytes per XTS data unit. */
  sectorSize?: 4096 | 512;
  /** With `dir`: milliseconds to wait for another writer to release the directory (default 0: refuse at once with a StoreLockedError). */
  waitForLock?: number;
  /** Where CreateTime, AttachTime and StartTime come from (default the system clock), so tests can fix it. */
  clock?: Clock;
}

interface VolumeRecord {
  VolumeId: string;
  Size: number;
  Encrypted: boolean;
  KmsKeyId?: string;
  /** base64 of the KMS ciphertext blob of the data key. */
  wrappedDataKey?: string;
  SnapshotId?: string;
  CreateTime: string;
  sectorSize: number;
  attachments: Attachment[];
}

interface Attachment {
  InstanceId: string;
  AttachTime: string;
  grantId?: string;
  grantToken?: string;
  /** Who attached the volume, so created the instance's grant: recorded before the grant is created. */
  attachedBy?: string;
}

interface SnapshotRecord {
  SnapshotId: string;
  VolumeId: string;
  VolumeSize: number;
  Encrypted: boolean;
  KmsKeyId?: string;
  wrappedDataKey?: string;
  StartTime: string;
  Description: string;
  sectorSize: number;
}

interface Ec2State {
  volumes: VolumeRecord[];
  snapshots: SnapshotRecord[];
  encryptionByDefault: boolean;
  defaultKmsKeyId?: string;
  /** Detached attachments whose grants may not be retired yet (a save forgets those that are): retired again on open. */
  retiring?: Array<Attachment & { VolumeId: string }>;
}

const hexId = (prefix: string) => `${prefix}-${bytesToHex(crypto.getRandomValues(new Uint8Array(9))).slice(0, 17)}`;

export class BlockStore {
  private readonly kms: HostKms;
  private readonly iam: Iam | undefined;
  private readonly dir: string | undefined;
  private readonly sectorSize: number;
  private readonly storage: SectorStorageFactory;
  private readonly waitForLock: number;
  private readonly clock: Clock;
  private state: Ec2State | undefined;
  private metadata: AuthenticatedMetadata<Ec2State> | undefined;
  private lock: DirectoryLock | undefined;
  private closed = false;
  private readonly live = new Map<string, { handle: VolumeHandle; ciphers?: VolumeCiphers }>();
  /** Per volume, shared by all its attachments: writes run one after another (see VolumeHandle.write). */
  private readonly volumeWrites = new Map<string, SerialQueue>();
  private readonly operations = new SerialQueue();

  constructor(options: BlockStoreOptions) {
    if (!options?.kms) throw ec2Error('MissingParameter', 'kms: a KMS (KeyManagementService or another HostKms) is required');
    if (options.sectorSize !== undefined && options.sectorSize !== 4096 && options.sectorSize !== 512) {
      throw ec2Error('InvalidParameterValue', 'sectorSize: expected 4096 or 512');
    }
    if (options.waitForLock !== undefined && !(Number.isSafeInteger(options.waitForLock) && options.waitForLock >= 0)) {
      throw ec2Error('InvalidParameterValue', 'waitForLock: expected a whole number of milliseconds, 0 or more');
    }
    this.waitForLock = options.waitForLock ?? 0;
    this.clock = options.clock ?? systemClock;
    this.kms = options.kms;
    this.iam = options.iam;
    this.dir = options.dir;
    this.sectorSize = options.sectorSize ?? 4096;
    this.storage = options.dir ? new FileSectorStorageFactory(`${options.dir}/sectors`) : new MemorySectorStorageFactory();
  }

  // ---------------------------------------------------------------- volumes

  createVolume(request: CreateVolumeRequest, caller?: Caller): Promise<CreateVolumeResult> {
    const malformed = malformedEc2Request('CreateVolume', request); if (malformed) return malformed;
    return this.run(async () => {
      const parent = this.state!.snapshots.find((s) => s.SnapshotId === request.SnapshotId);
      const who = this.authorize(caller, 'ec2:CreateVolume', this.arn('volume', '*'), {
        'ec2:Encrypted': String(request.Encrypted === true || this.state!.encryptionByDefault || parent?.Encrypted === true),
        'ec2:VolumeSize': typeof (request.Size ?? parent?.VolumeSize) === 'number' ? String(request.Size ?? parent?.VolumeSize) : undefined,
        'ec2:ParentSnapshot': parent && this.arn('snapshot', parent.SnapshotId),
        'ec2:AvailabilityZone': typeof request.AvailabilityZone === 'string' ? request.AvailabilityZone : undefined,
      });
      const snapshot = request.SnapshotId === undefined ? undefined : this.snapshot(request.SnapshotId);
      const size = request.Size ?? snapshot?.VolumeSize;
      if (size === undefined) throw ec2Error('MissingParameter', 'Size: required unless SnapshotId is given');
      if (!Number.isInteger(size) || size < 1 || size > 16384) throw ec2Error('InvalidParameterValue', `Size: expected 1 to 16384 GiB, got ${String(size)}`);
      if (snapshot && size < snapshot.VolumeSize) throw ec2Error('InvalidParameterValue', `Size: at least the snapshot's ${snapshot.VolumeSize} GiB`);
      if (request.KmsKeyId !== undefined && request.Encrypted !== true) throw ec2Error('InvalidParameterValue', 'KmsKeyId: only with Encrypted: true');
      const encrypted = request.Encrypted === true || this.state!.encryptionByDefault || snapshot?.Encrypted === true;
      const volumeId = hexId('vol');
      const volume: VolumeRecord = {
        VolumeId: volumeId, Size: size, Encrypted: encrypted, SnapshotId: snapshot?.SnapshotId, CreateTime: this.clock.now().toISOString(),
        sectorSize: snapshot?.sectorSize ?? this.sectorSize, attachments: [],
      };
      const volumeArn = this.arn('volume', volumeId);
      const storage = snapshot ? await (await this.storage.open(snapshot.SnapshotId, snapshot.sectorSize)).copy(volumeId)
        : await this.storage.open(volumeId, volume.sectorSize);
      try {
        if (encrypted) {
          const keyId = request.KmsKeyId ?? snapshot?.KmsKeyId ?? (await this.defaultKeyId());
          if (snapshot?.Encrypted) {
            await this.rewrapFrom(snapshot, volume, keyId, volumeArn, who);
          } else {
            await this.newDataKey(volume, keyId, volumeArn, who, snapshot ? storage : undefined);
          }
        }
        this.state!.volumes.push(volume);
        await this.save();
      } catch (error) {
        await storage.remove();
        throw error;
      }
      return this.describe(volume);
    });
  }

  /** Attaches a volume to an instance and returns the handle that reads and writes it. */
  attachVolume(request: AttachVolumeRequest, caller?: Caller): Promise<VolumeHandle> {
    const malformed = malformedEc2Request('AttachVolume', request); if (malformed) return malformed;
    return this.run(async () => {
      const volume = this.volume(request.VolumeId);
      const who = this.authorize(caller, 'ec2:AttachVolume', this.arn('volume', volume.VolumeId), this.volumeConditions(volume));
      if (typeof request.InstanceId !== 'string' || !/^i-[0-9a-f]{8,17}$/.test(request.InstanceId)) {
        throw ec2Error('InvalidParameterValue', `InstanceId: expected i- followed by 8 to 17 hex digits, got ${String(request.InstanceId)}`);
      }
      if (volume.attachments.some((a) => a.InstanceId === request.InstanceId)) {
        throw ec2Error('VolumeInUse', `${volume.VolumeId} is already attached to ${request.InstanceId}`);
      }
      const attachment: Attachment = { InstanceId: request.InstanceId, AttachTime: this.clock.now().toISOString() };
      const instance = this.instancePrincipal(request.InstanceId);
      const liveKey = `${volume.VolumeId}/${request.InstanceId}`;
      let ciphers: VolumeCiphers | undefined;
      try {
        if (volume.Encrypted) {
          // Recorded first: a crash once the grant exists must leave a record that leads to it.
          attachment.attachedBy = who.principal;
          volume.attachments.push(attachment);
          await this.save();
          const grantRequest = this.attachmentGrant(volume, request.InstanceId);
          const grant = await this.kms.createGrant(grantRequest, { principal: who.principal, viaService: EC2 });
          Object.assign(attachment, { grantId: grant.GrantId, grantToken: grant.GrantToken });
          const { Plaintext } = await this.kms.decrypt({ CiphertextBlob: base64ToBytes(volume.wrappedDataKey!),
            EncryptionContext: grantRequest.Constraints.EncryptionContextEquals, GrantTokens: [grant.GrantToken] }, { principal: instance, viaService: EC2 });
          ciphers = { single: xts(Plaintext), pool: parallelXts(Plaintext) };
          Plaintext.fill(0);
        }
        const storage = await this.storage.open(volume.VolumeId, volume.sectorSize);
        const writes = this.volumeWrites.get(volume.VolumeId) ?? new SerialQueue();
        this.volumeWrites.set(volume.VolumeId, writes);
        const handle = new VolumeHandle(volume.VolumeId, request.InstanceId, volume.Size * GiB, volume.sectorSize, storage, ciphers, writes);
        if (!volume.attachments.includes(attachment)) volume.attachments.push(attachment);
        this.live.set(liveKey, { handle, ciphers });
        await this.save();
        return handle;
      } catch (error) {
        // Nothing of a failed attach survives: not the attachment, not the key, not the instance's grant.
        const recorded = volume.attachments.includes(attachment);
        volume.attachments = volume.attachments.filter((a) => a !== attachment);
        this.live.delete(liveKey);
        ciphers?.single.dispose();
        ciphers?.pool.dispose();
        if (attachment.grantToken) await this.kms.retireGrant({ GrantToken: attachment.grantToken }, { principal: instance, viaService: EC2 });
        // Best effort: if this save fails too, the next open finds the attachment and ends it.
        if (recorded) await this.save().catch(() => undefined);
        throw error;
      }
    });
  }

  /** Detaches: retires the instance's grant and zeroes the volume key it held. */
  detachVolume(request: DetachVolumeRequest, caller?: Caller): Promise<DetachVolumeResult> {
    const malformed = malformedEc2Request('DetachVolume', request); if (malformed) return malformed;
    return this.run(async () => {
      const volume = this.volume(request.VolumeId);
      this.authorize(caller, 'ec2:DetachVolume', this.arn('volume', volume.VolumeId), this.volumeConditions(volume));
      const attachment = request.InstanceId === undefined && volume.attachments.length === 1
        ? volume.attachments[0]! : volume.attachments.find((a) => a.InstanceId === request.InstanceId);
      if (!attachment) throw ec2Error('InvalidAttachment.NotFound', `${volume.VolumeId} is not attached to ${String(request.InstanceId)}`);
      // Saved first: a failed save leaves the attachment working. Saved as retiring: a crash before its
      // grant is retired leaves it for the next open to retire.
      volume.attachments = volume.attachments.filter((a) => a !== attachment);
      const retiring = { ...attachment, VolumeId: volume.VolumeId };
      this.state!.retiring = [...(this.state!.retiring ?? []), retiring];
      await this.save();
      await this.endAttachment(retiring);
      this.state!.retiring = this.state!.retiring.filter((r) => r !== retiring);
      return { VolumeId: volume.VolumeId, InstanceId: attachment.InstanceId, State: 'detached' as const };
    });
  }

  deleteVolume(request: DeleteVolumeRequest, caller?: Caller): Promise<DeleteVolumeResult> {
    const malformed = malformedEc2Request('DeleteVolume', request); if (malformed) return malformed;
    return this.run(async () => {
      const volume = this.volume(request.VolumeId);
      this.authorize(caller, 'ec2:DeleteVolume', this.arn('volume', volume.VolumeId), this.volumeConditions(volume));
      if (volume.attachments.length > 0) throw ec2Error('VolumeInUse', `${volume.VolumeId} is attached; detach it first`);
      // Forgotten first, then its sectors removed: a failed save leaves the volume whole.
      this.state!.volumes = this.state!.volumes.filter((v) => v !== volume);
      await this.save();
      this.volumeWrites.delete(volume.VolumeId);
      await (await this.storage.open(volume.VolumeId, volume.sectorSize)).remove();
      return {};
    });
  }

  describeVolumes(request: DescribeVolumesRequest = {}, caller?: Caller): Promise<DescribeVolumesResult> {
    const malformed = malformedEc2Request('DescribeVolumes', request); if (malformed) return malformed;
    return this.run(async () => {
      this.authorize(caller, 'ec2:DescribeVolumes', '*');
      const volumes = request.VolumeIds === undefined ? this.state!.volumes : request.VolumeIds.map((id) => this.volume(id));
      return { Volumes: volumes.map((v) => this.describe(v)) };
    });
  }

  // ---------------------------------------------------------------- snapshots

  /** A point-in-time copy of the volume's stored sectors; it stays encrypted under the volume's key. */
  createSnapshot(request: CreateSnapshotRequest, caller?: Caller): Promise<CreateSnapshotResult> {
    const malformed = malformedEc2Request('CreateSnapshot', request); if (malformed) return malformed;
    return this.run(async () => {
      const volume = this.volume(request.VolumeId);
      const who = this.authorize(caller, 'ec2:CreateSnapshot', this.arn('volume', volume.VolumeId), this.volumeConditions(volume));
      const snapshot: SnapshotRecord = {
        SnapshotId: hexId('snap'), VolumeId: volume.VolumeId, VolumeSize: volume.Size, Encrypted: volume.Encrypted,
        KmsKeyId: volume.KmsKeyId, StartTime: this.clock.now().toISOString(), Description: request.Description ?? '', sectorSize: volume.sectorSize,
      };
      const storage = await (await this.storage.open(volume.VolumeId, volume.sectorSize)).copy(snapshot.SnapshotId);
      try {
        if (volume.Encrypted) await this.rewrapFrom(volume, snapshot, volume.KmsKeyId!, this.arn('snapshot', snapshot.SnapshotId), who);
        this.state!.snapshots.push(snapshot);
        await this.save();
      } catch (error) {
        await storage.remove();
        throw error;
      }
      return this.describeSnapshot(snapshot);
    });
  }

  /**
   * Copies a snapshot; with Encrypted/KmsKeyId the copy is encrypted under that key (an encrypted
   * source's data key is re-encrypted with reEncrypt; an unencrypted source is encrypted sector by sector).
   */
  copySnapshot(request: CopySnapshotRequest, caller?: Caller): Promise<CopySnapshotResult> {
    const malformed = malformedEc2Request('CopySnapshot', request); if (malformed) return malformed;
    return this.run(async () => {
      const source = this.snapshot(request.SourceSnapshotId);
      const who = this.authorize(caller, 'ec2:CopySnapshot', this.arn('snapshot', source.SnapshotId), this.snapshotConditions(source));
      if (request.KmsKeyId !== undefined && request.Encrypted !== true) throw ec2Error('InvalidParameterValue', 'KmsKeyId: only with Encrypted: true');
      const encrypted = source.Encrypted || request.Encrypted === true || this.state!.encryptionByDefault;
      const copy: SnapshotRecord = {
        ...source, SnapshotId: hexId('snap'), Encrypted: encrypted, KmsKeyId: undefined, wrappedDataKey: undefined,
        StartTime: this.clock.now().toISOString(), Description: request.Description ?? `Copied from ${source.SnapshotId}`,
      };
      const storage = await (await this.storage.open(source.SnapshotId, source.sectorSize)).copy(copy.SnapshotId);
      try {
        if (encrypted) {
          const keyId = request.KmsKeyId ?? source.KmsKeyId ?? (await this.defaultKeyId());
          const arn = this.arn('snapshot', copy.SnapshotId);
          if (source.Encrypted) await this.rewrapFrom(source, copy, keyId, arn, who);
          else await this.newDataKey(copy, keyId, arn, who, storage);
        }
        this.state!.snapshots.push(copy);
        await this.save();
      } catch (error) {
        await storage.remove();
        throw error;
      }
      return { SnapshotId: copy.SnapshotId };
    });
  }

  deleteSnapshot(request: DeleteSnapshotRequest, caller?: Caller): Promise<DeleteSnapshotResult> {
    const malformed = malformedEc2Request('DeleteSnapshot', request); if (malformed) return malformed;
    return this.run(async () => {
      const snapshot = this.snapshot(request.SnapshotId);
      this.authorize(caller, 'ec2:DeleteSnapshot', this.arn('snapshot', snapshot.SnapshotId), this.snapshotConditions(snapshot));
      this.state!.snapshots = this.state!.snapshots.filter((s) => s !== snapshot);
      await this.save();
      await (await this.storage.open(snapshot.SnapshotId, snapshot.sectorSize)).remove();
      return {};
    });
  }

  describeSnapshots(request: DescribeSnapshotsRequest = {}, caller?: Caller): Promise<DescribeSnapshotsResult> {
    const malformed = malformedEc2Request('DescribeSnapshots', request); if (malformed) return malformed;
    return this.run(async () => {
      this.authorize(caller, 'ec2:DescribeSnapshots', '*');
      const snapshots = request.SnapshotIds === undefined ? this.state!.snapshots : request.SnapshotIds.map((id) => this.snapshot(id));
      return { Snapshots: snapshots.map((s) => this.describeSnapshot(s)) };
    });
  }

  // ---------------------------------------------------------------- encryption by default

  enableEbsEncryptionByDefault(_request: EnableEbsEncryptionByDefaultRequest = {}, caller?: Caller): Promise<EnableEbsEncryptionByDefaultResult> {
    const malformed = malformedEc2Request('EnableEbsEncryptionByDefault', _request); if (malformed) return malformed;
    return this.setting(caller, 'ec2:EnableEbsEncryptionByDefault', (s) => { s.encryptionByDefault = true; });
  }

  disableEbsEncryptionByDefault(_request: DisableEbsEncryptionByDefaultRequest = {}, caller?: Caller): Promise<DisableEbsEncryptionByDefaultResult> {
    const malformed = malformedEc2Request('DisableEbsEncryptionByDefault', _request); if (malformed) return malformed;
    return this.setting(caller, 'ec2:DisableEbsEncryptionByDefault', (s) => { s.encryptionByDefault = false; });
  }

  getEbsEncryptionByDefault(_request: GetEbsEncryptionByDefaultRequest = {}, caller?: Caller): Promise<GetEbsEncryptionByDefaultResult> {
    const malformed = malformedEc2Request('GetEbsEncryptionByDefault', _request); if (malformed) return malformed;
    return this.run(async () => {
      this.authorize(caller, 'ec2:GetEbsEncryptionByDefault', '*');
      return { EbsEncryptionByDefault: this.state!.encryptionByDefault };
    });
  }

  /** The key new encrypted volumes use when none is named: the one set here, or alias/aws/ebs. */
  getEbsDefaultKmsKeyId(_request: GetEbsDefaultKmsKeyIdRequest = {}, caller?: Caller): Promise<GetEbsDefaultKmsKeyIdResult> {
    const malformed = malformedEc2Request('GetEbsDefaultKmsKeyId', _request); if (malformed) return malformed;
    return this.run(async () => {
      this.authorize(caller, 'ec2:GetEbsDefaultKmsKeyId', '*');
      return { KmsKeyId: this.state!.defaultKmsKeyId ?? this.managedKeyAliasArn() };
    });
  }

  modifyEbsDefaultKmsKeyId(request: ModifyEbsDefaultKmsKeyIdRequest, caller?: Caller): Promise<ModifyEbsDefaultKmsKeyIdResult> {
    const malformed = malformedEc2Request('ModifyEbsDefaultKmsKeyId', request); if (malformed) return malformed;
    return this.run(async () => {
      const who = this.authorize(caller, 'ec2:ModifyEbsDefaultKmsKeyId', '*');
      const { KeyMetadata } = await this.kms.describeKey({ KeyId: request.KmsKeyId }, { principal: who.principal, viaService: EC2 });
      this.state!.defaultKmsKeyId = KeyMetadata.Arn;
      await this.save();
      return { KmsKeyId: KeyMetadata.Arn };
    });
  }

  resetEbsDefaultKmsKeyId(_request: ResetEbsDefaultKmsKeyIdRequest = {}, caller?: Caller): Promise<ResetEbsDefaultKmsKeyIdResult> {
    const malformed = malformedEc2Request('ResetEbsDefaultKmsKeyId', _request); if (malformed) return malformed;
    // As in EC2, the answer is the default key after the reset: the AWS managed key.
    return this.setting(caller, 'ec2:ResetEbsDefaultKmsKeyId', (s) => { delete s.defaultKmsKeyId; }).then(() => ({ KmsKeyId: this.managedKeyAliasArn() }));
  }

  /** EBS's AWS managed key, by its alias ARN (the key itself is made on first use). */
  private managedKeyAliasArn(): string {
    return `arn:aws:kms:${this.kms.region}:${this.kms.account}:alias/aws/ebs`;
  }

  // ---------------------------------------------------------------- internals

  /**
   * Runs operations one at a time. One that fails leaves the state as it found it (each undoes what
   * it did outside the state: storage it made, grants), so a failed save cannot leave memory
   * saying what the metadata file does not.
   */
  private run<T>(work: () => Promise<T>): Promise<T> {
    const task = async () => {
      if (this.closed) throw new StoreClosedError(this.dir ?? 'in memory');
      await this.load();
      const before = structuredClone(this.state!);
      try {
        return await work();
      } catch (error) {
        this.state = before;
        throw error;
      }
    };
    return this.operations.run(task);
  }

  private async setting(caller: Caller | undefined, action: string, change: (state: Ec2State) => void) {
    return this.run(async () => {
      this.authorize(caller, action, '*');
      change(this.state!);
      await this.save();
      return { EbsEncryptionByDefault: this.state!.encryptionByDefault };
    });
  }

  /** Releases a directory store's lock once the calls before it are done, detaching every attached volume first; later calls are refused. */
  close(): Promise<void> {
    return this.operations.run(async () => {
      if (this.closed) return;
      this.closed = true;
      for (const volume of this.state?.volumes ?? []) {
        for (const attachment of volume.attachments) await this.endAttachment({ ...attachment, VolumeId: volume.VolumeId });
        volume.attachments = [];
      }
      if (this.state) {
        delete this.state.retiring; // the attachments before close ended with their process
        await this.save();
      }
      const lock = this.lock;
      this.lock = undefined;
      await lock?.release();
    });
  }

  /**
   * Loads the state on the first call. Attachments hold plaintext keys in memory only, so none
   * survives its process: those a dead process recorded (attached, or detached but maybe not yet
   * retired) have their grants retired and are dropped.
   */
  private async load(): Promise<void> {
    if (this.state) return;
    let saved: Ec2State | undefined;
    if (this.dir) {
      this.lock ??= await DirectoryLock.acquire(this.dir, 'ebs', { waitMs: this.waitForLock });
      const opened = await AuthenticatedMetadata.open<Ec2State>(this.dir, 'ebs-state');
      saved = opened.saved;
      this.metadata = opened.metadata;
    }
    const state = saved ?? { volumes: [], snapshots: [], encryptionByDefault: false };
    const orphaned = [...state.volumes.flatMap((volume) => volume.attachments.map((a) => ({ ...a, VolumeId: volume.VolumeId }))), ...state.retiring ?? []];
    for (const attachment of orphaned) await this.endAttachment(attachment, state.volumes);
    for (const volume of state.volumes) volume.attachments = [];
    delete state.retiring;
    this.state = state;
    if (orphaned.length > 0) await this.save();
    if (this.storage instanceof FileSectorStorageFactory) {
      await this.storage.removeAllBut(new Set([...state.volumes.map((v) => v.VolumeId), ...state.snapshots.map((s) => s.SnapshotId)]));
    }
  }

  /**
   * Ends an attachment: its handle stops working, its volume key is zeroed, the instance's grant
   * retired (if it still exists). An attachment recorded without its grant's token is one a crash cut
   * short around CreateGrant: CreateGrant again with the same Name and parameters returns that grant
   * if it was made ("if the grant already exists, the original GrantId is returned without creating a
   * new grant", AWS KMS API Reference, CreateGrant, Name), or makes it, and either way it is retired.
   */
  private async endAttachment(attachment: Attachment & { VolumeId: string }, volumes = this.state!.volumes): Promise<void> {
    const key = `${attachment.VolumeId}/${attachment.InstanceId}`;
    const live = this.live.get(key);
    live?.handle.markDetached();
    live?.ciphers?.single.dispose();
    live?.ciphers?.pool.dispose();
    this.live.delete(key);
    const volume = volumes.find((v) => v.VolumeId === attachment.VolumeId);
    try {
      const token = attachment.grantToken ?? (attachment.attachedBy && volume?.Encrypted
        ? (await this.kms.createGrant(this.attachmentGrant(volume, attachment.InstanceId), { principal: attachment.attachedBy, viaService: EC2 })).GrantToken
        : undefined);
      if (token) await this.kms.retireGrant({ GrantToken: token }, { principal: this.instancePrincipal(attachment.InstanceId), viaService: EC2 });
    } catch (error) {
      const gone = error instanceof KmsError && (error.name === 'NotFoundException' || error.name === 'InvalidGrantTokenException');
      if (!gone) throw error; // retired already (a crash after the retirement, before the save), or its key deleted
    }
  }

  /** The grant an attachment of an encrypted volume gives its instance: always the same request for one volume and instance. */
  private attachmentGrant(volume: VolumeRecord, instanceId: string) {
    const instance = this.instancePrincipal(instanceId);
    return {
      KeyId: volume.KmsKeyId!, GranteePrincipal: instance, RetiringPrincipal: instance, Operations: ['Decrypt' as const, 'RetireGrant' as const],
      Constraints: { EncryptionContextEquals: { 'aws:ec2:arn': this.arn('volume', volume.VolumeId) } }, Name: `${volume.VolumeId}-${instanceId}`,
    };
  }

  private async save(): Promise<void> {
    await this.metadata?.write(this.state!);
  }

  /**
   * EC2 authorization (DESIGN.md; policy/access-decision.ts): volumes and snapshots have no resource
   * policy, so the account root may act unless denied, another principal of the account needs an
   * identity-policy Allow, and principals of other accounts may not act at all.
   */
  private authorize(caller: Caller | undefined, action: string, resource: string, context: ConditionContext = {}): Caller {
    const who = caller ?? { principal: rootArn(this.kms.account) };
    if (accountOf(who.principal) === undefined) throw ec2Error('InvalidParameterValue', 'caller.principal: expected an IAM or STS ARN');
    const request = { ...callerFacts(who), region: this.kms.region, action, resource, context: { 'ec2:Region': this.kms.region, ...context } };
    const decision = decideAccess({ principal: who.principal, resourceAccount: this.kms.account,
      identity: this.iam?.evaluate(request) ?? { denied: false, allowed: 'none' }, resourcePolicyRequired: false, crossAccount: false });
    if (!decision.allowed) throw ec2Error('UnauthorizedOperation', `${who.principal} is not authorized to perform ${action} on ${resource}`);
    return who;
  }

  /** The ec2:… condition keys of a volume (Service Authorization Reference, Amazon EC2, resource type "volume"). */
  private volumeConditions(volume: VolumeRecord): ConditionContext {
    return {
      'ec2:Encrypted': String(volume.Encrypted), 'ec2:VolumeSize': String(volume.Size), 'ec2:VolumeID': volume.VolumeId,
      'ec2:ParentSnapshot': volume.SnapshotId && this.arn('snapshot', volume.SnapshotId),
    };
  }

  /** The ec2:… condition keys of a snapshot (resource type "snapshot"). */
  private snapshotConditions(snapshot: SnapshotRecord): ConditionContext {
    return {
      'ec2:Encrypted': String(snapshot.Encrypted), 'ec2:VolumeSize': String(snapshot.VolumeSize), 'ec2:SnapshotID': snapshot.SnapshotId,
      'ec2:ParentVolume': this.arn('volume', snapshot.VolumeId), 'ec2:SnapshotTime': snapshot.StartTime,
    };
  }

  private instancePrincipal(instanceId: string): string {
    return `arn:aws:sts::${this.kms.account}:assumed-role/aws-ec2-instance/${instanceId}`;
  }

  private arn(kind: 'volume' | 'snapshot', id: string): string {
    return kind === 'volume' ? `arn:aws:ec2:${this.kms.region}:${this.kms.account}:volume/${id}` : `arn:aws:ec2:${this.kms.region}::snapshot/${id}`;
  }

  private async defaultKeyId(): Promise<string> {
    return this.state!.defaultKmsKeyId ?? this.kms.awsManagedKeyId('ebs');
  }

  /**
   * A fresh data key under `keyId` for `target`. With `plaintextSectors`, those stored sectors are
   * encrypted in place with it (an unencrypted snapshot becoming encrypted).
   */
  private async newDataKey(target: VolumeRecord | SnapshotRecord, keyId: string, arn: string, who: Caller, plaintextSectors?: SectorStorage) {
    const request = { KeyId: keyId, NumberOfBytes: XTS_DATA_KEY_BYTES, EncryptionContext: { 'aws:ec2:arn': arn } };
    const via = { principal: who.principal, viaService: EC2 };
    if (!plaintextSectors) {
      const { CiphertextBlob, KeyId } = await this.kms.generateDataKeyWithoutPlaintext(request, via);
      Object.assign(target, { KmsKeyId: KeyId, wrappedDataKey: bytesToBase64(CiphertextBlob) });
      return;
    }
    const { CiphertextBlob, KeyId, Plaintext } = await this.kms.generateDataKey(request, via);
    const cipher = xts(Plaintext);
    Plaintext.fill(0);
    try {
      for (const sector of await plaintextSectors.writtenSectors()) {
        const bytes = await plaintextSectors.read(sector, 1);
        await plaintextSectors.write(sector, cipher.encryptSectorsInPlace(bytes, BigInt(sector), target.sectorSize));
      }
    } finally {
      cipher.dispose();
    }
    Object.assign(target, { KmsKeyId: KeyId, wrappedDataKey: bytesToBase64(CiphertextBlob) });
  }

  /** The same data key, re-encrypted by the KMS for `target`'s ARN (and possibly another key). */
  private async rewrapFrom(source: VolumeRecord | SnapshotRecord, target: VolumeRecord | SnapshotRecord, keyId: string, targetArn: string, who: Caller) {
    const { CiphertextBlob, KeyId } = await this.kms.reEncrypt({
      CiphertextBlob: base64ToBytes(source.wrappedDataKey!), SourceEncryptionContext: { 'aws:ec2:arn': this.arnOf(source) },
      DestinationKeyId: keyId, DestinationEncryptionContext: { 'aws:ec2:arn': targetArn },
    }, { principal: who.principal, viaService: EC2 });
    Object.assign(target, { KmsKeyId: KeyId, wrappedDataKey: bytesToBase64(CiphertextBlob) });
  }

  /** The ARN a record's data key is bound to: snapshots have a StartTime, volumes a CreateTime. */
  private arnOf(record: VolumeRecord | SnapshotRecord): string {
    return 'StartTime' in record ? this.arn('snapshot', record.SnapshotId) : this.arn('volume', record.VolumeId);
  }

  private volume(id: unknown): VolumeRecord {
    const volume = this.state!.volumes.find((v) => v.VolumeId === id);
    if (!volume) throw ec2Error('InvalidVolume.NotFound', `The volume '${String(id)}' does not exist.`);
    return volume;
  }

  private snapshot(id: unknown): SnapshotRecord {
    const snapshot = this.state!.snapshots.find((s) => s.SnapshotId === id);
    if (!snapshot) throw ec2Error('InvalidSnapshot.NotFound', `The snapshot '${String(id)}' does not exist.`);
    return snapshot;
  }

  private describe(v: VolumeRecord) {
    return {
      VolumeId: v.VolumeId, Size: v.Size, Encrypted: v.Encrypted, KmsKeyId: v.KmsKeyId, SnapshotId: v.SnapshotId,
      CreateTime: new Date(v.CreateTime), State: v.attachments.length > 0 ? 'in-use' as const : 'available' as const,
      Attachments: v.attachments.map((a) => ({ VolumeId: v.VolumeId, InstanceId: a.InstanceId, AttachTime: new Date(a.AttachTime), State: 'attached' as const })),
    };
  }

  private describeSnapshot(s: SnapshotRecord) {
    return {
      SnapshotId: s.SnapshotId, VolumeId: s.VolumeId, VolumeSize: s.VolumeSize, Encrypted: s.Encrypted, KmsKeyId: s.KmsKeyId,
      StartTime: new Date(s.StartTime), State: 'completed' as const, Description: s.Description,
    };
  }
}
