// BlockStore reads the time from its `clock` option (as KeyManagementService does): a volume's
// CreateTime, an attachment's AttachTime and a snapshot's StartTime (also a copy's) are the
// injected clock's, exactly.
import { describe, expect, it } from 'vitest';
import { BlockStore, KeyManagementService } from '../../src/index.js';
import { movableClock } from '../helpers/movable-clock.js';

describe('BlockStore with an injected clock', () => {
  it('stamps volumes, attachments and snapshots with the clock\'s time', async () => {
    const clock = movableClock('2032-01-02T03:04:05.000Z');
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1', clock });
    const ec2 = new BlockStore({ kms, clock });
    const volume = await ec2.createVolume({ Size: 1, Encrypted: true });
    expect(volume.CreateTime).toEqual(new Date('2032-01-02T03:04:05.000Z'));

    clock.set('2032-01-03T00:00:00.000Z');
    await ec2.attachVolume({ VolumeId: volume.VolumeId, InstanceId: 'i-0123456789abcdef0' });
    try {
      const [described] = (await ec2.describeVolumes({ VolumeIds: [volume.VolumeId] })).Volumes;
      expect(described!.CreateTime).toEqual(new Date('2032-01-02T03:04:05.000Z'));
      expect(described!.Attachments.map((a) => a.AttachTime)).toEqual([new Date('2032-01-03T00:00:00.000Z')]);
    } finally {
      await ec2.detachVolume({ VolumeId: volume.VolumeId });
    }

    clock.set('2032-02-01T10:00:00.000Z');
    const snapshot = await ec2.createSnapshot({ VolumeId: volume.VolumeId });
    expect(snapshot.StartTime).toEqual(new Date('2032-02-01T10:00:00.000Z'));
    clock.set('2032-02-02T10:00:00.000Z');
    const { SnapshotId } = await ec2.copySnapshot({ SourceSnapshotId: snapshot.SnapshotId });
    const snapshots = (await ec2.describeSnapshots({ SnapshotIds: [snapshot.SnapshotId, SnapshotId] })).Snapshots;
    expect(Object.fromEntries(snapshots.map((s) => [s.SnapshotId, s.StartTime.toISOString()]))).toEqual({
      [snapshot.SnapshotId]: '2032-02-01T10:00:00.000Z', [SnapshotId]: '2032-02-02T10:00:00.000Z' });
  });
});
