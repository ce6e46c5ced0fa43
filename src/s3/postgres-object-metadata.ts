// An ObjectStore's metadata in PostgreSQL, for Node: one S3 shared by several processes or hosts.
//
// Tables (src/kms/postgres-migrations/0002_object_metadata.sql, applied on open with the key
// store's): s3_store (one row: the head, with the SSE-S3 root keys sealed), s3_buckets, s3_versions
// and s3_uploads (multipart uploads in progress and their parts, 0005_multipart_uploads.sql): a record
// per row, as JSON text, with its MAC; a removal leaves a tombstone row.
//
// Each process holds the buckets in memory (as the other stores do) and catches up at the start of
// every call: one statement reads the head and the rows whose seq is past the version it holds.
// Changes are made as every PostgreSQL store makes them (postgres-changes.ts): each call's decision
// (the bucket exists, is empty, which version a PUT replaces…) is applied in memory, and the records
// decided while a transaction is under way are written together in the next one (group commit), each
// with its own seq, under the head row's lock; if another process committed since, the decisions are
// taken again on the rows it wrote, under that lock, so none is kept that a stale cache decided.
// A change that fails is undone in memory; a process that cannot tell whether its COMMIT landed
// (a lost connection) finds out at its next catch-up, which reads the rows back.
//
// The database never sees the root key: each row carries an HMAC-SHA-256 (key derived from the root
// key) over its table, id, seq and record, so an edited or swapped row is refused with a
// StoreIntegrityError rather than used; the SSE-S3 root keys are sealed with AES-256-GCM under
// another derived key; a check value (an HMAC, not the key) refuses a process given another root key
// with a RootKeyMismatchError before it reads anything.
//
// Bodies stay in a directory (`bodies`) that every process sharing the database must see (processes
// on one host, or a shared filesystem), or without one in the database (postgres-object-bodies.ts).
// On open it removes the bodies that neither a version nor a part of an upload in progress names and
// that are older than a grace period (a day by default): what crashes left; a younger one may be
// another process's PUT or UploadPart in flight.
//
// An ended upload's tombstones are pruned (0006_ended_upload_pruning.sql) once older than a retention
// (an hour by default), by the transaction that ends another upload, which also raises the head's
// uploads_pruned_seq to the highest seq it pruned. A process whose rows are older than that
// (idle longer than the retention) cannot learn of every end from the tombstones, so its catch-up
// reads the live uploads whole and forgets the others: correct whatever the retention, which only
// sets how long a process may be idle before it pays that once.

import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Pool, PoolClient } from 'pg';
import { base64ToBytes, bytesToBase64 } from '../core/base64.js';
import { gcm } from '../core/gcm.js';
import { loadOnce } from '../core/load-once.js';
import { checkPostgresOptions, describeStore, locationOf, type PostgresLocation, type PostgresStoreOptions } from '../kms/postgres-options.js';
import { PostgresChanges } from '../kms/postgres-changes.js';
import { inTransaction, openPool } from '../kms/postgres-pool.js';
import { PostgresRowAuth } from '../kms/postgres-row-auth.js';
import { DEFAULT_TOMBSTONE_RETENTION_MS, heldButGone, liveAfterPruning, TombstonePruner } from '../kms/postgres-tombstones.js';
import { StoreClosedError, StoreIntegrityError } from '../platform/store-errors.js';
import { DirectoryBodies } from './directory-bodies.js';
import type { SharedBodies } from './object-bodies.js';
import { PostgresBodies } from './postgres-object-bodies.js';
import { restoreBucket, restoreVersion, type MetadataChange, type ObjectMetadataStore, type ObjectRecord, type SavedBucket, type SavedVersion } from './object-metadata.js';
import { versionBodyIds, type Bucket } from './object-records.js';
import { s3Error } from './s3-errors.js';
import { SseS3Keyring } from './sse-s3-keyring.js';
import { applyUploadRecord, partBodyIds, type SavedPart, type SavedUpload, type StoredUpload, type UploadRecord } from './upload-records.js';

export interface PostgresObjectMetadataOptions extends PostgresStoreOptions {
  /**
   * The directory of object bodies: the same for every process sharing the database (one host, or a
   * shared filesystem). Omitted: bodies in the database too (table s3_bodies), for hosts that share nothing else.
   */
  bodies?: string;
  /**
   * Milliseconds after which a body no version names counts as a crash's leftover, removed when the
   * store opens (default 86,400,000: a day). Younger ones are left: another process's PUT or
   * UploadPart may be writing one (its record is made once the body is whole).
   */
  orphanedBodyGraceMs?: number;
  /**
   * Milliseconds an ended (completed or aborted) multipart upload's rows are kept as tombstones, so
   * that other processes learn of the end from them (default 3,600,000: an hour; every process
   * serving requests catches up within it). Older ones are pruned; a process idle for longer reads
   * the live uploads whole when it next catches up.
   */
  endedUploadRetentionMs?: number;
}

const DEFAULT_ORPHANED_BODY_GRACE_MS = 24 * 60 * 60 * 1000;
const DEFAULT_ENDED_UPLOAD_RETENTION_MS = 60 * 60 * 1000;

interface Row {
  kind: 'head' | 'bucket' | 'version' | 'upload';
  bucket: string | null;
  key: string | null;
  version_id: string | null;
  upload_id: string | null;
  /** 0: the upload's own record; 1–10000: a part's. */
  part_number: number | null;
  seq: string;
  record: string | null;
  mac: string | null;
}

interface Updates {
  /** The version the rows were asked from. */
  since: number;
  version: number;
  /** The head's uploads_pruned_seq: past `since`, the rows hold every live upload row, not only those changed. */
  prunedSeq: number;
  /** The head's pruned_seq: past `since`, the rows hold every live bucket and version row (postgres-tombstones.ts). */
  recordsPrunedSeq: number;
  sealedRootKeys: string;
  /** Rows changed since the version asked for, oldest change first. */
  rows: Row[];
}

const encoder = new TextEncoder();
const ROOT_KEY_BYTES = 32;
const ROOT_KEYS_AAD = encoder.encode('kms-wasm s3 sse-s3 root keys v1');

export class PostgresObjectMetadata implements ObjectMetadataStore {
  readonly buckets = new Map<string, Bucket>();
  readonly uploads = new Map<string, StoredUpload>();
  readonly bodies: SharedBodies;
  private readonly location: PostgresLocation;
  private readonly orphanedBodyGraceMs: number;
  private readonly endedUploadRetentionMs: number;
  private readonly orphansRemoved = loadOnce(() => this.bodies.removeOrphans(
    new Set(versionBodyIds(this.buckets).concat(partBodyIds(this.uploads))), this.orphanedBodyGraceMs));
  private readonly auth: PostgresRowAuth;
  private readonly sealKey: Uint8Array;
  /** Where the store is, for messages: host, database and schema, never the connection string. */
  private readonly name: string;
  private readonly opened = loadOnce(() => this.open());
  /** Its changes, decisions and catch-ups (one at a time), and transactions (group commit). */
  private readonly changes: PostgresChanges<ObjectRecord>;
  private pool: Pool | undefined;
  private closed = false;
  private keyring: SseS3Keyring | undefined;
  private rootKeyVersions = 0;

  constructor(options: PostgresObjectMetadataOptions) {
    checkPostgresOptions(options, (message) => s3Error('InvalidArgument', message));
    if (options.bodies !== undefined && (typeof options.bodies !== 'string' || options.bodies.length === 0)) {
      throw s3Error('InvalidArgument', 'bodies: expected the directory of object bodies, or nothing to keep them in the database');
    }
    if (options.orphanedBodyGraceMs !== undefined && !(Number.isSafeInteger(options.orphanedBodyGraceMs) && options.orphanedBodyGraceMs >= 0)) {
      throw s3Error('InvalidArgument', 'orphanedBodyGraceMs: expected a whole number of milliseconds, 0 or more');
    }
    if (options.endedUploadRetentionMs !== undefined && !(Number.isSafeInteger(options.endedUploadRetentionMs) && options.endedUploadRetentionMs >= 0)) {
      throw s3Error('InvalidArgument', 'endedUploadRetentionMs: expected a whole number of milliseconds, 0 or more');
    }
    this.orphanedBodyGraceMs = options.orphanedBodyGraceMs ?? DEFAULT_ORPHANED_BODY_GRACE_MS;
    this.endedUploadRetentionMs = options.endedUploadRetentionMs ?? DEFAULT_ENDED_UPLOAD_RETENTION_MS;
    this.changes = new PostgresChanges({
      head: 's3_store', connection: () => this.connection(), write: (client, record, seq) => this.write(client, record, seq),
      pruner: new TombstonePruner('s3_store', ['s3_buckets', 's3_versions'], options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS),
      read: async (db) => {
        const updates = await this.updatesVia(db, this.changes.version);
        return { version: updates.version, apply: () => this.catchUp(updates) };
      },
    });
    this.location = locationOf(options);
    this.sealKey = hkdf(sha256, options.rootKey, undefined, encoder.encode('kms-wasm postgres s3 sse-s3 root keys v1'), 32);
    this.bodies = options.bodies === undefined ? new PostgresBodies(() => this.connection()) : new DirectoryBodies(options.bodies);
    this.name = describeStore(options);
    this.auth = new PostgresRowAuth(options.rootKey, 's3', this.name);
  }

  get sseS3(): SseS3Keyring {
    if (!this.keyring) throw new Error('PostgresObjectMetadata used before load()');
    return this.keyring;
  }

  /** Opens the store on first use (and removes orphaned bodies); on every call, catches up with the changes other processes committed. */
  async load(): Promise<void> {
    await this.changes.catchUp();
    await this.orphansRemoved();
  }

  change(decide: () => MetadataChange): Promise<void> {
    return this.changes.change(decide);
  }

  rotateSseS3RootKey(): Promise<{ RootKeyId: string }> {
    return this.changes.alone(async () => {
      const pool = await this.connection();
      const sealed = await inTransaction(pool, async (client) => {
        await this.changes.lockHead(client);
        const { rows } = await client.query<{ sse_s3_root_keys: string }>('SELECT sse_s3_root_keys FROM s3_store');
        const current = this.unseal(rows[0]!.sse_s3_root_keys);
        const all = new Uint8Array(current.length + ROOT_KEY_BYTES);
        all.set(current);
        all.set(crypto.getRandomValues(new Uint8Array(ROOT_KEY_BYTES)), current.length);
        const sealed = this.seal(all);
        current.fill(0);
        all.fill(0);
        await client.query('UPDATE s3_store SET sse_s3_root_keys = $1', [sealed]);
        return sealed;
      });
      this.useRootKeys(sealed); // only once committed: a root key never stored must never wrap a data key
      return { RootKeyId: this.sseS3.currentKeyId };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.changes.alone(async () => undefined);
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  /** The change's rows and the new head (`seq`), in one statement (two to remove every version of a key, more to complete an upload). */
  private async write(client: PoolClient, record: ObjectRecord, seq: number): Promise<void> {
    if ('upload' in record || 'part' in record || 'dropUpload' in record) return this.writeUpload(client, record, seq);
    if ('bucket' in record || 'dropBucket' in record) {
      const name = 'bucket' in record ? record.bucket.name : record.dropBucket.name;
      const text = 'bucket' in record ? JSON.stringify(record.bucket) : null;
      await client.query(`WITH head AS (UPDATE s3_store SET change_seq = $2) INSERT INTO s3_buckets (name, seq, record, mac) VALUES ($1, $2, $3, $4)
        ON CONFLICT (name) DO UPDATE SET seq = EXCLUDED.seq, record = EXCLUDED.record, mac = EXCLUDED.mac`, [name, seq, text, this.auth.mac('s3_buckets', name, seq, text)]);
      return;
    }
    const { bucket, key } = 'put' in record ? record.put : record.drop;
    let versions: Array<{ id: string; text: string | null }>;
    if ('put' in record) versions = [{ id: record.put.version.versionId, text: JSON.stringify(record.put.version) }];
    else if (record.drop.versionId !== undefined) versions = [{ id: record.drop.versionId, text: null }];
    else {
      const { rows } = await client.query<{ version_id: string }>('SELECT version_id FROM s3_versions WHERE bucket = $1 AND key = $2 AND record IS NOT NULL', [bucket, key]);
      versions = rows.map((row) => ({ id: row.version_id, text: null }));
    }
    await client.query(`WITH head AS (UPDATE s3_store SET change_seq = $3) INSERT INTO s3_versions (bucket, key, version_id, seq, record, mac)
      SELECT $1, $2, id, $3, record, mac FROM unnest($4::text[], $5::text[], $6::text[]) AS t(id, record, mac)
      ON CONFLICT (bucket, key, version_id) DO UPDATE SET seq = EXCLUDED.seq, record = EXCLUDED.record, mac = EXCLUDED.mac`,
    [bucket, key, seq, versions.map((v) => v.id), versions.map((v) => v.text), versions.map((v) => this.auth.mac('s3_versions', bucket, key, v.id, seq, v.text))]);
    // A completed upload ends in the same transaction (and seq) as its version is written: exactly one of a completion and an abort wins.
    if ('put' in record && record.put.completes !== undefined) await this.writeUpload(client, { dropUpload: { uploadId: record.put.completes } }, seq);
  }

  /**
   * An upload's change as its rows: the upload's (part 0) or a part's, or, when it ends, every row of
   * it as a tombstone, stamped with the time it ended; and then the tombstones older than the
   * retention pruned, the head's uploads_pruned_seq raised to the highest seq pruned.
   */
  private async writeUpload(client: PoolClient, record: UploadRecord, seq: number): Promise<void> {
    let uploadId: string;
    let rows: Array<{ part: number; text: string | null }>;
    if ('upload' in record) {
      uploadId = record.upload.uploadId;
      rows = [{ part: 0, text: JSON.stringify(record.upload.upload) }];
    } else if ('part' in record) {
      uploadId = record.part.uploadId;
      rows = [{ part: record.part.partNumber, text: JSON.stringify(record.part.part) }];
    } else {
      uploadId = record.dropUpload.uploadId;
      const { rows: live } = await client.query<{ part_number: number }>('SELECT part_number FROM s3_uploads WHERE upload_id = $1 AND record IS NOT NULL', [uploadId]);
      rows = live.map((row) => ({ part: row.part_number, text: null }));
    }
    await client.query(`WITH head AS (UPDATE s3_store SET change_seq = $2) INSERT INTO s3_uploads (upload_id, part_number, seq, record, mac, ended_at)
      SELECT $1, part, $2, record, mac, CASE WHEN record IS NULL THEN now() END FROM unnest($3::integer[], $4::text[], $5::text[]) AS t(part, record, mac)
      ON CONFLICT (upload_id, part_number) DO UPDATE SET seq = EXCLUDED.seq, record = EXCLUDED.record, mac = EXCLUDED.mac, ended_at = EXCLUDED.ended_at`,
    [uploadId, seq, rows.map((r) => r.part), rows.map((r) => r.text), rows.map((r) => this.auth.mac('s3_uploads', uploadId, r.part, seq, r.text))]);
    if ('dropUpload' in record) {
      await client.query(`WITH pruned AS (DELETE FROM s3_uploads WHERE record IS NULL AND ended_at < now() - $1 * interval '1 millisecond' RETURNING seq)
        UPDATE s3_store SET uploads_pruned_seq = GREATEST(uploads_pruned_seq, (SELECT max(seq) FROM pruned))`, [this.endedUploadRetentionMs]);
    }
  }

  /**
   * One statement (one snapshot): the head (its SSE-S3 root keys as `record`, its uploads_pruned_seq
   * as `mac`) and the rows changed after `version` — every live upload row too when tombstones past
   * `version` may have been pruned; `liveOnly` for a process's first load, which has nothing yet to
   * remove tombstones' records from.
   */
  private async updatesVia(client: Pool | PoolClient, version: number, liveOnly = false): Promise<Updates> {
    const { rows } = await client.query<Row>(`
      SELECT 'head' AS kind, pruned_seq::text AS bucket, NULL AS key, NULL AS version_id, NULL AS upload_id, NULL::integer AS part_number, change_seq AS seq,
        sse_s3_root_keys AS record, uploads_pruned_seq::text AS mac FROM s3_store
      UNION ALL SELECT 'bucket', name, NULL, NULL, NULL, NULL, seq, record, mac FROM s3_buckets WHERE ${liveAfterPruning('s3_store', '$1')}
      UNION ALL SELECT 'version', bucket, key, version_id, NULL, NULL, seq, record, mac FROM s3_versions WHERE ${liveAfterPruning('s3_store', '$1')}
      UNION ALL SELECT 'upload', NULL, NULL, NULL, upload_id, part_number, seq, record, mac FROM s3_uploads
        WHERE (seq > $1 OR (record IS NOT NULL AND $1 < (SELECT uploads_pruned_seq FROM s3_store))) AND (NOT $2 OR record IS NOT NULL)
      ORDER BY seq`, [version, liveOnly]);
    const head = rows.find((row) => row.kind === 'head')!;
    return { since: version, version: Number(head.seq), prunedSeq: Number(head.mac), recordsPrunedSeq: Number(head.bucket), sealedRootKeys: head.record!,
      rows: rows.filter((row) => row.kind !== 'head') };
  }

  /**
   * Applies what changed since the buckets' version, synchronously (so no call sees half of it), and
   * only what is newer than what memory holds: a read that started before another call's catch-up
   * or change finished brings nothing older back. Every row is authenticated before any is applied.
   */
  private catchUp({ since, version, prunedSeq, recordsPrunedSeq, sealedRootKeys, rows }: Updates): void {
    this.useRootKeys(sealedRootKeys);
    if (version <= this.changes.version) return;
    const wholeUploads = prunedSeq > since; // the live upload rows came whole: an upload none of them names has ended
    const fresh = rows.filter((row) => Number(row.seq) > this.changes.version || (wholeUploads && row.kind === 'upload'));
    for (const row of fresh) this.verify(row);
    if (wholeUploads) {
      const live = new Set(fresh.filter((row) => row.kind === 'upload' && row.part_number === 0 && row.record !== null).map((row) => row.upload_id!));
      for (const id of this.uploads.keys()) if (!live.has(id)) this.uploads.delete(id);
    }
    if (since > 0 && recordsPrunedSeq > since) fresh.push(...this.goneSince(rows, version)); // the live rows came whole: what they do not name was deleted
    // Buckets first (a version's bucket may have been written after it), removed buckets last (their versions were removed before them).
    for (const row of fresh) if (row.kind === 'bucket' && row.record !== null) restoreBucket(this.buckets, JSON.parse(row.record) as SavedBucket);
    for (const row of fresh) if (row.kind === 'version') this.applyVersion(row);
    this.applyUploads(fresh.filter((row) => row.kind === 'upload'));
    for (const row of fresh) {
      if (row.kind !== 'bucket' || row.record !== null) continue;
      if ((this.buckets.get(row.bucket!)?.objects.size ?? 0) > 0) throw new StoreIntegrityError(`${this.name} table s3_buckets row ${row.bucket}`, 'removes a bucket that still has versions');
      this.buckets.delete(row.bucket!);
    }
    this.changes.version = version;
  }

  /** Tombstones (as of `version`) for the buckets and versions held that a whole read's live `rows` do not name, a bucket's after its versions'. */
  private goneSince(rows: Row[], version: number): Row[] {
    const tombstone = (fields: Partial<Row>): Row => ({ bucket: null, key: null, version_id: null, upload_id: null, part_number: null, mac: null,
      kind: 'version', ...fields, seq: String(version), record: null });
    const liveBuckets = new Set(rows.filter((row) => row.kind === 'bucket' && row.record !== null).map((row) => row.bucket!));
    const liveVersions = new Set(rows.filter((row) => row.kind === 'version' && row.record !== null).map((row) => JSON.stringify([row.bucket, row.key, row.version_id])));
    const held = [...this.buckets.values()].flatMap((bucket) => [...bucket.objects].flatMap(([key, versions]) =>
      versions.map((v) => JSON.stringify([bucket.name, key, v.versionId]))));
    const versions = heldButGone(held, liveVersions).map((id) => {
      const [bucket, key, versionId] = JSON.parse(id) as [string, string, string];
      return tombstone({ bucket, key, version_id: versionId });
    });
    return [...versions, ...heldButGone(this.buckets.keys(), liveBuckets).map((bucket) => tombstone({ kind: 'bucket', bucket }))];
  }

  /** A version written (it goes last among its key's versions, as the newest) or removed. */
  private applyVersion(row: Row): void {
    const bucket = this.buckets.get(row.bucket!);
    if (!bucket) {
      if (row.record === null) return;
      throw new StoreIntegrityError(`${this.name} table s3_versions row ${JSON.stringify([row.bucket, row.key, row.version_id])}`, 'names a bucket that does not exist');
    }
    const kept = (bucket.objects.get(row.key!) ?? []).filter((v) => v.versionId !== row.version_id);
    if (row.record !== null) kept.push(restoreVersion(JSON.parse(row.record) as SavedVersion));
    if (kept.length > 0) bucket.objects.set(row.key!, kept);
    else bucket.objects.delete(row.key!);
  }

  /**
   * Uploads started first, then parts stored or removed, then uploads ended: a catch-up may bring an
   * upload and its parts together, or an ended upload's tombstones (all of one seq) in any order.
   */
  private applyUploads(rows: Row[]): void {
    const damaged = (row: Row) => (message: string) => new StoreIntegrityError(`${this.name} table s3_uploads row ${JSON.stringify([row.upload_id, row.part_number])}`, message);
    const apply = (row: Row, record: UploadRecord) => applyUploadRecord(this.uploads, record, damaged(row));
    for (const row of rows) {
      if (row.part_number === 0 && row.record !== null) apply(row, { upload: { uploadId: row.upload_id!, upload: JSON.parse(row.record) as SavedUpload } });
    }
    for (const row of rows) {
      if (row.part_number === 0) continue;
      if (row.record !== null) apply(row, { part: { uploadId: row.upload_id!, partNumber: row.part_number!, part: JSON.parse(row.record) as SavedPart } });
      else this.uploads.get(row.upload_id!)?.parts.delete(row.part_number!);
    }
    for (const row of rows) if (row.part_number === 0 && row.record === null) this.uploads.delete(row.upload_id!);
  }

  /** Throws StoreIntegrityError unless the row's MAC is its table's, id's, seq's and record's (postgres-row-auth.ts). */
  private verify(row: Row): void {
    const seq = Number(row.seq);
    if (row.kind === 'bucket') return this.auth.verify(row.mac, 's3_buckets', row.bucket!, row.bucket, seq, row.record);
    const fields = row.kind === 'upload' ? [row.upload_id, row.part_number] : [row.bucket, row.key, row.version_id];
    this.auth.verify(row.mac, `s3_${row.kind}s`, JSON.stringify(fields), ...fields, seq, row.record);
  }

  /** Takes the sealed root key versions if they hold more versions than this process knows (versions are only ever added). */
  private useRootKeys(sealed: string): void {
    const all = this.unseal(sealed);
    if (all.length / ROOT_KEY_BYTES > this.rootKeyVersions) {
      this.keyring = new SseS3Keyring(all);
      this.rootKeyVersions = all.length / ROOT_KEY_BYTES;
    }
    all.fill(0);
  }

  private seal(rootKeys: Uint8Array): string {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = gcm(this.sealKey, iv, ROOT_KEYS_AAD, { constantTime: true }).encrypt(rootKeys);
    const out = new Uint8Array(12 + sealed.length);
    out.set(iv);
    out.set(sealed, 12);
    return bytesToBase64(out);
  }

  private unseal(sealed: string): Uint8Array {
    try {
      const bytes = base64ToBytes(sealed);
      return gcm(this.sealKey, bytes.subarray(0, 12), ROOT_KEYS_AAD, { constantTime: true }).decrypt(bytes.subarray(12));
    } catch {
      throw new StoreIntegrityError(`${this.name} table s3_store`, 'holds SSE-S3 root keys that do not authenticate under this root key');
    }
  }

  private async connection(): Promise<Pool> {
    if (this.closed) throw new StoreClosedError(this.name);
    return this.opened();
  }

  /** Connects, applies the migrations, creates the head (the first opener's SSE-S3 root key wins the race) or checks the root key, and loads. */
  private async open(): Promise<Pool> {
    const pool = await openPool(this.location, async (pool) => {
      const first = crypto.getRandomValues(new Uint8Array(ROOT_KEY_BYTES));
      const sealed = this.seal(first);
      first.fill(0);
      await pool.query('INSERT INTO s3_store (root_key_check, change_seq, sse_s3_root_keys) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING', [this.auth.check, sealed]);
      this.auth.checkRootKey((await pool.query<{ root_key_check: string }>('SELECT root_key_check FROM s3_store')).rows[0]!.root_key_check);
      this.catchUp(await this.updatesVia(pool, 0, true));
    });
    if (this.closed) { // closed while opening
      await pool.end();
      throw new StoreClosedError(this.name);
    }
    this.pool = pool;
    return pool;
  }
}
