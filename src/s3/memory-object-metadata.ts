// An ObjectStore's metadata in memory (the default, in every runtime): buckets and version records
// live as long as the store, with bodies in memory and a fresh SSE-S3 root key. A change is made by
// its decision alone: there is nothing to write, so nothing to undo.

import { commitChange } from '../core/state-change.js';
import { StoreClosedError } from '../platform/store-errors.js';
import { MemoryBodies } from './object-bodies.js';
import type { MetadataChange, ObjectMetadataStore } from './object-metadata.js';
import type { Bucket } from './object-records.js';
import { SseS3Keyring } from './sse-s3-keyring.js';
import type { StoredUpload } from './upload-records.js';

export class MemoryObjectMetadata implements ObjectMetadataStore {
  readonly buckets = new Map<string, Bucket>();
  readonly uploads = new Map<string, StoredUpload>();
  readonly bodies = new MemoryBodies();
  readonly sseS3 = new SseS3Keyring(crypto.getRandomValues(new Uint8Array(32)));
  private closed = false;

  async load(): Promise<void> {
    if (this.closed) throw new StoreClosedError('in memory');
  }

  change(decide: () => MetadataChange): Promise<void> {
    return commitChange(decide);
  }

  async rotateSseS3RootKey(): Promise<{ RootKeyId: string }> {
    await this.load();
    await this.sseS3.rotate(async () => undefined);
    return { RootKeyId: this.sseS3.currentKeyId };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
