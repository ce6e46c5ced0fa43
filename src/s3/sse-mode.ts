// What an SSE mode of an ObjectStore owns, in both directions — one module per mode: sse-none.ts
// (plaintext), sse-s3.ts (AES256), sse-kms.ts (aws:kms, with S3 Bucket Keys), dsse-kms.ts
// (aws:kms:dsse), sse-c.ts (customer-provided keys): the layers' materials a write seals the body
// under, the data-key resolvers a read opens it with, and the SSE fields S3 answers with for a
// version the mode encrypted. object-encryption.ts picks the mode of a write or of a stored version.

import type { DataKeyResolver, EncryptionMaterials } from '../envelope/materials.js';
import type { Caller } from '../policy/caller.js';
import type { BucketKeyCache } from './bucket-keys.js';
import type { ObjectAccess } from './object-access.js';
import type { Bucket, ServerSideEncryption, StoredObject } from './object-records.js';
import type { HeadObjectOutput, PutObjectSettings } from './s3-api-types.js';

/** What the modes work with: the store (SSE-S3's root keys, the KMS) and the bucket-key cache. */
export interface SseServices {
  access: ObjectAccess;
  bucketKeys: BucketKeyCache;
}

/** What a PUT's (or an upload's) encryption is decided from. */
export interface ObjectWrite {
  request: PutObjectSettings;
  who: Caller;
  bucket: Bucket;
  objectArn: string;
  sse: ServerSideEncryption | undefined;
  /** The request's SSE-C key, if any (the caller zeroes it). */
  customerKey: Uint8Array | undefined;
  /** The version being written: gets its customerKey check, bucketKey flag and kmsKeyId. */
  object: StoredObject;
}

/** What a read of a stored version opens its layers with. */
export interface ObjectRead {
  object: StoredObject;
  objectArn: string;
  who: Caller;
  /** The request's SSE-C key, checked against the version's (SSE-C only; the caller zeroes it). */
  customerKey: Uint8Array | undefined;
}

/** How a version is encrypted, as its record says: what its mode and response fields are decided from. */
export type VersionEncryption = Pick<StoredObject, 'sse' | 'kmsKeyId' | 'bucketKey' | 'customerKey'>;

/** The SSE fields of a response (x-amz-server-side-encryption…). */
export type SseHeaders = Pick<HeadObjectOutput, 'ServerSideEncryption' | 'SSEKMSKeyId' | 'BucketKeyEnabled' | 'SSECustomerAlgorithm'>;

export interface SseMode {
  /** Adds the mode's layers' materials to `layers`, innermost first, and records on the version how it is encrypted. */
  encrypt(layers: EncryptionMaterials[], write: ObjectWrite, services: SseServices): Promise<void>;
  /** The data-key resolvers of a version's layers, outermost first. */
  decrypt(read: ObjectRead, services: SseServices): DataKeyResolver[];
  /** The SSE fields S3 answers with for a version of this mode (and for an upload that completes into one: CreateMultipartUpload, UploadPart, CompleteMultipartUpload). */
  headers(object: VersionEncryption): SseHeaders;
}
