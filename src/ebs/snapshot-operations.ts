// Snapshots: CreateSnapshot (a point-in-time copy of a volume's stored sectors, its data key
// re-encrypted for the snapshot), CopySnapshot (possibly encrypting, or under another key),
// DeleteSnapshot, DescribeSnapshots.

import type { Caller } from '../policy/caller.js';
import type { SnapshotRecord } from './block-records.js';
import type {
  CopySnapshotRequest, CopySnapshotResult, CreateSnapshotRequest, CreateSnapshotResult, DeleteSnapshotRequest, DeleteSnapshotResult,
  DescribeSnapshotsRequest, DescribeSnapshotsResult, Snapshot,
} from './ec2-api-types.js';
import { ec2Error } from './ec2-errors.js';
import { hexId, removedUnlessRecorded, type EbsCalls } from './ebs-calls.js';
import { defaultKeyId, newDataKey, rewrapFrom } from './volume-keys.js';

export class SnapshotOperations {
  constructor(private readonly calls: EbsCalls) {}

  /** A point-in-time copy of the volume's stored sectors; it stays encrypted under the volume's key. */
  createSnapshot(request: CreateSnapshotRequest, caller?: Caller): Promise<CreateSnapshotResult> {
    const { calls } = this;
    return calls.run(async () => {
      const volume = calls.volume(request.VolumeId);
      const who = calls.authorize(caller, 'ec2:CreateSnapshot', calls.arn('volume', volume.VolumeId), calls.volumeConditions(volume));
      const snapshot: SnapshotRecord = {
        SnapshotId: hexId('snap'), VolumeId: volume.VolumeId, VolumeSize: volume.Size, Encrypted: volume.Encrypted,
        KmsKeyId: volume.KmsKeyId, StartTime: calls.clock.now().toISOString(), Description: request.Description ?? '', sectorSize: volume.sectorSize,
      };
      const storage = await (await calls.store.sectors.open(volume.VolumeId, volume.sectorSize)).copy(snapshot.SnapshotId);
      await removedUnlessRecorded(storage, async () => {
        if (volume.Encrypted) await rewrapFrom(calls, volume, snapshot, volume.KmsKeyId!, calls.arn('snapshot', snapshot.SnapshotId), who);
        await calls.commit({ snapshot });
      });
      return describeSnapshot(snapshot);
    });
  }

  /**
   * Copies a snapshot; with Encrypted/KmsKeyId the copy is encrypted under that key (an encrypted
   * source's data key is re-encrypted with reEncrypt; an unencrypted source is encrypted sector by sector).
   */
  copySnapshot(request: CopySnapshotRequest, caller?: Caller): Promise<CopySnapshotResult> {
    const { calls } = this;
    return calls.run(async () => {
      const source = calls.snapshot(request.SourceSnapshotId);
      const who = calls.authorize(caller, 'ec2:CopySnapshot', calls.arn('snapshot', source.SnapshotId), calls.snapshotConditions(source));
      if (request.KmsKeyId !== undefined && request.Encrypted !== true) throw ec2Error('InvalidParameterValue', 'KmsKeyId: only with Encrypted: true');
      const encrypted = source.Encrypted || request.Encrypted === true || calls.state.encryptionByDefault;
      const copy: SnapshotRecord = {
        ...source, SnapshotId: hexId('snap'), Encrypted: encrypted, KmsKeyId: undefined, wrappedDataKey: undefined,
        StartTime: calls.clock.now().toISOString(), Description: request.Description ?? `Copied from ${source.SnapshotId}`,
      };
      const storage = await (await calls.store.sectors.open(source.SnapshotId, source.sectorSize)).copy(copy.SnapshotId);
      await removedUnlessRecorded(storage, async () => {
        if (encrypted) {
          const keyId = request.KmsKeyId ?? source.KmsKeyId ?? (await defaultKeyId(calls));
          const arn = calls.arn('snapshot', copy.SnapshotId);
          if (source.Encrypted) await rewrapFrom(calls, source, copy, keyId, arn, who);
          else await newDataKey(calls, copy, keyId, arn, who, storage);
        }
        await calls.commit({ snapshot: copy });
      });
      return { SnapshotId: copy.SnapshotId };
    });
  }

  deleteSnapshot(request: DeleteSnapshotRequest, caller?: Caller): Promise<DeleteSnapshotResult> {
    const { calls } = this;
    return calls.run(async () => {
      const snapshot = calls.snapshot(request.SnapshotId);
      calls.authorize(caller, 'ec2:DeleteSnapshot', calls.arn('snapshot', snapshot.SnapshotId), calls.snapshotConditions(snapshot));
      await calls.commit({ dropSnapshot: snapshot.SnapshotId }, () => void calls.snapshot(snapshot.SnapshotId));
      await (await calls.store.sectors.open(snapshot.SnapshotId, snapshot.sectorSize)).remove();
      return {};
    });
  }

  describeSnapshots(request: DescribeSnapshotsRequest = {}, caller?: Caller): Promise<DescribeSnapshotsResult> {
    const { calls } = this;
    return calls.run(async () => {
      calls.authorize(caller, 'ec2:DescribeSnapshots', '*');
      const snapshots = request.SnapshotIds === undefined ? calls.state.snapshots : request.SnapshotIds.map((id) => calls.snapshot(id));
      return { Snapshots: snapshots.map(describeSnapshot) };
    });
  }
}

function describeSnapshot(s: SnapshotRecord): Snapshot {
  return {
    SnapshotId: s.SnapshotId, VolumeId: s.VolumeId, VolumeSize: s.VolumeSize, Encrypted: s.Encrypted, KmsKeyId: s.KmsKeyId,
    StartTime: new Date(s.StartTime), State: 'completed', Description: s.Description,
  };
}
