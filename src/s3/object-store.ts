// ObjectStore: S3-style buckets and objects with server-side encryption, the S3 request and
// response shapes. Every call is authorized (bucket policy + identity policies) before any key is
// touched. Encrypted objects are stored as framed envelope messages (docs/format.md), each SSE mode's
// layers made and opened in object-encryption.ts. With versioning enabled, every PUT adds a version
// (each with its own data key) and DELETE adds a delete marker; older versions stay readable by
// VersionId. Metadata lives behind ObjectMetadataStore: in memory (memory-object-metadata.ts), or with
// `dir` (kms-wasm/node: node-object-store.ts) in a directory, one file per version plus one journal
// line per change (directory-object-metadata.ts), so a call costs the same however many objects exist.
// Bodies stream in and out: putObject takes bytes, text or a stream and encrypts it as it reads;
// getObject's Body is a stream shaped as the AWS SDK's (streaming-body.ts), decrypting one frame at a
// time, a Range only the frames it needs. Multipart uploads (multipart-uploads.ts) keep their parts
// sealed at rest until completion. Every encrypted body is bound to its bucket, key and version
// (body-binding.ts): a body moved to another object fails to read.
// The operations live by kind: bucket-operations.ts, object-writes.ts, object-reads.ts,
// object-listing.ts, object-copy.ts and multipart-uploads.ts, over the checks they share (object-access.ts).

import { concatBytes } from '../core/bytes.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { HostKms } from '../envelope/kms-client.js';
import type { Caller } from '../policy/caller.js';
import type { Iam } from '../policy/index.js';
import { BucketOperations } from './bucket-operations.js';
import { BucketKeyCache } from './bucket-keys.js';
import { MultipartUploads } from './multipart-uploads.js';
import { ObjectAccess } from './object-access.js';
import { readWholeBody, type ObjectBodies } from './object-bodies.js';
import type { ChecksummerFactory } from './object-checksums.js';
import { ObjectCopies } from './object-copy.js';
import { ObjectEncryption } from './object-encryption.js';
import { ObjectListing } from './object-listing.js';
import type { ObjectMetadataStore } from './object-metadata.js';
import { MemoryObjectMetadata } from './memory-object-metadata.js';
import { bodyIdsOf, type Bucket } from './object-records.js';
import { ObjectReads } from './object-reads.js';
import { ObjectWrites } from './object-writes.js';
import { malformedS3Request } from './request-shapes.js';
import type {
  AbortMultipartUploadOutput, AbortMultipartUploadRequest, CompleteMultipartUploadOutput, CompleteMultipartUploadRequest, CopyObjectOutput,
  CopyObjectRequest, CreateBucketOutput, CreateBucketRequest, CreateMultipartUploadOutput, CreateMultipartUploadRequest, DeleteBucketOutput,
  DeleteBucketRequest, DeleteObjectOutput, DeleteObjectRequest, GetBucketEncryptionOutput, GetBucketEncryptionRequest, GetBucketPolicyOutput,
  GetBucketPolicyRequest, GetBucketVersioningOutput, GetBucketVersioningRequest, GetObjectOutput, GetObjectRequest, HeadObjectOutput,
  HeadObjectRequest, ListBucketsOutput, ListBucketsRequest, ListObjectsV2Output, ListObjectsV2Request, ListObjectVersionsOutput,
  ListObjectVersionsRequest, PutBucketEncryptionOutput, PutBucketEncryptionRequest, PutBucketPolicyOutput, PutBucketPolicyRequest,
  PutBucketVersioningOutput, PutBucketVersioningRequest, PutObjectOutput, PutObjectRequest, UploadPartCopyOutput, UploadPartCopyRequest, GetObjectTaggingOutput, GetObjectTaggingRequest,
  UploadPartOutput, UploadPartRequest,
} from './s3-api-types.js';
import { s3Error } from './s3-errors.js';

export type { ServerSideEncryption } from './object-records.js';

export interface ObjectStoreOptions {
  /** kms-wasm's KeyManagementService, or any KMS with the HostKms interface. */
  kms: HostKms;
  iam?: Iam;
  /** Refuse SSE-C requests that do not say they came over TLS (`SecureTransport: true`), as S3 refuses plain HTTP. */
  requireSecureTransport?: boolean;
  /** How long a bucket key from KMS is reused (default 5 minutes). */
  bucketKeyTtlMs?: number;
  /** The time source for bucket-key expiry (default: the clock's). */
  now?: () => number;
  /** Where LastModified and bucket CreationDate come from (default the system clock), so tests can fix it. */
  clock?: Clock;
  /**
   * A directory for object bodies and metadata; omitted: in memory. One process writes it at a time
   * (see README, Stores). Node only: the ObjectStore of kms-wasm/node opens it (in Node, 'kms-wasm'
   * is that build too); the browser build refuses it with an InvalidArgument S3Error.
   */
  dir?: string;
  /**
   * Computes the checksums of multipart uploads that ask for them (CreateMultipartUpload's
   * ChecksumAlgorithm); `kms-wasm serve` passes AWS's own implementations. Without it such an upload is refused.
   */
  checksummer?: ChecksummerFactory;
  /** With `dir`: milliseconds to wait for another writer to release the directory (default 0: refuse at once with a StoreLockedError). */
  waitForLock?: number;
  /**
   * Where the metadata lives, instead of `dir`: e.g. a PostgresObjectMetadata (kms-wasm/node) that
   * several processes share. Omitted: in memory, or `dir`.
   */
  store?: ObjectMetadataStore;
  /**
   * Seal the bodies of PutObject (and of the objects CopyObject and CompleteMultipartUpload write) on
   * the shared worker pool instead of the calling thread: the same bytes, the calling thread left
   * free for the sockets and checksums; and open the frames GetObject reads there too, a read's
   * batch at a time. Default false. Parts of multipart uploads are sealed in the thread.
   */
  workerPool?: boolean;
}

/** S3's largest single PUT (https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html): 5 GiB. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

export class ObjectStore {
  private readonly access: ObjectAccess;
  private readonly bucketOperations: BucketOperations;
  private readonly writes: ObjectWrites;
  private readonly reads: ObjectReads;
  private readonly listing: ObjectListing;
  private readonly copies: ObjectCopies;
  private readonly multipart: MultipartUploads;

  constructor(options: ObjectStoreOptions) {
    if (!options?.kms) throw s3Error('InvalidArgument', 'kms: a KMS (KeyManagementService or another HostKms) is required');
    if (options.waitForLock !== undefined && !(Number.isSafeInteger(options.waitForLock) && options.waitForLock >= 0)) {
      throw s3Error('InvalidArgument', 'waitForLock: expected a whole number of milliseconds, 0 or more');
    }
    if (options.store && options.dir !== undefined) throw s3Error('InvalidArgument', 'store: give either a store or a dir, not both');
    // Directory storage is Node's (node-object-store.ts turns `dir` into a `store`), so browser bundles carry none of it.
    if (options.dir !== undefined) {
      throw s3Error('InvalidArgument', "dir: directory storage needs Node: import { ObjectStore } from 'kms-wasm/node' (in Node, 'kms-wasm' is that build)");
    }
    const state = options.store ?? new MemoryObjectMetadata();
    const clock = options.clock ?? systemClock;
    const access = new ObjectAccess(options.kms, options.iam, state, clock, options.requireSecureTransport ?? false);
    const encryption = new ObjectEncryption(access,
      new BucketKeyCache(options.kms, options.bucketKeyTtlMs ?? 5 * 60_000, options.now ?? (() => clock.now().getTime())));
    this.access = access;
    this.bucketOperations = new BucketOperations(access);
    const sealing = options.workerPool ? 'pool' : 'thread';
    this.writes = new ObjectWrites(access, encryption, sealing);
    this.reads = new ObjectReads(access, encryption, sealing);
    this.listing = new ObjectListing(access);
    this.multipart = new MultipartUploads({
      load: () => access.load(), who: (caller) => access.who(caller), bucket: (name) => access.bucket(name), checkKey: (key) => access.checkKey(key),
      authorizePut: (who, bucket, key, request) => access.authorizePut(who, bucket, key, request),
      customerKey: (request) => access.customerKey(request), matchingCustomerKey: (r, check, missing) => access.matchingCustomerKey(r, check, missing),
      encryption, bodies: () => state.bodies, uploads: () => state.uploads, change: (decide) => state.change(decide), account: options.kms.account, checksummer: options.checksummer, clock,
    });
    this.copies = new ObjectCopies(access, {
      getObject: (request, caller) => this.getObject(request, caller), headObject: (request, caller) => this.headObject(request, caller),
      putObject: (request, caller) => this.putObject(request, caller), uploadPart: (request, caller) => this.multipart.uploadPart(request, caller),
    }, options.checksummer);
  }

  /**
   * Rotates the SSE-S3 root key: objects written from now on use a new root key version; existing
   * objects keep decrypting with the version their header names. Returns the new version's id.
   */
  rotateSseS3RootKey(): Promise<{ RootKeyId: string }> {
    return this.access.state.rotateSseS3RootKey();
  }

  /** Releases a directory store's lock (after pending writes); every later call is refused with a StoreClosedError. */
  close(): Promise<void> {
    return this.access.state.close();
  }

  /** The region every bucket of this store is in: its KMS's (one store, one region, as one S3 endpoint). */
  get region(): string {
    return this.access.kms.region;
  }

  // The store's state, as tests that tamper with it reach it.
  private get buckets(): Map<string, Bucket> {
    return this.access.buckets;
  }

  private get bodies(): ObjectBodies {
    return this.access.bodies;
  }

  // ---------------------------------------------------------------- buckets (bucket-operations.ts)

  createBucket(request: CreateBucketRequest, caller?: Caller): Promise<CreateBucketOutput> {
    return this.bucketOperations.createBucket(request, caller);
  }

  putBucketEncryption(request: PutBucketEncryptionRequest, caller?: Caller): Promise<PutBucketEncryptionOutput> {
    return this.bucketOperations.putBucketEncryption(request, caller);
  }

  getBucketEncryption(request: GetBucketEncryptionRequest, caller?: Caller): Promise<GetBucketEncryptionOutput> {
    return this.bucketOperations.getBucketEncryption(request, caller);
  }

  /** Resets the bucket's default encryption to SSE-S3, the base level every bucket has (S3 DeleteBucketEncryption, action s3:PutEncryptionConfiguration). */
  deleteBucketEncryption(request: { Bucket: string }, caller?: Caller) {
    return this.bucketOperations.deleteBucketEncryption(request, caller);
  }

  putBucketVersioning(request: PutBucketVersioningRequest, caller?: Caller): Promise<PutBucketVersioningOutput> {
    return this.bucketOperations.putBucketVersioning(request, caller);
  }

  getBucketVersioning(request: GetBucketVersioningRequest, caller?: Caller): Promise<GetBucketVersioningOutput> {
    return this.bucketOperations.getBucketVersioning(request, caller);
  }

  /** Public policies (an Allow to Principal "*") are refused, as S3's Block Public Access does. */
  putBucketPolicy(request: PutBucketPolicyRequest, caller?: Caller): Promise<PutBucketPolicyOutput> {
    return this.bucketOperations.putBucketPolicy(request, caller);
  }

  /** The bucket's policy document as it was put (S3 GetBucketPolicy); NoSuchBucketPolicy when it has none. */
  getBucketPolicy(request: GetBucketPolicyRequest, caller?: Caller): Promise<GetBucketPolicyOutput> {
    return this.bucketOperations.getBucketPolicy(request, caller);
  }

  /** Removes the bucket's policy (S3 DeleteBucketPolicy: 204 whether or not it had one). */
  deleteBucketPolicy(request: { Bucket: string }, caller?: Caller) {
    return this.bucketOperations.deleteBucketPolicy(request, caller);
  }

  /** The account's buckets by name (S3 ListBuckets, action s3:ListAllMyBuckets). */
  listBuckets(request: ListBucketsRequest = {}, caller?: Caller): Promise<ListBucketsOutput> {
    return this.bucketOperations.listBuckets(request, caller);
  }

  /** Removes an empty bucket (S3 DeleteBucket: BucketNotEmpty while any object version or delete marker is left). */
  deleteBucket(request: DeleteBucketRequest, caller?: Caller): Promise<DeleteBucketOutput> {
    return this.bucketOperations.deleteBucket(request, caller);
  }

  // ---------------------------------------------------------------- objects (object-writes.ts, object-reads.ts, object-listing.ts, object-copy.ts)

  /**
   * Stores an object. `Body`: a Uint8Array, a string, a Blob, a Web ReadableStream, a Node Readable or
   * any async iterable of Uint8Array, read once and encrypted to the body's file as it arrives
   * (memory: about one MiB, whatever its size); `ContentLength`, if given, must match it. At most 5 GiB.
   */
  putObject(request: PutObjectRequest, caller?: Caller): Promise<PutObjectOutput> {
    const malformed = malformedS3Request('PutObject', request); if (malformed) return malformed;
    return this.writes.storeObject(request, caller, MAX_PUT_BYTES);
  }

  /**
   * Reads an object. `Body` is a stream shaped as the AWS SDK's (streaming-body.ts): read it with
   * `transformToByteArray()`, `transformToString()`, `transformToWebStream()` or `for await`. The key,
   * the headers and the first frame are checked before this resolves; each later frame as it is read.
   */
  getObject(request: GetObjectRequest, caller?: Caller): Promise<GetObjectOutput> {
    return this.reads.getObject(request, caller);
  }

  /** Metadata only. Like S3, it checks s3:GetObject, the SSE-C key, and for SSE-KMS that the caller may decrypt. */
  headObject(request: HeadObjectRequest, caller?: Caller): Promise<HeadObjectOutput> {
    return this.reads.headObject(request, caller);
  }

  /**
   * The object's tags (S3 GetObjectTagging): an empty TagSet, as this store keeps no tags; it needs
   * s3:GetObjectTagging (s3:GetObjectVersionTagging with a VersionId), not the SSE-C key nor KMS.
   */
  getObjectTagging(request: GetObjectTaggingRequest, caller?: Caller): Promise<GetObjectTaggingOutput> {
    return this.reads.getObjectTagging(request, caller);
  }

  /** Without VersionId: removes the object, or with versioning enabled adds a delete marker. With it: removes that version. */
  deleteObject(request: DeleteObjectRequest, caller?: Caller): Promise<DeleteObjectOutput> {
    return this.writes.deleteObject(request, caller);
  }

  listObjectVersions(request: ListObjectVersionsRequest, caller?: Caller): Promise<ListObjectVersionsOutput> {
    return this.listing.listObjectVersions(request, caller);
  }

  /**
   * Keys in UTF-8 byte order (as S3 lists them), at most MaxKeys (0–1000; larger asks get 1000) a page,
   * after StartAfter or, for the next page, the NextContinuationToken a truncated page returned.
   */
  listObjectsV2(request: ListObjectsV2Request, caller?: Caller): Promise<ListObjectsV2Output> {
    return this.listing.listObjectsV2(request, caller);
  }

  /**
   * Copies an object, re-encrypting it to the destination's settings: the request's SSE headers,
   * or else the destination bucket's default (as S3 does). The source is read as the caller (with
   * CopySourceSSECustomer* for an SSE-C source), so the caller needs to be able to read it.
   */
  copyObject(request: CopyObjectRequest, caller?: Caller): Promise<CopyObjectOutput> {
    return this.copies.copyObject(request, caller);
  }

  /** Uploads a part copied from an existing object, or from the bytes `CopySourceRange` names (object-copy.ts). */
  uploadPartCopy(request: UploadPartCopyRequest, caller?: Caller): Promise<UploadPartCopyOutput> {
    return this.copies.uploadPartCopy(request, caller);
  }

  // ---------------------------------------------------------------- multipart upload (multipart-uploads.ts)

  createMultipartUpload(request: CreateMultipartUploadRequest, caller?: Caller): Promise<CreateMultipartUploadOutput> {
    const malformed = malformedS3Request('CreateMultipartUpload', request); if (malformed) return malformed;
    return this.multipart.create(request, caller);
  }

  uploadPart(request: UploadPartRequest, caller?: Caller): Promise<UploadPartOutput> {
    const malformed = malformedS3Request('UploadPart', request); if (malformed) return malformed;
    return this.multipart.uploadPart(request, caller);
  }

  completeMultipartUpload(request: CompleteMultipartUploadRequest, caller?: Caller): Promise<CompleteMultipartUploadOutput> {
    const malformed = malformedS3Request('CompleteMultipartUpload', request); if (malformed) return malformed;
    return this.multipart.complete(request, caller);
  }

  abortMultipartUpload(request: AbortMultipartUploadRequest, caller?: Caller): Promise<AbortMultipartUploadOutput> {
    const malformed = malformedS3Request('AbortMultipartUpload', request); if (malformed) return malformed;
    return this.multipart.abort(request, caller);
  }

  listParts(request: Parameters<MultipartUploads['listParts']>[0], caller?: Caller) {
    const malformed = malformedS3Request('ListParts', request); if (malformed) return malformed;
    return this.multipart.listParts(request, caller);
  }

  /** The bytes kept at rest for an object (ciphertext when encrypted; a multipart object's parts one after another): for tests and audits. */
  async storedBytes(bucketName: string, key: string, versionId?: string): Promise<Uint8Array | undefined> {
    await this.access.load();
    const versions = this.buckets.get(bucketName)?.objects.get(key);
    const version = versionId === undefined ? versions?.at(-1) : versions?.find((v) => v.versionId === versionId);
    return version && !version.deleteMarker ? concatBytes(await Promise.all(bodyIdsOf(version).map((id) => readWholeBody(this.bodies, id)))) : undefined;
  }
}
