// Volumes: CreateVolume (empty, or from a snapshot: its sectors copied and its data key re-encrypted
// for the volume), DeleteVolume, DescribeVolumes.

import type { Caller } from '../policy/caller.js';
import type { SavedVolume, VolumeRecord } from './block-records.js';
import type {
  CreateVolumeRequest, CreateVolumeResult, DeleteVolumeRequest, DeleteVolumeResult, DescribeVolumesRequest, DescribeVolumesResult, Volume,
} from './ec2-api-types.js';
import { ec2Error } from './ec2-errors.js';
import { hexId, removedUnlessRecorded, type EbsCalls } from './ebs-calls.js';
import { defaultKeyId, newDataKey, rewrapFrom } from './volume-keys.js';
import type { VolumeAttachments } from './volume-attachments.js';

export const savedVolume = ({ attachments: _, ...volume }: VolumeRecord): SavedVolume => volume;

export class VolumeOperations {
  constructor(private readonly calls: EbsCalls, private readonly attachments: VolumeAttachments) {}

  createVolume(request: CreateVolumeRequest, caller?: Caller): Promise<CreateVolumeResult> {
    const { calls } = this;
    return calls.run(async () => {
      const parent = calls.state.snapshots.find((s) => s.SnapshotId === request.SnapshotId);
      const who = calls.authorize(caller, 'ec2:CreateVolume', calls.arn('volume', '*'), {
        'ec2:Encrypted': String(request.Encrypted === true || calls.state.encryptionByDefault || parent?.Encrypted === true),
        'ec2:VolumeSize': typeof (request.Size ?? parent?.VolumeSize) === 'number' ? String(request.Size ?? parent?.VolumeSize) : undefined,
        'ec2:ParentSnapshot': parent && calls.arn('snapshot', parent.SnapshotId),
        'ec2:AvailabilityZone': typeof request.AvailabilityZone === 'string' ? request.AvailabilityZone : undefined,
      });
      const snapshot = request.SnapshotId === undefined ? undefined : calls.snapshot(request.SnapshotId);
      const size = request.Size ?? snapshot?.VolumeSize;
      if (size === undefined) throw ec2Error('MissingParameter', 'Size: required unless SnapshotId is given');
      if (!Number.isInteger(size) || size < 1 || size > 16384) throw ec2Error('InvalidParameterValue', `Size: expected 1 to 16384 GiB, got ${String(size)}`);
      if (snapshot && size < snapshot.VolumeSize) throw ec2Error('InvalidParameterValue', `Size: at least the snapshot's ${snapshot.VolumeSize} GiB`);
      if (request.KmsKeyId !== undefined && request.Encrypted !== true) throw ec2Error('InvalidParameterValue', 'KmsKeyId: only with Encrypted: true');
      const encrypted = request.Encrypted === true || calls.state.encryptionByDefault || snapshot?.Encrypted === true;
      const volumeId = hexId('vol');
      const volume: VolumeRecord = {
        VolumeId: volumeId, Size: size, Encrypted: encrypted, SnapshotId: snapshot?.SnapshotId, CreateTime: calls.clock.now().toISOString(),
        sectorSize: snapshot?.sectorSize ?? calls.sectorSize, attachments: [],
      };
      const volumeArn = calls.arn('volume', volumeId);
      const sectors = calls.store.sectors;
      const storage = snapshot ? await (await sectors.open(snapshot.SnapshotId, snapshot.sectorSize)).copy(volumeId)
        : await sectors.open(volumeId, volume.sectorSize);
      await removedUnlessRecorded(storage, async () => {
        if (encrypted) {
          const keyId = request.KmsKeyId ?? snapshot?.KmsKeyId ?? (await defaultKeyId(calls));
          if (snapshot?.Encrypted) await rewrapFrom(calls, snapshot, volume, keyId, volumeArn, who);
          else await newDataKey(calls, volume, keyId, volumeArn, who, snapshot ? storage : undefined);
        }
        await calls.commit({ volume: savedVolume(volume) });
      });
      return describeVolume(volume);
    });
  }

  deleteVolume(request: DeleteVolumeRequest, caller?: Caller): Promise<DeleteVolumeResult> {
    const { calls } = this;
    return calls.run(async () => {
      await this.attachments.endOrphaned(); // an attachment whose process died holds no volume in use
      const volume = calls.volume(request.VolumeId);
      calls.authorize(caller, 'ec2:DeleteVolume', calls.arn('volume', volume.VolumeId), calls.volumeConditions(volume));
      // Forgotten first, then its sectors removed: a failed commit leaves the volume whole.
      await calls.commit({ dropVolume: volume.VolumeId }, () => {
        if (calls.volume(volume.VolumeId).attachments.length > 0) throw ec2Error('VolumeInUse', `${volume.VolumeId} is attached; detach it first`);
      });
      this.attachments.forget(volume.VolumeId);
      await (await calls.store.sectors.open(volume.VolumeId, volume.sectorSize)).remove();
      return {};
    });
  }

  describeVolumes(request: DescribeVolumesRequest = {}, caller?: Caller): Promise<DescribeVolumesResult> {
    const { calls } = this;
    return calls.run(async () => {
      calls.authorize(caller, 'ec2:DescribeVolumes', '*');
      const volumes = request.VolumeIds === undefined ? calls.state.volumes : request.VolumeIds.map((id) => calls.volume(id));
      return { Volumes: volumes.map(describeVolume) };
    });
  }
}

export function describeVolume(v: VolumeRecord): Volume {
  return {
    VolumeId: v.VolumeId, Size: v.Size, Encrypted: v.Encrypted, KmsKeyId: v.KmsKeyId, SnapshotId: v.SnapshotId,
    CreateTime: new Date(v.CreateTime), State: v.attachments.length > 0 ? 'in-use' : 'available',
    Attachments: v.attachments.map((a) => ({ VolumeId: v.VolumeId, InstanceId: a.InstanceId, AttachTime: new Date(a.AttachTime), State: 'attached' as const })),
  };
}
