// An ObjectStore's metadata in a directory (kms-wasm/node): buckets and version records in memory,
// kept as a journal of records (s3-journal.log, each line authenticated: see object-journal.ts)
// plus one body file per version; and the SSE-S3 root keys (a 0600 file of 32-byte versions in the
// directory store, its first version created race-free). A directory store takes the directory's
// write lock (directory-lock.ts) before it reads anything, and on open removes what a crash left
// behind: temporary files, bodies that neither a version nor a part of an upload in progress names
// (uploads are journal records too, so they survive a restart). A store written as one s3-state.json (kms-wasm 0.1)
// is carried over to the journal on its first open.

import { loadOnce } from '../core/load-once.js';
import { commitChange } from '../core/state-change.js';
import { atomicWriteFile, createFileExclusive, removeFiles, temporaryFilesOf } from '../platform/atomic-file.js';
import { AuthenticatedMetadata } from '../kms/authenticated-metadata.js';
import { DirectoryLock } from '../platform/directory-lock.js';
import { StoreClosedError, StoreIntegrityError } from '../platform/store-errors.js';
import { DirectoryBodies } from './directory-bodies.js';
import { journalFile, ObjectJournal } from './object-journal.js';
import { bucketRecord, putRecord, restoreBucket, restoreVersion, type MetadataChange, type ObjectMetadataStore, type ObjectRecord, type SavedBucket, type SavedVersion } from './object-metadata.js';
import { versionBodyIds, type Bucket } from './object-records.js';
import { SseS3Keyring } from './sse-s3-keyring.js';
import { applyUploadRecord, isUploadRecord, liveUploadRecords, partBodyIds, type StoredUpload } from './upload-records.js';

/** s3-state.json of kms-wasm 0.1. */
interface SavedState { buckets: Array<SavedBucket & { objects: Array<[string, SavedVersion[]]> }> }

/** An ObjectStore's metadata in a directory (`dir`). */
export class DirectoryObjectMetadata implements ObjectMetadataStore {
  readonly buckets = new Map<string, Bucket>();
  readonly uploads = new Map<string, StoredUpload>();
  readonly bodies: DirectoryBodies;
  private keyring: SseS3Keyring | undefined;
  private journal: ObjectJournal<ObjectRecord> | undefined;
  /** The journal's line count at which the share of superseded lines is next looked at. */
  private nextCompactionCheck = 0;
  private lock: DirectoryLock | undefined;
  private closed = false;

  /** `waitForLock`: milliseconds to wait for another writer of `dir` to release it. */
  constructor(private readonly dir: string, private readonly waitForLock = 0) {
    this.bodies = new DirectoryBodies(`${dir}/objects`);
  }

  /** The SSE-S3 keyring (after `load()`). */
  get sseS3(): SseS3Keyring {
    if (!this.keyring) throw new Error('DirectoryObjectMetadata used before load()');
    return this.keyring;
  }

  /**
   * Loads the directory's records and SSE-S3 root key on first use.
   * The root key file is created with mode 0600 and never leaves the store.
   */
  load(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreClosedError(this.dir));
    return this.loadState();
  }

  /** Releases the directory's lock once pending writes are done; every later call is refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.journal?.flush();
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release();
  }

  private readonly loadState = loadOnce(async () => {
    this.lock ??= await DirectoryLock.acquire(this.dir, 's3', { waitMs: this.waitForLock });
    const fs = await import('node:fs/promises');
    const rootFile = `${this.dir}/sse-s3-root.key`;
    await removeFiles(this.dir, temporaryFilesOf(['sse-s3-root.key', 's3-journal.log', 's3-state.json', 's3-state.key']));
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
    const records = await this.openJournal(fs);
    for (const record of records) this.apply(record);
    this.nextCompactionCheck = records.length;
    await this.compactIfWorthIt();
    const named = new Set(versionBodyIds(this.buckets).concat(partBodyIds(this.uploads)));
    await this.bodies.removeAllBut(named);
  });

  /**
   * The journal's records. A new store: an empty journal, written before its key (so a crash between
   * the two cannot leave a key without a journal, which is how a deleted journal is told apart). A
   * kms-wasm 0.1 store: its s3-state.json (authenticated as ever) becomes the journal, then goes.
   */
  private async openJournal(fs: typeof import('node:fs/promises')): Promise<ObjectRecord[]> {
    const dir = this.dir;
    const exists = (file: string) => fs.access(file).then(() => true, () => false);
    const secretFile = `${dir}/s3-state.key`;
    const legacyFile = `${dir}/s3-state.json`;
    if (await exists(journalFile(dir))) {
      const { journal, entries } = await ObjectJournal.open<ObjectRecord>(dir, secretFile);
      this.journal = journal;
      await fs.rm(legacyFile, { force: true }); // a migration that crashed after writing the journal
      return entries;
    }
    if (await exists(legacyFile)) {
      const { saved } = await AuthenticatedMetadata.open<SavedState>(dir, 's3-state');
      const records: ObjectRecord[] = (saved?.buckets ?? []).flatMap(({ objects, ...bucket }) => [
        { bucket },
        ...objects.flatMap(([key, versions]) => versions.map((version): ObjectRecord => ({ put: { bucket: bucket.name, key, version } }))),
      ]);
      this.journal = await ObjectJournal.create(dir, secretFile, records);
      await fs.rm(legacyFile);
      return records;
    }
    if (await exists(secretFile)) throw new StoreIntegrityError(journalFile(dir), 'is missing, though the store was created: it was removed');
    this.journal = await ObjectJournal.create<ObjectRecord>(dir, secretFile, []);
    return [];
  }

  /** Applies a journal record to the buckets in memory: the same change the call that wrote it made. */
  private apply(record: ObjectRecord): void {
    if (isUploadRecord(record)) {
      applyUploadRecord(this.uploads, record, (message) => new StoreIntegrityError(journalFile(this.dir), message));
      return;
    }
    if ('bucket' in record) {
      restoreBucket(this.buckets, record.bucket);
      return;
    }
    if ('dropBucket' in record) {
      const bucket = this.buckets.get(record.dropBucket.name);
      if (!bucket || bucket.objects.size > 0) throw new StoreIntegrityError(journalFile(this.dir), `removes a bucket ${record.dropBucket.name} that is missing or not empty`);
      this.buckets.delete(bucket.name);
      return;
    }
    const { bucket: name, key } = 'put' in record ? record.put : record.drop;
    const bucket = this.buckets.get(name);
    if (!bucket) throw new StoreIntegrityError(journalFile(this.dir), `names a bucket ${name} it never created`);
    const versionId = 'put' in record ? record.put.version.versionId : record.drop.versionId;
    const kept = versionId === undefined ? [] : (bucket.objects.get(key) ?? []).filter((v) => v.versionId !== versionId);
    if ('put' in record) kept.push(restoreVersion(record.put.version));
    if (kept.length > 0) bucket.objects.set(key, kept);
    else bucket.objects.delete(key);
    if ('put' in record && record.put.completes !== undefined) this.uploads.delete(record.put.completes);
  }

  /**
   * Rotates the SSE-S3 root key: objects written from now on use a new root key version; existing
   * objects keep decrypting with the version their header names. Returns the new version's id.
   */
  async rotateSseS3RootKey(): Promise<{ RootKeyId: string }> {
    await this.load();
    await this.sseS3.rotate((all) => atomicWriteFile(`${this.dir}/sse-s3-root.key`, all));
    return { RootKeyId: this.sseS3.currentKeyId };
  }

  /**
   * Makes the change `decide` makes in memory durable: one journal line, whatever the store's size.
   * Records are written in call order; a failed write leaves no line, and the change is undone.
   */
  async change(decide: () => MetadataChange): Promise<void> {
    await commitChange(decide, (record) => this.journal!.append(record));
    await this.compactIfWorthIt();
  }

  /** Compacts the journal once superseded records dominate (looked at each time the journal has grown by its live size). */
  private async compactIfWorthIt(): Promise<void> {
    const journal = this.journal!;
    if (journal.lineCount < this.nextCompactionCheck) return;
    let live = liveUploadRecords(this.uploads).length;
    for (const bucket of this.buckets.values()) {
      live += 1;
      for (const versions of bucket.objects.values()) live += versions.length;
    }
    this.nextCompactionCheck = journal.lineCount + Math.max(live, 1024);
    await journal.compact(() => [...this.buckets.values()].flatMap((bucket) => [bucketRecord(bucket),
      ...[...bucket.objects.entries()].flatMap(([key, versions]) => versions.map((v) => putRecord(bucket, key, v)))]).concat(liveUploadRecords(this.uploads)));
  }
}
