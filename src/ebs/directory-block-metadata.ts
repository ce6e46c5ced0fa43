// A BlockStore's metadata in a directory (kms-wasm/node): ebs-state.json (authenticated, see
// authenticated-metadata.ts, rewritten whole on every change: volumes and snapshots are few) and
// one sparse file of sectors per volume and snapshot (sectors/). A directory store takes the
// directory's write lock (directory-lock.ts) before it reads anything; on open it removes sector
// files that no volume or snapshot names (copies a crash cut short, files of removed ones), and every
// attachment it finds was its dead predecessor's, so is orphaned.

import { AuthenticatedMetadata } from '../kms/authenticated-metadata.js';
import { loadOnce } from '../core/load-once.js';
import { commitChange } from '../core/state-change.js';
import { DirectoryLock } from '../platform/directory-lock.js';
import { StoreClosedError } from '../platform/store-errors.js';
import { attachmentIdentity, type BlockMetadataStore } from './block-metadata.js';
import { attachmentsOf, emptyEc2State, type BlockChange, type Ec2State, type FoundAttachment } from './block-records.js';
import { FileSectorStorageFactory } from './file-sector-storage.js';

/** A BlockStore's metadata in a directory (`dir`). */
export class DirectoryBlockMetadata implements BlockMetadataStore {
  readonly state: Ec2State = emptyEc2State();
  readonly sectors: FileSectorStorageFactory;
  private metadata: AuthenticatedMetadata<Ec2State> | undefined;
  private lock: DirectoryLock | undefined;
  private closed = false;
  /** The attachments found on open (identities): those still recorded are orphaned. */
  private readonly predecessors = new Set<string>();

  /** `waitForLock`: milliseconds to wait for another writer of `dir` to release it. */
  constructor(readonly name: string, private readonly waitForLock = 0) {
    this.sectors = new FileSectorStorageFactory(`${name}/sectors`);
  }

  load(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreClosedError(this.name));
    return this.loadState();
  }

  private readonly loadState = loadOnce(async () => {
    this.lock ??= await DirectoryLock.acquire(this.name, 'ebs', { waitMs: this.waitForLock });
    const { saved, metadata } = await AuthenticatedMetadata.open<Ec2State>(this.name, 'ebs-state');
    this.metadata = metadata;
    Object.assign(this.state, saved);
    for (const attachment of attachmentsOf(this.state)) this.predecessors.add(attachmentIdentity(attachment));
    await this.sectors.removeAllBut(new Set([...this.state.volumes.map((v) => v.VolumeId), ...this.state.snapshots.map((s) => s.SnapshotId)]));
  });

  async change(decide: () => BlockChange | undefined): Promise<void> {
    await this.load();
    // The whole state is the record: written as it is now, with the change in it (none: nothing to write).
    await commitChange(() => decide() ?? { record: undefined }, async (record) => {
      if (record) await this.metadata!.write(this.state);
    });
  }

  async orphanedAttachments(): Promise<FoundAttachment[]> {
    await this.load();
    return attachmentsOf(this.state).filter((a) => this.predecessors.has(attachmentIdentity(a)));
  }

  /** Releases the directory's lock; every later call is refused. The caller has ended its attachments. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release();
  }
}
