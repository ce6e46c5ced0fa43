// The records an ObjectStore keeps per bucket and per object version, and the versioning rules.

import { bytesToBase64 } from '../core/base64.js';
import type { PolicyDocument } from '../policy/index.js';
import type { SortedObjectMap } from './sorted-object-map.js';
import type { CustomerKeyCheck } from './sse-c-keyring.js';

export type ServerSideEncryption = 'AES256' | 'aws:kms' | 'aws:kms:dsse';
/** The additional checksums S3 stores with an object version (User Guide, "Checking object integrity"), as the SDK names them. */
export type ChecksumMember = 'ChecksumCRC32' | 'ChecksumCRC32C' | 'ChecksumCRC64NVME' | 'ChecksumSHA1' | 'ChecksumSHA256';
export const CHECKSUM_MEMBERS: readonly ChecksumMember[] = ['ChecksumCRC32', 'ChecksumCRC32C', 'ChecksumCRC64NVME', 'ChecksumSHA1', 'ChecksumSHA256'];
export const SSE_VALUES: readonly string[] = ['AES256', 'aws:kms', 'aws:kms:dsse'];

export interface EncryptionRule {
  ApplyServerSideEncryptionByDefault: { SSEAlgorithm: ServerSideEncryption; KMSMasterKeyID?: string };
  BucketKeyEnabled?: boolean;
}

/**
 * The default encryption of a bucket that has no configuration of its own, as GetBucketEncryption
 * answers it: "Amazon S3 now applies server-side encryption with Amazon S3 managed keys (SSE-S3) as
 * the base level of encryption for every bucket in Amazon S3. Starting January 5, 2023, all new
 * object uploads to Amazon S3 are automatically encrypted"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html;
 * API Reference, GetBucketEncryption: "By default, all buckets have a default encryption
 * configuration that uses server-side encryption with Amazon S3 managed keys (SSE-S3)";
 * DeleteBucketEncryption "resets the default encryption for the bucket as … SSE-S3").
 */
export const BASE_ENCRYPTION_RULE: Readonly<EncryptionRule> = Object.freeze({
  ApplyServerSideEncryptionByDefault: Object.freeze({ SSEAlgorithm: 'AES256' as const }), BucketKeyEnabled: false,
});

/** The SSE a new object without SSE-C gets: the request's header, else the bucket's rule, else SSE-S3. */
export const defaultEncryption = (bucket: Bucket, header: ServerSideEncryption | undefined): ServerSideEncryption =>
  header ?? (bucket.rule ?? BASE_ENCRYPTION_RULE).ApplyServerSideEncryptionByDefault.SSEAlgorithm;

export interface StoredObject {
  /** "null" unless the bucket had versioning enabled when it was written. */
  versionId: string;
  deleteMarker?: boolean;
  /** The stored bytes' id in the ObjectBodies (a name no body has for a delete marker, or an object served from `partBodies`). */
  bodyId: string;
  /**
   * A completed multipart upload's object, served from its parts' bodies as they were stored (each
   * bound to its upload and part number: body-binding.ts): the upload, and its parts' numbers and
   * body ids in order. Absent: one body, `bodyId` (an object put whole, or completed by an earlier release).
   */
  partBodies?: PartBodies;
  size: number;
  etag: string;
  lastModified: Date;
  /** Undefined for SSE-C, and for a body an earlier release stored unencrypted (read as it was stored). */
  sse?: ServerSideEncryption;
  kmsKeyId?: string;
  /** SSE-C: the salted HMAC of the customer's key. */
  customerKey?: CustomerKeyCheck;
  /** SSE-KMS with an S3 Bucket Key. */
  bucketKey?: boolean;
  contentType?: string;
  metadata: Record<string, string>;
  /** A completed multipart upload's part sizes in order (GetObject/HeadObject partNumber); absent for an object put whole. */
  parts?: number[];
  /** A completed upload's parts' checksums in order, of the algorithm of `checksums` (GetObject/HeadObject partNumber with ChecksumMode). */
  partChecksums?: string[];
  /** COMPOSITE for a completed upload's checksum of its parts' checksums ("…-<parts>"); absent: FULL_OBJECT. */
  checksumType?: 'COMPOSITE';
  /** The body's checksums that the PUT carried, verified (base64, by the SDK's member name), returned when a read asks for them. */
  checksums?: Partial<Record<ChecksumMember, string>>;
}

export interface PartBodies {
  uploadId: string;
  partNumbers: number[];
  bodyIds: string[];
}

export interface Bucket {
  name: string;
  owner: string;
  created: Date;
  rule?: EncryptionRule;
  policy?: { text: string; document?: PolicyDocument };
  versioning?: 'Enabled' | 'Suspended';
  /** Each key's versions, oldest first. */
  objects: SortedObjectMap<StoredObject[]>;
}

export const newVersionId = () => bytesToBase64(crypto.getRandomValues(new Uint8Array(24))).replace(/[+/=]/g, (c) => ({ '+': '.', '/': '_', '=': '' })[c]!);

/** The ids of the bodies a version is stored in (none is kept for a delete marker). */
export const bodyIdsOf = (version: StoredObject): string[] => version.deleteMarker ? [] : version.partBodies?.bodyIds ?? [version.bodyId];

/** Every body id the buckets' versions hold: kept by the orphaned-body cleanup. */
export const versionBodyIds = (buckets: Map<string, Bucket>): string[] => [...buckets.values()].flatMap((b) => [...b.objects.values()].flat().flatMap(bodyIdsOf));

/** Puts `before` back as `key`'s versions, unless another call has changed them since they became `after`. */
export function restoreVersions(bucket: Bucket, key: string, before: StoredObject[] | undefined, after: StoredObject[] | undefined): void {
  if (bucket.objects.get(key) !== after) return;
  if (before) bucket.objects.set(key, before);
  else bucket.objects.delete(key);
}

/** Adds a version: appended with versioning enabled, otherwise replacing the "null" version. Returns the replaced versions. */
export function addVersion(bucket: Bucket, key: string, object: StoredObject): StoredObject[] {
  const existing = bucket.objects.get(key) ?? [];
  const replaced = existing.filter((v) => bucket.versioning !== 'Enabled' && v.versionId === 'null');
  bucket.objects.set(key, [...existing.filter((v) => !replaced.includes(v)), object]);
  return replaced;
}
