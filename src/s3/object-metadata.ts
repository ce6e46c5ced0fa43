// Where an ObjectStore keeps its metadata (buckets, object version records, SSE-S3 root key
// versions), behind one interface: in memory (memory-object-metadata.ts) or a directory (directory-object-metadata.ts, kms-wasm/node), or PostgreSQL
// (postgres-object-metadata.ts, kms-wasm/node) for several processes or hosts sharing one store.
// The store holds the current state as Bucket records (and the multipart uploads in progress,
// upload-records.ts) in memory; every change is made by `change`,
// which runs the caller's decision on current state and makes it durable as one record.

import type { AppliedChange } from '../core/state-change.js';
import { parsePolicy } from '../policy/index.js';
import type { ObjectBodies } from './object-bodies.js';
import type { Bucket, EncryptionRule, StoredObject } from './object-records.js';
import { SortedObjectMap } from './sorted-object-map.js';
import type { SseS3Keyring } from './sse-s3-keyring.js';
import type { StoredUpload, UploadRecord } from './upload-records.js';

export type SavedVersion = Omit<StoredObject, 'lastModified'> & { lastModified: string };
export interface SavedBucket { name: string; owner: string; created: string; rule?: EncryptionRule; policy?: string; versioning?: 'Enabled' | 'Suspended' }

/**
 * One change, as stored: a bucket's settings, a version added (replacing one of the same id; with
 * `completes`, the version a multipart upload completed into, which ends that upload in the same change), versions dropped (one, or without versionId every version of the key), a bucket removed, or a
 * multipart upload's change (upload-records.ts).
 */
export type ObjectRecord =
  | { bucket: SavedBucket }
  | { put: { bucket: string; key: string; version: SavedVersion; completes?: string } }
  | { drop: { bucket: string; key: string; versionId?: string } }
  | { dropBucket: { name: string } }
  | UploadRecord;

export const bucketRecord = (b: Bucket): ObjectRecord => ({ bucket: {
  name: b.name, owner: b.owner, created: b.created.toISOString(), rule: b.rule, policy: b.policy?.text, versioning: b.versioning } });

export const putRecord = (bucket: Bucket, key: string, version: StoredObject, completes?: string): ObjectRecord => ({
  put: { bucket: bucket.name, key, version: { ...version, lastModified: version.lastModified.toISOString() }, ...(completes === undefined ? {} : { completes }) } });

export const dropRecord = (bucket: Bucket, key: string, versionId?: string): ObjectRecord => ({ drop: { bucket: bucket.name, key, versionId } });
export const dropBucketRecord = (bucket: Bucket): ObjectRecord => ({ dropBucket: { name: bucket.name } });

/** Sets a bucket's settings from its record: on `buckets`' bucket of that name (its objects kept), or on a new one. */
export function restoreBucket(buckets: Map<string, Bucket>, { name, owner, created, rule, policy, versioning }: SavedBucket): void {
  const bucket = buckets.get(name) ?? { name, owner, created: new Date(created), objects: new SortedObjectMap<StoredObject[]>() };
  Object.assign(bucket, { owner, created: new Date(created), rule, versioning, policy: policy === undefined ? undefined : { text: policy, document: parsePolicy(policy, true) } });
  buckets.set(name, bucket);
}

export const restoreVersion = (saved: SavedVersion): StoredObject => ({ ...saved, lastModified: new Date(saved.lastModified) });

/** A change `decide` made in memory: the record that makes it durable, and how to take it back (core/state-change.ts). */
export type MetadataChange = AppliedChange<ObjectRecord>;

export interface ObjectMetadataStore {
  /** The buckets, current as of the last `load()` or `change()`. */
  readonly buckets: Map<string, Bucket>;
  /** The multipart uploads in progress, by UploadId, current as the buckets are. */
  readonly uploads: Map<string, StoredUpload>;
  /** Where object bodies live. */
  readonly bodies: ObjectBodies;
  /** The SSE-S3 keyring (after `load()`). */
  readonly sseS3: SseS3Keyring;
  /** Loads the state on first call; a shared store also catches up with other processes' changes on every call. */
  load(): Promise<void>;
  /**
   * Runs `decide` on current state — in a shared store, caught up under the store's write lock, so
   * a check in it (the bucket exists, is empty, …) holds when the change is made — and makes the
   * change it returns durable. If `decide` throws, nothing is written; if the write fails, `undo` runs.
   */
  change(decide: () => MetadataChange): Promise<void>;
  /** Adds an SSE-S3 root key version, used for objects written from now on. */
  rotateSseS3RootKey(): Promise<{ RootKeyId: string }>;
  /** Waits for pending writes and releases the store; every later call is refused with a StoreClosedError. */
  close(): Promise<void>;
}
