// A BlockStore's metadata in memory (the default, in every runtime): volumes, snapshots and their
// sectors live as long as the store. A change is made by its decision alone: there is nothing to
// write, so nothing to undo, and no predecessor whose attachments could be orphaned.

import { commitChange } from '../core/state-change.js';
import { StoreClosedError } from '../platform/store-errors.js';
import type { BlockMetadataStore } from './block-metadata.js';
import { emptyEc2State, type BlockChange, type Ec2State, type FoundAttachment } from './block-records.js';
import { MemorySectorStorageFactory } from './sector-storage.js';

export class MemoryBlockMetadata implements BlockMetadataStore {
  readonly state: Ec2State = emptyEc2State();
  readonly sectors = new MemorySectorStorageFactory();
  readonly name = 'in memory';
  private closed = false;

  async load(): Promise<void> {
    if (this.closed) throw new StoreClosedError(this.name);
  }

  async change(decide: () => BlockChange | undefined): Promise<void> {
    await this.load();
    await commitChange(() => decide() ?? { record: undefined }); // nothing to persist: made as every store makes its changes
  }

  async orphanedAttachments(): Promise<FoundAttachment[]> {
    await this.load();
    return [];
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
