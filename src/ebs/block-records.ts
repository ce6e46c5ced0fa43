// A BlockStore's state (volumes with their attachments, snapshots, the account's EBS encryption
// settings) and the records that change it. Every change is one record; `applyBlockRecord` makes it
// in memory, copy on write (each array or volume it touches is replaced, never edited), so taking a
// change back is putting the previous top-level fields back. The directory store writes the whole
// state (ebs-state.json, the same file as ever); a shared store (PostgreSQL) writes the record's row
// and replays other processes' rows through the same function.

import type { AppliedChange } from '../core/state-change.js';
import { StoreIntegrityError } from '../platform/store-errors.js';

export interface Attachment {
  InstanceId: string;
  AttachTime: string;
  grantId?: string;
  grantToken?: string;
  /** Who attached the volume, so created the instance's grant: recorded before the grant is created. */
  attachedBy?: string;
}

/** An attachment with the volume it belongs to. */
export type VolumeAttachmentRecord = Attachment & { VolumeId: string };

export interface VolumeRecord {
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

/** A volume as its record stores it: its attachments are records of their own. */
export type SavedVolume = Omit<VolumeRecord, 'attachments'>;

export interface SnapshotRecord {
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

export interface EbsSettings {
  encryptionByDefault: boolean;
  defaultKmsKeyId?: string;
}

export interface Ec2State extends EbsSettings {
  volumes: VolumeRecord[];
  snapshots: SnapshotRecord[];
  /** Detached attachments whose grants may not be retired yet: retired again by the next opener. */
  retiring?: VolumeAttachmentRecord[];
}

/**
 * One change: a volume or snapshot written (replacing one of the same id) or removed, the settings
 * written, an attachment written or removed: attached, or (`retiring`) detached but its grant not
 * yet retired. A volume and instance may have one of each: a new attachment while the old one's
 * grant is retired is refused, but a record of both can be found after a crash.
 */
export type BlockRecord =
  | { volume: SavedVolume }
  | { dropVolume: string }
  | { snapshot: SnapshotRecord }
  | { dropSnapshot: string }
  | { settings: EbsSettings }
  | { attachment: VolumeAttachmentRecord; retiring?: true }
  | { dropAttachment: { VolumeId: string; InstanceId: string }; retiring?: true };

/** A change made in memory: the record that makes it durable, and how to take it back if that fails (core/state-change.ts, as ObjectMetadataStore's MetadataChange). */
export type BlockChange = AppliedChange<BlockRecord>;

export const emptyEc2State = (): Ec2State => ({ volumes: [], snapshots: [], encryptionByDefault: false });

/** A copy of `list` with `item` in place of the one `same` finds, or appended. */
function replaced<T>(list: T[], item: T, same: (t: T) => boolean): T[] {
  const index = list.findIndex(same);
  return index < 0 ? [...list, item] : list.map((t, i) => (i === index ? item : t));
}

/** Makes `record`'s change in `state` and returns it with its undo. `where` names the store in a StoreIntegrityError. */
export function applyBlockRecord(state: Ec2State, record: BlockRecord, where = 'BlockStore metadata'): BlockChange {
  const before: Ec2State = { ...state };
  const undo = () => {
    for (const field of ['defaultKmsKeyId', 'retiring'] as const) delete state[field];
    Object.assign(state, before);
  };
  if ('volume' in record) {
    const attachments = state.volumes.find((v) => v.VolumeId === record.volume.VolumeId)?.attachments ?? [];
    state.volumes = replaced(state.volumes, { ...record.volume, attachments }, (v) => v.VolumeId === record.volume.VolumeId);
  } else if ('dropVolume' in record) {
    state.volumes = state.volumes.filter((v) => v.VolumeId !== record.dropVolume);
  } else if ('snapshot' in record) {
    state.snapshots = replaced(state.snapshots, record.snapshot, (s) => s.SnapshotId === record.snapshot.SnapshotId);
  } else if ('dropSnapshot' in record) {
    state.snapshots = state.snapshots.filter((s) => s.SnapshotId !== record.dropSnapshot);
  } else if ('settings' in record) {
    delete state.defaultKmsKeyId;
    Object.assign(state, record.settings);
  } else if ('attachment' in record && !record.retiring) {
    const { VolumeId, ...attachment } = record.attachment;
    if (!state.volumes.some((v) => v.VolumeId === VolumeId)) throw new StoreIntegrityError(where, `attaches ${VolumeId}, a volume it does not hold`);
    state.volumes = state.volumes.map((v) => (v.VolumeId !== VolumeId ? v
      : { ...v, attachments: [...v.attachments.filter((a) => a.InstanceId !== attachment.InstanceId), attachment] }));
  } else if ('attachment' in record) { // detached: no longer attached, its grant to retire
    const { VolumeId, InstanceId } = record.attachment;
    state.volumes = state.volumes.map((v) => (v.VolumeId !== VolumeId ? v : { ...v, attachments: v.attachments.filter((a) => a.InstanceId !== InstanceId) }));
    setRetiring(state, [...(state.retiring ?? []).filter((a) => !(a.VolumeId === VolumeId && a.InstanceId === InstanceId)), record.attachment]);
  } else if (record.retiring) {
    const { VolumeId, InstanceId } = record.dropAttachment;
    setRetiring(state, (state.retiring ?? []).filter((a) => !(a.VolumeId === VolumeId && a.InstanceId === InstanceId)));
  } else {
    const { VolumeId, InstanceId } = record.dropAttachment;
    state.volumes = state.volumes.map((v) => (v.VolumeId !== VolumeId ? v : { ...v, attachments: v.attachments.filter((a) => a.InstanceId !== InstanceId) }));
  }
  return { record, undo };
}

function setRetiring(state: Ec2State, retiring: VolumeAttachmentRecord[]): void {
  if (retiring.length > 0) state.retiring = retiring;
  else delete state.retiring;
}

/** An attachment as found in a state: attached, or detached with its grant still to retire. */
export type FoundAttachment = VolumeAttachmentRecord & { retiring?: true };

/** The attachments in `state`, attached and retiring, each with its volume's id. */
export function attachmentsOf(state: Ec2State): FoundAttachment[] {
  return [...state.volumes.flatMap((v) => v.attachments.map((a) => ({ ...a, VolumeId: v.VolumeId }))),
    ...(state.retiring ?? []).map((a) => ({ ...a, retiring: true as const }))];
}
