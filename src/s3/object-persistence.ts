// An ObjectStore's state and where it lives: buckets and version records in memory, or in a
// directory as metadata (s3-state.json, authenticated: see authenticated-metadata.ts) plus one body
// file per version, both written atomically; and the SSE-S3 root keys (a 0600 file of 32-byte
// versions in the directory store, its first version created race-free). A directory store takes
// the directory's write lock (directory-lock.ts) before it reads anything, and on open removes what
// a crash left behind: temporary files, bodies no version names, parts of unfinished uploads (which
// live in memory only, so none survives its process).

import { loadOnce } from '../core/load-once.js';
import { SerialQueue } from '../core/serial-queue.js';
import { atomicWriteFile, createFileExclusive, removeFiles, temporaryFilesOf } from '../kms/atomic-file.js';
import { AuthenticatedMetadata } from '../kms/authenticated-metadata.js';
import { DirectoryLock } from '../kms/directory-lock.js';
import { StoreClosedError } from '../kms/store-errors.js';
import { parsePolicy } from '../policy/index.js';
import { DirectoryBodies, MemoryBodies, type ObjectBodies } from './object-bodies.js';
import type { Bucket, EncryptionRule, StoredObject } from './object-records.js';
import { SseS3Keyring } from './sse-s3-keyring.js';

interface SavedState {
  buckets: Array<{ name: string; owner: string; created: string; rule?: EncryptionRule; policy?: string; versioning?: 'Enabled' | 'Suspended';
    objects: Array<[string, Array<Omit<StoredObject, 'lastModified'> & { lastModified: string }>]> }>;
}

export class ObjectPersistence {
  readonly buckets = new Map<string, Bucket>();
  readonly bodies: ObjectBodies;
  private keyring: SseS3Keyring | undefined;
  private readonly saves = new SerialQueue();
  private metadata: AuthenticatedMetadata<SavedState> | undefined;
  private lock: DirectoryLock | undefined;
  private closed = false;

  /** `waitForLock`: milliseconds to wait for another writer of `dir` to release it. */
  constructor(private readonly dir: string | undefined, private readonly waitForLock = 0) {
    this.bodies = dir ? new DirectoryBodies(`${dir}/objects`) : new MemoryBodies();
  }

  /** The SSE-S3 keyring (after `load()`). */
  get sseS3(): SseS3Keyring {
    if (!this.keyring) throw new Error('ObjectPersistence used before load()');
    return this.keyring;
  }

  /**
   * Loads the directory's metadata and SSE-S3 root key on first use (in memory: a fresh root key).
   * The root key file is created with mode 0600 and never leaves the store.
   */
  load(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreClosedError(this.dir ?? 'in memory'));
    return this.loadState();
  }

  /** Releases the directory's lock once pending saves are done; every later call is refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.saves.run(async () => undefined);
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release();
  }

  private readonly loadState = loadOnce(async () => {
    if (!this.dir) {
      this.keyring = new SseS3Keyring(crypto.getRandomValues(new Uint8Array(32)));
      return;
    }
    this.lock ??= await DirectoryLock.acquire(this.dir, 's3', { waitMs: this.waitForLock });
    const fs = await import('node:fs/promises');
    const rootFile = `${this.dir}/sse-s3-root.key`;
    await removeFiles(this.dir, temporaryFilesOf(['sse-s3-root.key']));
    const readRoot = () => fs.readFile(rootFile).then((bytes) => new Uint8Array(bytes), (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    let root = await readRoot();
    if (!root) {
      const first = crypto.getRandomValues(new Uint8Array(32));
      await createFileExclusive(rootFile, first);
      first.fill(0);
      root = (await readRoot())!;
    }
    this.keyring = new SseS3Keyring(root);
    root.fill(0);
    const { metadata, saved } = await AuthenticatedMetadata.open<SavedState>(this.dir, 's3-state');
    this.metadata = metadata;
    for (const b of saved?.buckets ?? []) {
      this.buckets.set(b.name, {
        ...b, created: new Date(b.created), policy: b.policy === undefined ? undefined : { text: b.policy, document: parsePolicy(b.policy, true) },
        objects: new Map(b.objects.map(([key, versions]) => [key, versions.map((v) => ({ ...v, lastModified: new Date(v.lastModified) }))])),
      });
    }
    const named = new Set([...this.buckets.values()].flatMap((b) => [...b.objects.values()].flat().map((v) => v.bodyId)));
    await (this.bodies as DirectoryBodies).removeAllBut(named);
  });

  /**
   * Rotates the SSE-S3 root key: objects written from now on use a new root key version; existing
   * objects keep decrypting with the version their header names. Returns the new version's id.
   */
  async rotateSseS3RootKey(): Promise<{ RootKeyId: string }> {
    await this.load();
    const dir = this.dir;
    await this.sseS3.rotate(async (all) => {
      if (dir) await atomicWriteFile(`${dir}/sse-s3-root.key`, all);
    });
    return { RootKeyId: this.sseS3.currentKeyId };
  }

  /**
   * Writes the metadata (after the bodies it names); saves run one after another, each writing the
   * latest state, whether or not the one before it failed (a failed save must not fail every later one).
   */
  save(): Promise<void> {
    if (!this.metadata) return Promise.resolve();
    const metadata = this.metadata;
    return this.saves.run(async () => {
      const state: SavedState = { buckets: [...this.buckets.values()].map((b) => ({
        name: b.name, owner: b.owner, created: b.created.toISOString(), rule: b.rule, policy: b.policy?.text, versioning: b.versioning,
        objects: [...b.objects.entries()].map(([key, versions]) => [key, versions.map((v) => ({ ...v, lastModified: v.lastModified.toISOString() }))]),
      })) };
      await metadata.write(state);
    });
  }

}
