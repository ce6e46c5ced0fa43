// Multipart uploads in progress, as the ObjectMetadataStore keeps them (multipart-uploads.ts makes
// them): durable like object versions, so an upload started through one process takes parts and
// completes through another sharing the store, and survives a restart. What is kept is what the
// upload needs to go on: the final PUT's settings and fixed encryption (KMS key ARN, bucket key), the
// SSE-C key's check (a salted HMAC, never the key), the checksum algorithm, and each part's body id,
// size, ETag, time and checksum. The parts' bodies are sealed as the object's body would be, and the
// completed object is served from them (multipart-uploads.ts).

import type { PutObjectSettings, UploadPartOutput } from './s3-api-types.js';
import type { UploadChecksum } from './object-checksums.js';
import type { CustomerKeyCheck } from './sse-c-keyring.js';

export interface StoredPart { bodyId: string; size: number; etag: string; lastModified: Date; checksum?: string }

export interface StoredUpload {
  bucket: string;
  key: string;
  initiator: string;
  /** The PUT settings the completed object gets (SSE-C: the key's check, not the key). */
  settings: Omit<PutObjectSettings, 'Bucket' | 'Key' | 'SSECustomerKey' | 'SSECustomerKeyMD5'>;
  customerKey?: CustomerKeyCheck;
  /** With a ChecksumAlgorithm: every part's checksum is computed as it arrives, and the object's from them. */
  checksum?: UploadChecksum;
  /** How the completed object is encrypted (its parts sealed so), as CreateMultipartUpload and each UploadPart answer it: SSE-KMS's key as an ARN. */
  encryption: Pick<UploadPartOutput, 'ServerSideEncryption' | 'SSEKMSKeyId' | 'BucketKeyEnabled' | 'SSECustomerAlgorithm'>;
  /** Parts sealed with the object's own encryption, served as stored once complete; absent for an upload an earlier release began (re-encrypted on completion then). */
  sealedAsObject?: true;
  parts: Map<number, StoredPart>;
}

export type SavedUpload = Omit<StoredUpload, 'parts'>;
export type SavedPart = Omit<StoredPart, 'lastModified'> & { lastModified: string };

/** One change to the uploads, as stored: an upload started, a part stored (replacing one of its number), an upload ended (completed or aborted). */
export type UploadRecord =
  | { upload: { uploadId: string; upload: SavedUpload } }
  | { part: { uploadId: string; partNumber: number; part: SavedPart } }
  | { dropUpload: { uploadId: string } };

export const uploadRecord = (uploadId: string, { parts: _parts, ...upload }: StoredUpload): UploadRecord => ({ upload: { uploadId, upload } });

export const partRecord = (uploadId: string, partNumber: number, part: StoredPart): UploadRecord => ({
  part: { uploadId, partNumber, part: { ...part, lastModified: part.lastModified.toISOString() } } });

export const isUploadRecord = (record: object): record is UploadRecord => 'upload' in record || 'part' in record || 'dropUpload' in record;

export const restoreUpload = (saved: SavedUpload): StoredUpload => ({ ...saved, parts: new Map() });
export const restorePart = (saved: SavedPart): StoredPart => ({ ...saved, lastModified: new Date(saved.lastModified) });

/** Every live upload as records (the upload, then its parts): what a compacted journal keeps. */
export const liveUploadRecords = (uploads: Map<string, StoredUpload>): UploadRecord[] => [...uploads].flatMap(([id, upload]) => [
  uploadRecord(id, upload), ...[...upload.parts].map(([n, part]) => partRecord(id, n, part))]);

/** The body ids the uploads' parts hold: kept by the orphaned-body cleanup. */
export const partBodyIds = (uploads: Map<string, StoredUpload>): string[] => [...uploads.values()].flatMap((u) => [...u.parts.values()].map((p) => p.bodyId));

/** Applies a record to `uploads`; `damaged` makes the error for a part of an upload that does not exist. */
export function applyUploadRecord(uploads: Map<string, StoredUpload>, record: UploadRecord, damaged: (message: string) => Error): void {
  if ('upload' in record) {
    const { uploadId, upload } = record.upload;
    uploads.set(uploadId, { ...restoreUpload(upload), parts: uploads.get(uploadId)?.parts ?? new Map() }); // read again (a shared store's catch-up): its parts kept
  }
  else if ('dropUpload' in record) uploads.delete(record.dropUpload.uploadId);
  else {
    const upload = uploads.get(record.part.uploadId);
    if (!upload) throw damaged(`stores a part of an upload ${record.part.uploadId} it never started`);
    upload.parts.set(record.part.partNumber, restorePart(record.part.part));
  }
}
