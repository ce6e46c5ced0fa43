// A KeyStore in a directory, for Node: the persistent store of an embedded KMS.
//
//   root.key        32 random bytes, created with mode 0600 (or, with a passphrase:)
//   root.salt       16 random bytes; the root key is scrypt(passphrase, salt, N=2^17, r=8, p=1)
//   kms-state.bin   "KMSWASM1" ‖ IV (12) ‖ AES-256-GCM(root key, JSON snapshot) ‖ tag, AAD = "KMSWASM1";
//                   the snapshot names the audit record it reflects the state up to (its journal mark)
//   audit.log       one line per record: "@" base64(IV ‖ AES-256-GCM(root key, JSON record) ‖ tag), AAD =
//                   "KMSWASM1 audit"; appended and fsynced, the records of several calls in one write
//                   when they come together (the HMAC chain inside each record catches removed or
//                   reordered lines); opened from its end; see audit-log-file.ts for torn writes and damage.
//                   The record of a call that changed something also holds, sealed with it, the
//                   records it changed: the log is the store's journal
//   audit-<first>-<end>.log  audit.log once full, archived (audit-segments.ts)
//   locks/          the write lock (directory-lock.ts): one process writes a store at a time
//
// A change and its audit record are one line, made durable by one fsync: a crash leaves both or
// neither, never a change without its record (writing the state first left one, 3 times in 60
// kills; writing the record first would leave a record of a change that never happened). The state
// file is rewritten as a checkpoint every 64 changes (or sooner once 4,096 records have passed);
// reading the store applies the changes of the records after the snapshot's mark, up to the last one.
//
// Writes go to a temporary file that is fsynced and renamed over the old one (then the directory is
// fsynced), so a crash leaves either the old or the new state. A store file that is truncated,
// corrupted or sealed under another root key is refused with a StoreIntegrityError and never
// overwritten. A read-only store takes no lock, so it can inspect (verify the audit trail, list its
// records) a store that a running process writes; it never creates or writes anything.
// Node modules are imported on first use, so this file does not stop the bundle loading in browsers.

import { scryptAsync } from '@noble/hashes/scrypt.js';
import { base64ToBytes, bytesToBase64 } from '../core/base64.js';
import { concatBytes } from '../core/bytes.js';
import { gcm, preparedGcm } from '../core/gcm.js';
import { PreparedGcmKey } from '../core/gcm-state.js';
import { loadOnce } from '../core/load-once.js';
import { atomicWriteFile, readOrCreateSecret, readSecret, removeFiles, renameDurably, temporaryFilesOf } from '../platform/atomic-file.js';
import { ACTIVE_SEGMENT, archivedName, segmentBefore, segmentsOf, type Segment } from './audit-segments.js';
import { auditLine, readAuditLines, readAuditTail, type AuditLogEnd } from './audit-log-file.js';
import { DirectoryLock } from '../platform/directory-lock.js';
import { kmsError } from './kms-errors.js';
import { randomBytes } from './random-pool.js';
import { chainRecords, deriveAuditKey, type AuditEvent } from './audit-trail.js';
import {
  GENESIS_MAC, type AuditHead, type AuditPosition, type AuditRecord, type KeyStore, type StateChange, type StoreChanges, type StoreSnapshot,
  type StoredAuditRecord,
} from './key-store.js';
import { StoreClosedError, StoreIntegrityError } from '../platform/store-errors.js';

const encoder = new TextEncoder();
const MAGIC = encoder.encode('KMSWASM1');
const STATE_FILE = 'kms-state.bin';
const ROOT_KEY_FILE = 'root.key';
const AUDIT_AAD = new TextEncoder().encode('KMSWASM1 audit');
const SALT_FILE = 'root.salt';

export interface FileKeyStoreOptions {
  /** The directory holding the store (created if missing). */
  directory: string;
  /** Derive the root key from this passphrase (scrypt) instead of keeping a root key file. */
  passphrase?: string;
  /** Open without the write lock, alongside a writer: reads only; commit() is refused. */
  readOnly?: boolean;
  /** Milliseconds to wait for another writer to release the store (default 0: refuse at once with a StoreLockedError). */
  waitForLock?: number;
  /** Once audit.log holds this many bytes or more it is archived and a new one begun (default 64 MiB); see audit-segments.ts. */
  auditSegmentBytes?: number;
}

const DEFAULT_AUDIT_SEGMENT_BYTES = 64 * 2 ** 20;
/** See checkpointDue(). */
const CHECKPOINT_CHANGES = 64;
const CHECKPOINT_RECORDS = 4096;

type Fs = typeof import('node:fs/promises');
type FileHandle = import('node:fs/promises').FileHandle;
type Path = typeof import('node:path');

/** Imported on first use and kept: an import() of a loaded module still costs a trip through the module loader, at every commit. */
const nodeModules = loadOnce(async (): Promise<{ fs: Fs; path: Path }> => {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  return { fs, path };
});

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

/**
 * A line of the log: an audit record and, for a call that changed something, the records it changed;
 * and (from the version that wrote changes into the log) the journal mark's count of the last line
 * holding changes, so that opening a store knows from the log's last line alone whether the state
 * file holds every change.
 */
interface JournalEntry {
  record: AuditRecord;
  changes?: StoreChanges;
  lastChange?: number;
}

/** The state file's content: the records, and the audit record (its count and where the next one starts) they are current up to. */
interface SavedState extends StoreSnapshot {
  journal?: AuditPosition;
}

/** Applies the changes a journal entry holds to a snapshot. */
function replay(state: StoreSnapshot, changes: StoreChanges): StoreSnapshot {
  const apply = <T>(records: T[], { put, deleted }: { put: T[]; deleted: string[] }, idOf: (record: T) => string) => {
    const byId = new Map(records.map((r) => [idOf(r), r]));
    for (const id of deleted) byId.delete(id);
    for (const record of put) byId.set(idOf(record), record);
    return [...byId.values()];
  };
  return {
    keys: apply(state.keys, changes.keys, (k) => k.keyId),
    aliases: apply(state.aliases, changes.aliases, (a) => a.aliasName),
    grants: apply(state.grants, changes.grants, (g) => g.grantId),
  };
}

export class FileKeyStore implements KeyStore {
  private readonly directory: string;
  private readonly passphrase: string | undefined;
  private readonly readOnly: boolean;
  private readonly waitForLock: number;
  /** Takes the lock (unless read-only) and loads the root key; a failed open is tried again on the next call. */
  private readonly opened = loadOnce(() => this.open());
  private lock: DirectoryLock | undefined;
  private closed = false;
  /** Where the active audit segment's good content ends, once read: appends go there. */
  private auditEnd: AuditLogEnd | undefined;
  /** The active audit segment, open for appends from the first one on. */
  private activeSegment: FileHandle | undefined;
  private appending: Promise<unknown> = Promise.resolve();
  /** The sequence number of the active segment's first record. */
  private activeFirst: number | undefined;
  /** The chain's head as this (writing) store holds it durably, once read: what auditHead() reports. */
  private head: AuditHead | undefined;
  /**
   * The head records are chained to, once one is appended: past `head` while appends are written but
   * not yet durable (a group's write may start while the group before it is being fsynced: see
   * append), equal to it otherwise, and put back with the log's end when an append fails.
   */
  private chainHead: AuditHead | undefined;
  /** Settles once every append so far is durable; rejects if one failed, so the appends written after it fail too. */
  private lastDurable: Promise<void> = Promise.resolve();
  /** Appends written or being written and not yet durable or failed. */
  private appendsInFlight = 0;
  /** The journal mark's count of the log's last line holding changes (0 for none), as the log's last line says. */
  private lastChange: number | undefined;
  private readonly auditSegmentBytes: number;
  /** The count of records the state file holds the changes of (known once read() has run), and the changes since. */
  private checkpointed: number | undefined;
  private changesSinceCheckpoint = 0;
  /** Derived from the root key when the store opens, as the other stores derive theirs. */
  private auditKey: Uint8Array | undefined;
  /** The root key prepared once for sealing the log's lines (set up per line, it was a fifth of an append's work); zeroed on close. */
  private lineKey: PreparedGcmKey | undefined;

  constructor(options: FileKeyStoreOptions) {
    if (typeof options?.directory !== 'string' || options.directory.length === 0) {
      throw kmsError('ValidationException', 'directory: expected a path');
    }
    if (options.passphrase !== undefined && (typeof options.passphrase !== 'string' || options.passphrase.length < 8)) {
      throw kmsError('ValidationException', 'passphrase: expected a string of at least 8 characters');
    }
    if (options.waitForLock !== undefined && !(Number.isSafeInteger(options.waitForLock) && options.waitForLock >= 0)) {
      throw kmsError('ValidationException', 'waitForLock: expected a whole number of milliseconds, 0 or more');
    }
    this.directory = options.directory;
    this.passphrase = options.passphrase;
    this.readOnly = options.readOnly === true;
    this.waitForLock = options.waitForLock ?? 0;
    if (options.auditSegmentBytes !== undefined && !(Number.isSafeInteger(options.auditSegmentBytes) && options.auditSegmentBytes > 0)) {
      throw kmsError('ValidationException', 'auditSegmentBytes: expected a whole number of bytes, 1 or more');
    }
    this.auditSegmentBytes = options.auditSegmentBytes ?? DEFAULT_AUDIT_SEGMENT_BYTES;
  }

  /** Opened once (an open that fails is tried again on the next call). */
  async rootKey(): Promise<Uint8Array> {
    if (this.closed) throw new StoreClosedError(this.directory);
    return this.opened();
  }

  /** Releases the write lock; every later call is refused with a StoreClosedError. */
  async close(): Promise<void> {
    this.closed = true;
    await this.appending; // an append in flight finishes on the open segment
    await this.closeActiveSegment();
    this.lineKey?.dispose();
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release();
  }

  /** The snapshot, with the changes of the journal entries after its mark applied (a crash or a failed write came between). */
  async read(): Promise<StoreSnapshot | undefined> {
    const saved = await this.readState();
    let state: StoreSnapshot | undefined = saved && { keys: saved.keys, aliases: saved.aliases, grants: saved.grants };
    await this.auditHead(); // the log's last line says where its last change is
    const mark = saved === undefined ? { count: 0, position: 0 } : saved.journal;
    this.checkpointed = saved?.journal?.count; // none yet (a new store, or one of kms-wasm 0.1): the first change writes one
    if (mark === undefined || this.lastChange! <= mark.count) return state; // the state file holds every change (or predates the journal)
    for await (const { record, changes } of this.readJournal(mark)) {
      if (changes) state = replay(state ?? { keys: [], aliases: [], grants: [] }, changes);
      if (record.sequence !== undefined && record.sequence + 1 >= this.lastChange!) break; // the records after the last change change nothing
    }
    return state;
  }

  /**
   * Appends the records (and the change, sealed with its record) in one write and one fsync (group
   * commit), then rewrites the state file as a checkpoint; then, if the active segment is full, it
   * is archived.
   */
  async commit(events: AuditEvent[], change?: StateChange, written?: () => void): Promise<number> {
    const rootKey = await this.writable();
    const head = this.chainHead ?? this.head ?? await this.auditHead(); // refuses a damaged end of the log before anything is written to it
    const { records, head: after } = chainRecords(head, this.auditKey!, change ? [...events, change.event] : events);
    const entries: JournalEntry[] = records.map((record) => ({ record, lastChange: this.lastChange }));
    if (change) Object.assign(entries[entries.length - 1]!, { changes: change.changes, lastChange: after.count });
    const appended = this.append(rootKey, entries, head, after, written);
    this.appending = appended.catch(() => undefined);
    const mark = { count: after.count, position: await appended };
    if (change) {
      this.lastChange = after.count;
      this.changesSinceCheckpoint++;
    }
    if (change && this.checkpointDue(after.count)) {
      try {
        await this.writeState(rootKey, { ...change.state(), journal: mark });
        this.checkpointed = after.count;
        this.changesSinceCheckpoint = 0;
      } catch {
        // The change is durable in the journal (read() applies it) and the next checkpoint holds it: the call has succeeded.
      }
    }
    if (this.appendsInFlight === 0) await this.rotateIfFull(after); // never under a later append still on the segment
    return 0;
  }

  /**
   * Whether this change rewrites the state file. Rewriting it costs time in proportion to the whole
   * store, so it is done once per CHECKPOINT_CHANGES changes, or at the first change after
   * CHECKPOINT_RECORDS records: opening the store then replays at most that many changes, reading at
   * most that many lines past its checkpoint (read() stops at the last change).
   */
  private checkpointDue(count: number): boolean {
    return this.checkpointed === undefined || this.changesSinceCheckpoint >= CHECKPOINT_CHANGES || count - this.checkpointed >= CHECKPOINT_RECORDS;
  }

  private async readState(): Promise<SavedState | undefined> {
    const rootKey = await this.rootKey();
    const { fs, path } = await nodeModules();
    const file = path.join(this.directory, STATE_FILE);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await fs.readFile(file));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    if (bytes.length < MAGIC.length + 12 + 16 || !MAGIC.every((b, i) => bytes[i] === b)) throw new StoreIntegrityError(file, 'is truncated or is not a kms-wasm key store');
    let json: Uint8Array;
    try {
      json = gcm(rootKey, bytes.subarray(8, 20), MAGIC, { constantTime: true }).decrypt(bytes.subarray(20));
    } catch {
      throw new StoreIntegrityError(file, 'does not authenticate: it is corrupted, or sealed under another root key or passphrase');
    }
    return JSON.parse(new TextDecoder().decode(json)) as SavedState;
  }

  /** Seals and replaces the whole state file (atomically: temp file, fsync, rename). */
  private async writeState(rootKey: Uint8Array, state: SavedState): Promise<void> {
    const { path } = await nodeModules();
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = gcm(rootKey, iv, MAGIC, { constantTime: true }).encrypt(new TextEncoder().encode(JSON.stringify(state)));
    await atomicWriteFile(path.join(this.directory, STATE_FILE), concatBytes([MAGIC, iv, sealed]));
  }

  /**
   * From the log's end only (the last record carries its sequence number): the active segment's, or
   * if it has no record yet the newest archived one's. A log of records without sequence numbers is
   * counted once, line by line.
   */
  async auditHead(): Promise<AuditHead> {
    if (this.head) return { ...this.head };
    const head = await this.readAuditHead();
    if (!this.readOnly) this.head = head; // only this store writes the log: its head stays current (a read-only one reads it each time)
    return { ...head };
  }

  private async readAuditHead(): Promise<AuditHead> {
    const open = this.openEntry(await this.rootKey());
    const segments = await this.auditSegments();
    const active = segments.at(-1)!;
    const tail = await this.withFile(active.name, (file, handle, size) => readAuditTail(file, handle, size, open));

    this.auditEnd = tail?.end ?? { bytes: 0, newline: true };
    this.activeFirst = active.first;
    let lastEntry = tail?.last;
    const archived = segments.at(-2);
    if (lastEntry === undefined && archived !== undefined) {
      lastEntry = await this.withFile(archived.name, async (file, handle, size) => {
        const { last: record, end } = await readAuditTail(file, handle, size, open);
        if (record === undefined || end.bytes !== size || !end.newline) throw new StoreIntegrityError(file, 'is an archived segment that does not end in a whole record: the log is damaged');
        return record;
      });
      if (lastEntry === undefined) throw new StoreIntegrityError(archived.name, 'is missing');
    }
    this.lastChange = lastEntry?.lastChange ?? 0;
    const last = lastEntry?.record;
    if (last === undefined) return { count: 0, mac: GENESIS_MAC };
    if (last.sequence !== undefined) return { count: last.sequence + 1, mac: last.mac };
    let count = 0;
    for await (const _ of this.readAudit()) count++;
    return { count, mac: last.mac };
  }

  async *readAudit(from: AuditPosition = { count: 0, position: 0 }): AsyncIterable<StoredAuditRecord> {
    for await (const { record, next } of this.readJournal(from)) yield { record, next };
  }

  /** Through every segment from the one holding record `from.count - 1`; an archived segment must end in a whole record. */
  private async *readJournal(from: AuditPosition): AsyncIterable<JournalEntry & { next: number }> {
    const open = this.openEntry(await this.rootKey());
    const { fs, path } = await nodeModules();
    const segments = await this.auditSegments();
    const start = segmentBefore(segments, from.count);
    for (let i = start; i < segments.length; i++) {
      const { name, end } = segments[i]!;
      const file = path.join(this.directory, name);
      let handle: FileHandle;
      try {
        handle = await fs.open(file, 'r');
      } catch (error) {
        if (isMissing(error) && end === Infinity && (i > start || from.position === 0)) return; // no record since the last rotation
        throw error;
      }
      try {
        const size = (await handle.stat()).size;
        for await (const { record, next } of readAuditLines(file, handle, size, i === start ? from.position : 0, open, end !== Infinity)) yield { ...record, next };
      } finally {
        await handle.close();
      }
    }
  }

  /**
   * The entries (chained from `before` to `after`) in one write and one fsync; returns where the
   * line after them starts (in the active segment). Once the write is done, `written` lets the next
   * group start (group commit pipelined: its write and fsync run while this fsync does), and this
   * append is durable only once its own fsync and every earlier append's are: if any of those fails,
   * so does this one. The first append of a failed run puts the chain and the log's end back to
   * where it began, and closes the segment, so the next append cuts off what the failed ones wrote.
   */
  private async append(rootKey: Uint8Array, entries: JournalEntry[], before: AuditHead, after: AuditHead, written?: () => void): Promise<number> {
    const lines = entries.map(({ record, changes, lastChange }) => {
      const iv = randomBytes(12);
      // The record, then its changes and journal mark, as one object: the record is this commit's own, so they are added to it (copying it was a tenth of a commit's time).
      const sealed = preparedGcm(this.lineKey ??= new PreparedGcmKey(rootKey), iv, AUDIT_AAD).encrypt(encoder.encode(JSON.stringify(Object.assign(record, { changes, lastChange }))));
      return auditLine(bytesToBase64(concatBytes([iv, sealed])));
    });
    const end = this.auditEnd!;
    const bytes = new TextEncoder().encode(`${end.newline ? '' : '\n'}${lines.join('')}`);
    const earlier = this.lastDurable;
    this.chainHead = after;
    this.appendsInFlight++;
    const durable = (async () => {
      try {
        await this.writeAndSync(end, bytes, written);
      } catch (error) {
        await earlier; // an earlier append that failed is the cause: its error, not this one's
        throw error;
      }
      await earlier;
    })();
    this.lastDurable = durable;
    durable.catch(() => undefined); // awaited by the next append and below; never an unhandled rejection meanwhile
    try {
      await durable;
    } catch (error) {
      // Only the earliest failed append of a run rolls back (a later one's start is past it).
      if ((this.chainHead?.count ?? 0) > before.count) {
        this.chainHead = before;
        this.auditEnd = end;
        this.lastDurable = earlier;
        await this.closeActiveSegment();
      }
      throw error;
    } finally {
      this.appendsInFlight--;
    }
    if (after.count > (this.head?.count ?? -1)) this.head = after;
    return end.bytes + bytes.length;
  }

  /** Appends `bytes` at `end` of the active segment, then fsyncs it; `written` once the write is done. */
  private async writeAndSync(end: AuditLogEnd, bytes: Uint8Array, written?: () => void): Promise<void> {
    const { fs, path } = await nodeModules();
    // The active segment stays open between appends (an open, a stat and a close per call were a
    // quarter of a GenerateDataKey's server time); it is checked against the end read on open once,
    // and again after a failed append: that cuts a torn record, or what the failed appends left.
    if (!this.activeSegment) {
      this.activeSegment = await fs.open(path.join(this.directory, ACTIVE_SEGMENT), 'a', 0o600);
      if ((await this.activeSegment.stat()).size > end.bytes) await this.activeSegment.truncate(end.bytes);
    }
    const segment = this.activeSegment;
    for (let done = 0; done < bytes.length;) { // carries on through short writes (the handle appends)
      done += (await segment.write(bytes, done, bytes.length - done)).bytesWritten;
    }
    this.auditEnd = { bytes: end.bytes + bytes.length, newline: true };
    const synced = segment.datasync(); // an append: the data and the new size, no other metadata needed
    written?.();
    await synced;
  }

  private async closeActiveSegment(): Promise<void> {
    const handle = this.activeSegment;
    this.activeSegment = undefined;
    await handle?.close().catch(() => undefined);
  }

  /** Archives the active segment once it is full. The records are durable: a failed rename must not fail them, and is tried again after the next append. */
  private async rotateIfFull(head: AuditHead): Promise<void> {
    if (this.auditEnd!.bytes < this.auditSegmentBytes) return;
    const { path } = await nodeModules();
    try {
      await this.closeActiveSegment(); // the next append opens the new active segment, not the archived one
      await renameDurably(path.join(this.directory, ACTIVE_SEGMENT), path.join(this.directory, archivedName(this.activeFirst!, head.count)));
      this.activeFirst = head.count;
      this.auditEnd = { bytes: 0, newline: true };
    } catch {
      // left for the next append
    }
  }

  private async auditSegments(): Promise<Segment[]> {
    const { fs } = await nodeModules();
    return segmentsOf(await fs.readdir(this.directory).catch((error: unknown) => {
      if (isMissing(error)) return [];
      throw error;
    }));
  }

  /** Turns a line's base64 into its record (and the changes it holds), throwing if it does not authenticate under the root key. */
  private openEntry(rootKey: Uint8Array): (base64: string) => JournalEntry {
    return (base64) => {
      const bytes = base64ToBytes(base64);
      const { changes, lastChange, ...record } = JSON.parse(new TextDecoder().decode(gcm(rootKey, bytes.subarray(0, 12), AUDIT_AAD, { constantTime: true })
        .decrypt(bytes.subarray(12)))) as AuditRecord & Omit<JournalEntry, 'record'>;
      return { record, changes, lastChange };
    };
  }

  /** Runs `read` on a file of the store opened for reading, with its size; undefined when there is no such file. */
  private async withFile<T>(name: string, read: (file: string, handle: FileHandle, size: number) => Promise<T>): Promise<T | undefined> {
    const { fs, path } = await nodeModules();
    const file = path.join(this.directory, name);
    let handle: FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    try {
      return await read(file, handle, (await handle.stat()).size);
    } finally {
      await handle.close();
    }
  }

  private async writable(): Promise<Uint8Array> {
    if (this.readOnly) throw kmsError('KMSInvalidStateException', `key store ${this.directory} is open read-only: it cannot record this call`);
    return this.rootKey();
  }

  private async open(): Promise<Uint8Array> {
    if (this.closed) throw new StoreClosedError(this.directory);
    const { path } = await nodeModules();
    if (!this.readOnly) {
      this.lock ??= await DirectoryLock.acquire(this.directory, 'kms', { waitMs: this.waitForLock });
      await removeFiles(this.directory, temporaryFilesOf([STATE_FILE, ROOT_KEY_FILE, SALT_FILE])); // left by writes a crash cut short
    }
    if (this.closed) { // closed while the lock was being taken
      await this.close();
      throw new StoreClosedError(this.directory);
    }
    const secret = (name: string, length: number) => (this.readOnly ? readSecret : readOrCreateSecret)(path.join(this.directory, name), length)
      .catch((error: unknown) => {
        if (isMissing(error)) throw kmsError('KMSInvalidStateException', `no key store in ${this.directory} (a read-only store never creates one)`);
        throw error;
      });
    const rootKey = this.passphrase === undefined ? await secret(ROOT_KEY_FILE, 32)
      : await scryptAsync(new TextEncoder().encode(this.passphrase), await secret(SALT_FILE, 16), { N: 2 ** 17, r: 8, p: 1, dkLen: 32 });
    this.auditKey = deriveAuditKey(rootKey); // once, not at every commit (HKDF per commit was a tenth of a GenerateDataKey's CPU)
    return rootKey;
  }
}
