// Where a BlockStore keeps its metadata (volumes, snapshots, attachments, the EBS encryption
// settings), behind one interface shaped as ObjectStore's ObjectMetadataStore: in memory
// (memory-block-metadata.ts), a directory (directory-block-metadata.ts, kms-wasm/node), or PostgreSQL (postgres-block-metadata.ts, kms-wasm/node) for
// several processes or hosts sharing one store. The store holds the current state in memory; every
// change is made by `change`, which runs the caller's decision on current state and makes it durable.

import type { BlockChange, Ec2State, FoundAttachment } from './block-records.js';
import type { SectorStorageFactory } from './sector-storage.js';

export interface BlockMetadataStore {
  /** The state, current as of the last `load()` or `change()`. */
  readonly state: Ec2State;
  /** Where volumes' and snapshots' sectors live. */
  readonly sectors: SectorStorageFactory;
  /** Where the store is, for messages (a directory, "in memory", a database and schema: never a password). */
  readonly name: string;
  /** Loads the state on first call; a shared store also catches up with other processes' changes on every call. */
  load(): Promise<void>;
  /**
   * Runs `decide` on current state — in a shared store, caught up under the store's write lock, so
   * a check in it (the volume exists, is not attached, …) holds when the change is made — and makes
   * the change it returns durable (`undefined`: nothing to change). If `decide` throws, nothing is
   * written; if the write fails, `undo` runs.
   */
  change(decide: () => BlockChange | undefined): Promise<void>;
  /**
   * Attachments whose process is gone, so no handle of them can be in use: a directory store's
   * predecessor's (found when it opened), a shared store's whose holder's database session ended.
   * The BlockStore retires each one's grant and drops it.
   */
  orphanedAttachments(): Promise<FoundAttachment[]>;
  /** Waits for pending writes and releases the store; every later call is refused with a StoreClosedError. */
  close(): Promise<void>;
}

/** An attachment's identity across reloads: the same pair attached again is another attachment. */
export const attachmentIdentity = (a: FoundAttachment) => JSON.stringify([a.VolumeId, a.InstanceId, a.retiring === true, a.AttachTime, a.attachedBy ?? null]);
