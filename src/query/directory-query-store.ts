// A QueryService's catalog and history in a directory (kms-wasm/node): under the directory's
// "athena" write lock, each document in <name>.json authenticated by its own MAC key
// (authenticated-metadata.ts) and written atomically, beside the other stores' files.

import { loadOnce } from '../core/load-once.js';
import { AuthenticatedMetadata } from '../kms/authenticated-metadata.js';
import { DirectoryLock } from '../platform/directory-lock.js';
import type { QueryDocument, QueryDocumentName, QueryStore } from './query-store.js';

export class DirectoryQueryStore implements QueryStore {
  private lock: DirectoryLock | undefined;

  constructor(readonly location: string, private readonly waitForLock = 0) {}

  private readonly locked = loadOnce(async () => {
    this.lock = await DirectoryLock.acquire(this.location, 'athena', { waitMs: this.waitForLock });
  });

  async open<T>(name: QueryDocumentName): Promise<QueryDocument<T>> {
    await this.locked();
    const { metadata, saved } = await AuthenticatedMetadata.open<T>(this.location, name);
    return { saved, write: (value) => metadata.write(value) };
  }

  async close(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release();
  }
}
