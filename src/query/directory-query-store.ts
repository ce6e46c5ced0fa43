// A QueryService's catalog and history in a directory (kms-wasm/node): under the directory's
// "athena" write lock, each collection held in memory and written whole, atomically, to
// <name>.json as { <list>: [records in order] }, authenticated by its own MAC key
// (authenticated-metadata.ts), beside the other stores' files.

import { loadOnce } from '../core/load-once.js';
import { AuthenticatedMetadata } from '../kms/authenticated-metadata.js';
import { DirectoryLock } from '../platform/directory-lock.js';
import { StoreClosedError } from '../platform/store-errors.js';
import { MemoryQueryRecords, MemoryQueryStore } from './memory-query-store.js';
import type { QueryCollection, QueryRecords } from './query-store.js';

export class DirectoryQueryStore extends MemoryQueryStore {
  private lock: DirectoryLock | undefined;
  private closed = false;

  constructor(location: string, private readonly waitForLock = 0) {
    super(location);
  }

  private readonly locked = loadOnce(async () => {
    this.lock = await DirectoryLock.acquire(this.location, 'athena', { waitMs: this.waitForLock });
  });

  override async open<T>(collection: QueryCollection<T>): Promise<QueryRecords<T>> {
    if (this.closed) throw new StoreClosedError(this.location);
    const opened = this.collections.get(collection.name);
    if (opened) return opened as unknown as QueryRecords<T>;
    await this.locked();
    const { metadata, saved } = await AuthenticatedMetadata.open<Partial<Record<QueryCollection<T>['list'], T[]>>>(this.location, collection.name);
    const records = new MemoryQueryRecords(collection, saved?.[collection.list], (all) => {
      if (this.closed) return Promise.reject(new StoreClosedError(this.location)); // the lock is another's now
      return metadata.write({ [collection.list]: all });
    });
    this.collections.set(collection.name, records as unknown as MemoryQueryRecords<never>);
    return records;
  }

  override async close(): Promise<void> {
    await super.close();
    this.closed = true;
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release();
  }
}
