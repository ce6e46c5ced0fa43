// An ObjectStore's state and where it lives: buckets and version records in memory, or in a
// directory as metadata (s3-state.json) plus one body file per version, both written atomically;
// and the SSE-S3 root keys (a 0600 file of 32-byte versions in the directory store).

import { loadOnce } from '../core/load-once.js';
import { SerialQueue } from '../core/serial-queue.js';
import { atomicWriteFile } from '../kms/atomic-file.js';
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

  constructor(private readonly dir: string | undefined) {
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
    return this.loadState();
  }

  private readonly loadState = loadOnce(async () => {
    if (!this.dir) {
      this.keyring = new SseS3Keyring(crypto.getRandomValues(new Uint8Array(32)));
      return;
    }
    const fs = await import('node:fs/promises');
    const rootFile = `${this.dir}/sse-s3-root.key`;
    let root: Uint8Array;
    try {
      root = new Uint8Array(await fs.readFile(rootFile));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      root = crypto.getRandomValues(new Uint8Array(32));
      await atomicWriteFile(rootFile, root);
    }
    this.keyring = new SseS3Keyring(root);
    let saved: SavedState | undefined;
    try {
      saved = JSON.parse(await fs.readFile(`${this.dir}/s3-state.json`, 'utf8')) as SavedState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const b of saved?.buckets ?? []) {
      this.buckets.set(b.name, {
        ...b, created: new Date(b.created), policy: b.policy === undefined ? undefined : { text: b.policy, document: parsePolicy(b.policy, true) },
        objects: new Map(b.objects.map(([key, versions]) => [key, versions.map((v) => ({ ...v, lastModified: new Date(v.lastModified) }))])),
      });
    }
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
    if (!this.dir) return Promise.resolve();
    const dir = this.dir;
    return this.saves.run(async () => {
      const state: SavedState = { buckets: [...this.buckets.values()].map((b) => ({
        name: b.name, owner: b.owner, created: b.created.toISOString(), rule: b.rule, policy: b.policy?.text, versioning: b.versioning,
        objects: [...b.objects.entries()].map(([key, versions]) => [key, versions.map((v) => ({ ...v, lastModified: v.lastModified.toISOString() }))]),
      })) };
      await atomicWriteFile(`${dir}/s3-state.json`, new TextEncoder().encode(JSON.stringify(state)));
    });
  }

}
