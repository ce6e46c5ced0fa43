// ObjectStore: S3-style buckets and objects with server-side encryption, the S3 request and
// response shapes. Every call is authorized (bucket policy + identity policies) before any key is
// touched. Encrypted objects are stored as framed envelope messages (docs/format.md):
//   SSE-S3  (AES256)   data key wrapped by the store's own root key; no KMS call
//   SSE-KMS (aws:kms)  data key from KMS generateDataKey under the caller's key or alias/aws/s3,
//                      the object ARN in the encryption context; reading needs kms:Decrypt
//   DSSE-KMS (aws:kms:dsse)  two independent layers, each an envelope message with its own KMS data key
//   SSE-C    the customer's key encrypts directly; only a salted HMAC of it is kept
// With versioning enabled, every PUT adds a version (each with its own data key) and DELETE adds a
// delete marker; older versions stay readable by VersionId. Objects live in memory or, with `dir`,
// in a directory: one file per version plus one journal line per change (object-persistence.ts), so
// a call costs the same however many objects exist. Bodies stream in and out: putObject takes bytes,
// text or a stream and encrypts it to its file as it reads; getObject's Body is a stream shaped as the
// AWS SDK's (streaming-body.ts), decrypting one frame at a time, a Range only the frames it needs.
// Multipart uploads (multipart-uploads.ts) keep their parts sealed at rest until completion. Every
// encrypted body is bound to its bucket, key and version (body-binding.ts): a body moved to another
// object fails to read.

import { base64ToBytes, bytesToBase64 } from '../core/base64.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { DataKeyResolver, EncryptionMaterials } from '../envelope/materials.js';
import { kmsDataKeyResolver, kmsEncryptionMaterials } from '../kms/kms-keyring.js';
import type { HostKms } from '../envelope/kms-client.js';
import type { Caller } from '../policy/caller.js';
import { KmsError } from '../kms/kms-errors.js';
import { isPrincipalArn, parsePolicy, rootArn, type ConditionContext, type Iam, type PolicyDocument } from '../policy/index.js';
import { authorizeS3 } from './bucket-authorizer.js';
import { openRangedMessage } from '../envelope/ranged-decrypt.js';
import { bindMaterials, bindResolver, OBJECT_ARN_KEY, VERSION_ID_KEY } from './body-binding.js';
import { BucketKeyCache } from './bucket-keys.js';
import { parseRange, partRange } from './byte-range.js';
import { openDecryptedBody } from './body-decryption.js';
import { writeEncryptedBody } from './body-encryption.js';
import { bodyPieces, checkContentLength } from './object-bytes.js';
import { readWholeBody, type ObjectBodies } from './object-bodies.js';
import { unmetCondition } from './object-conditions.js';
import { versionPage } from './version-listing.js';
import { malformedS3Request } from './request-shapes.js';
import type {
  AbortMultipartUploadOutput, AbortMultipartUploadRequest, CompleteMultipartUploadOutput, CompleteMultipartUploadRequest, CopyObjectOutput,
  CopyObjectRequest, CreateBucketOutput, CreateBucketRequest, CreateMultipartUploadOutput, CreateMultipartUploadRequest, DeleteBucketOutput,
  DeleteBucketRequest, DeleteObjectOutput, DeleteObjectRequest, GetBucketEncryptionOutput, GetBucketEncryptionRequest, GetBucketPolicyOutput,
  GetBucketPolicyRequest, GetBucketVersioningOutput, GetBucketVersioningRequest, GetObjectOutput, GetObjectRequest, HeadObjectOutput,
  HeadObjectRequest, ListBucketsOutput, ListBucketsRequest, ListObjectsV2Output, ListObjectsV2Request, ListObjectVersionsOutput,
  ListObjectVersionsRequest, ObjectRequest, PutBucketEncryptionOutput, PutBucketEncryptionRequest, PutBucketPolicyOutput, PutBucketPolicyRequest,
  PutBucketVersioningOutput, PutBucketVersioningRequest, PutObjectOutput, PutObjectRequest, PutObjectSettings, UploadPartOutput, UploadPartRequest,
  CopySourceFields, UploadPartCopyOutput, UploadPartCopyRequest, GetObjectTaggingOutput, GetObjectTaggingRequest,
} from './s3-api-types.js';
import { MultipartUploads, type CompletedUpload } from './multipart-uploads.js';
import { CHECKSUM_ALGORITHMS, copyChecksum, memberOf, type ChecksummerFactory } from './object-checksums.js';
import { bucketRecord, dropBucketRecord, dropRecord, putRecord, type ObjectMetadataStore, type ObjectRecord } from './object-metadata.js';
import { ObjectPersistence } from './object-persistence.js';
import { addVersion, BASE_ENCRYPTION_RULE, defaultEncryption, newVersionId, SSE_VALUES, type Bucket, type StoredObject } from './object-records.js';
import { s3Error, type S3ErrorCode } from './s3-errors.js';
import { SortedObjectMap } from './sorted-object-map.js';
import { started, streamingBody } from './streaming-body.js';
import { customerKeyCheck, customerKeyMaterials, customerKeyOf, verifyCustomerKey, type CustomerKeyCheck } from './sse-c-keyring.js';

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
  /** A directory for object bodies and metadata (Node); omitted: in memory. One process writes it at a time (see README, Stores). */
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
}

/** S3's largest single PUT (https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html): 5 GiB. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;
/** S3's largest object (a multipart upload): 5 TiB. */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4;

const S3 = 's3.amazonaws.com';

/**
 * The action a request on an object needs: one for the current version, another when it names a
 * VersionId (Service Authorization Reference, "Actions defined by Amazon S3"; e.g. GetObject needs
 * s3:GetObjectVersion for a version, GetObjectTagging s3:GetObjectVersionTagging).
 */
interface ObjectAction {
  current: string;
  version: string;
}
const GET_OBJECT: ObjectAction = { current: 's3:GetObject', version: 's3:GetObjectVersion' };
const GET_OBJECT_TAGGING: ObjectAction = { current: 's3:GetObjectTagging', version: 's3:GetObjectVersionTagging' };
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();

/** A continuation token: the last key listed, opaque to callers (base64 of its UTF-8). */
const tokenOfKey = (key: string) => bytesToBase64(utf8.encode(key));

function keyOfToken(token: string): string {
  try {
    return strictUtf8.decode(base64ToBytes(token));
  } catch {
    throw s3Error('InvalidArgument', 'ContinuationToken: not a token this store returned');
  }
}
const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** A KMS refusal while serving an S3 request: S3 reports it as its own error, with the KMS error as cause. */
function fromKms(error: unknown): never {
  if (error instanceof KmsError) {
    const code: S3ErrorCode = error.name === 'AccessDeniedException' ? 'AccessDenied'
      : error.name === 'DisabledException' ? 'KMS.DisabledException'
        : error.name === 'NotFoundException' ? 'KMS.NotFoundException' : 'KMS.KMSInvalidStateException';
    throw s3Error(code, `KMS refused: ${error.message}`, { cause: error });
  }
  throw error;
}

export class ObjectStore {
  private readonly kms: HostKms;
  private readonly iam: Iam | undefined;
  private readonly state: ObjectMetadataStore;
  private readonly requireSecureTransport: boolean;
  private readonly bucketKeys: BucketKeyCache;
  private readonly multipart: MultipartUploads;
  private readonly clock: Clock;
  private readonly checksummer: ChecksummerFactory | undefined;

  constructor(options: ObjectStoreOptions) {
    if (!options?.kms) throw s3Error('InvalidArgument', 'kms: a KMS (KeyManagementService or another HostKms) is required');
    if (options.waitForLock !== undefined && !(Number.isSafeInteger(options.waitForLock) && options.waitForLock >= 0)) {
      throw s3Error('InvalidArgument', 'waitForLock: expected a whole number of milliseconds, 0 or more');
    }
    this.kms = options.kms;
    this.iam = options.iam;
    if (options.store && options.dir !== undefined) throw s3Error('InvalidArgument', 'store: give either a store or a dir, not both');
    this.state = options.store ?? new ObjectPersistence(options.dir, options.waitForLock);
    this.requireSecureTransport = options.requireSecureTransport ?? false;
    this.clock = options.clock ?? systemClock;
    this.checksummer = options.checksummer;
    this.bucketKeys = new BucketKeyCache(options.kms, options.bucketKeyTtlMs ?? 5 * 60_000, options.now ?? (() => this.clock.now().getTime()));
    this.multipart = new MultipartUploads({
      load: () => this.load(), who: (caller) => this.who(caller), bucket: (name) => this.bucket(name), checkKey: (key) => this.checkKey(key),
      authorizePut: (who, bucket, key, request) => this.authorizePut(who, bucket, key, request),
      customerKey: (request) => this.customerKey(request), matchingCustomerKey: (r, check, missing) => this.matchingCustomerKey(r, check, missing),
      sseS3: () => this.state.sseS3, bodies: () => this.bodies, account: this.kms.account, checksummer: this.checksummer,
      putObject: (request, caller, completed) => this.storeObject(request, caller, MAX_OBJECT_BYTES, completed),
    });
  }

  /**
   * Rotates the SSE-S3 root key: objects written from now on use a new root key version; existing
   * objects keep decrypting with the version their header names. Returns the new version's id.
   */
  rotateSseS3RootKey(): Promise<{ RootKeyId: string }> {
    return this.state.rotateSseS3RootKey();
  }

  /** Releases a directory store's lock (after pending writes); every later call is refused with a StoreClosedError. */
  close(): Promise<void> {
    return this.state.close();
  }

  /** The region every bucket of this store is in: its KMS's (one store, one region, as one S3 endpoint). */
  get region(): string {
    return this.kms.region;
  }

  private get buckets(): Map<string, Bucket> {
    return this.state.buckets;
  }

  private get bodies(): ObjectBodies {
    return this.state.bodies;
  }

  private load(): Promise<void> {
    return this.state.load();
  }

  /** Puts `before` back as `key`'s versions, unless another call has changed them since they became `after`. */
  private static restoreVersions(bucket: Bucket, key: string, before: StoredObject[] | undefined, after: StoredObject[] | undefined): void {
    if (bucket.objects.get(key) !== after) return;
    if (before) bucket.objects.set(key, before);
    else bucket.objects.delete(key);
  }

  /** Sets some of a bucket's settings on current state (the bucket may have gone meanwhile), recorded as one change. */
  private changeBucket(name: string, settings: Partial<Pick<Bucket, 'rule' | 'policy' | 'versioning'>>): Promise<void> {
    return this.state.change(() => {
      const bucket = this.bucket(name);
      const previous = Object.fromEntries(Object.keys(settings).map((setting) => [setting, bucket[setting as keyof typeof settings]]));
      Object.assign(bucket, settings);
      return { record: bucketRecord(bucket), undo: () => Object.assign(bucket, previous) };
    });
  }

  // ---------------------------------------------------------------- buckets

  async createBucket(request: CreateBucketRequest, caller?: Caller): Promise<CreateBucketOutput> {
    const malformed = malformedS3Request('CreateBucket', request); if (malformed) return malformed;
    await this.load();
    const who = this.who(caller);
    if (typeof request.Bucket !== 'string' || !BUCKET_NAME.test(request.Bucket) || request.Bucket.includes('..')) {
      throw s3Error('InvalidBucketName', `Bucket: ${String(request.Bucket)} is not a valid bucket name (3-63 lowercase letters, digits, dots, hyphens)`);
    }
    this.authorize(who, 's3:CreateBucket', `arn:aws:s3:::${request.Bucket}`, undefined, {});
    const bucket: Bucket = { name: request.Bucket, owner: this.kms.account, created: this.clock.now(), objects: new SortedObjectMap<StoredObject[]>() };
    await this.state.change(() => {
      if (this.buckets.has(bucket.name)) throw s3Error('BucketAlreadyOwnedByYou', `${bucket.name} already exists`);
      this.buckets.set(bucket.name, bucket);
      return { record: bucketRecord(bucket), undo: () => this.buckets.get(bucket.name) === bucket && this.buckets.delete(bucket.name) };
    });
    return { Location: `/${request.Bucket}` };
  }

  async putBucketEncryption(request: PutBucketEncryptionRequest, caller?: Caller): Promise<PutBucketEncryptionOutput> {
    const malformed = malformedS3Request('PutBucketEncryption', request); if (malformed) return malformed;
    await this.load();
    const bucket = this.authorizedBucket(request.Bucket, 's3:PutEncryptionConfiguration', caller);
    const rules = request.ServerSideEncryptionConfiguration?.Rules;
    const rule = Array.isArray(rules) && rules.length === 1 ? rules[0]! : undefined;
    const algorithm = rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
    if (!rule || !SSE_VALUES.includes(algorithm as string)) {
      throw s3Error('InvalidArgument', 'ServerSideEncryptionConfiguration: expected one rule with SSEAlgorithm AES256, aws:kms or aws:kms:dsse');
    }
    if (algorithm === 'AES256' && rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID !== undefined) {
      throw s3Error('InvalidArgument', 'KMSMasterKeyID: only with SSEAlgorithm aws:kms');
    }
    await this.changeBucket(bucket.name, { rule: structuredClone(rule) });
    return {};
  }

  async getBucketEncryption(request: GetBucketEncryptionRequest, caller?: Caller): Promise<GetBucketEncryptionOutput> {
    const malformed = malformedS3Request('GetBucketEncryption', request); if (malformed) return malformed;
    await this.load();
    const bucket = this.authorizedBucket(request.Bucket, 's3:GetEncryptionConfiguration', caller);
    return { ServerSideEncryptionConfiguration: { Rules: [structuredClone(bucket.rule ?? BASE_ENCRYPTION_RULE)] } };
  }

  /** Resets the bucket's default encryption to SSE-S3, the base level every bucket has (S3 DeleteBucketEncryption, action s3:PutEncryptionConfiguration). */
  deleteBucketEncryption(request: { Bucket: string }, caller?: Caller) {
    return this.clearBucketSetting('DeleteBucketEncryption', 's3:PutEncryptionConfiguration', 'rule', request, caller);
  }

  /** Removes one of a bucket's settings (there or not), recorded like any change to the bucket. */
  private async clearBucketSetting(operation: 'DeleteBucketEncryption' | 'DeleteBucketPolicy', action: string, setting: 'rule' | 'policy',
    request: { Bucket: string }, caller: Caller | undefined) {
    const malformed = malformedS3Request(operation, request); if (malformed) return malformed;
    await this.load();
    const bucket = this.authorizedBucket(request.Bucket, action, caller);
    await this.changeBucket(bucket.name, { [setting]: undefined });
    return {};
  }

  /** Public policies (an Allow to Principal "*") are refused, as S3's Block Public Access does. */
  async putBucketVersioning(request: PutBucketVersioningRequest, caller?: Caller): Promise<PutBucketVersioningOutput> {
    const malformed = malformedS3Request('PutBucketVersioning', request); if (malformed) return malformed;
    await this.load();
    const bucket = this.authorizedBucket(request.Bucket, 's3:PutBucketVersioning', caller);
    const status = request.VersioningConfiguration?.Status;
    if (status !== 'Enabled' && status !== 'Suspended') throw s3Error('InvalidArgument', 'VersioningConfiguration.Status: expected Enabled or Suspended');
    await this.changeBucket(bucket.name, { versioning: status });
    return {};
  }

  async getBucketVersioning(request: GetBucketVersioningRequest, caller?: Caller): Promise<GetBucketVersioningOutput> {
    const malformed = malformedS3Request('GetBucketVersioning', request); if (malformed) return malformed;
    await this.load();
    const bucket = this.authorizedBucket(request.Bucket, 's3:GetBucketVersioning', caller);
    return { Status: bucket.versioning };
  }

  async putBucketPolicy(request: PutBucketPolicyRequest, caller?: Caller): Promise<PutBucketPolicyOutput> {
    const malformed = malformedS3Request('PutBucketPolicy', request); if (malformed) return malformed;
    await this.load();
    const bucket = this.authorizedBucket(request.Bucket, 's3:PutBucketPolicy', caller);
    let document: PolicyDocument;
    try {
      document = parsePolicy(request.Policy, true);
    } catch (error) {
      throw s3Error('MalformedPolicy', (error as Error).message);
    }
    const isPublic = document.statements.some((s) => s.effect === 'Allow'
      && (s.principal === '*' || (typeof s.principal === 'object' && s.principal.AWS.includes('*'))));
    if (isPublic) throw s3Error('AccessDenied', `${bucket.name}: public bucket policies are blocked (an Allow statement names Principal "*")`);
    await this.changeBucket(bucket.name, { policy: { text: request.Policy, document } });
    return {};
  }

  /** The bucket's policy document as it was put (S3 GetBucketPolicy); NoSuchBucketPolicy when it has none. */
  async getBucketPolicy(request: GetBucketPolicyRequest, caller?: Caller): Promise<GetBucketPolicyOutput> {
    const malformed = malformedS3Request('GetBucketPolicy', request); if (malformed) return malformed;
    await this.load();
    const bucket = this.authorizedBucket(request.Bucket, 's3:GetBucketPolicy', caller);
    if (!bucket.policy) throw s3Error('NoSuchBucketPolicy', `${bucket.name} has no bucket policy`);
    return { Policy: bucket.policy.text };
  }

  /** Removes the bucket's policy (S3 DeleteBucketPolicy: 204 whether or not it had one). */
  deleteBucketPolicy(request: { Bucket: string }, caller?: Caller) {
    return this.clearBucketSetting('DeleteBucketPolicy', 's3:DeleteBucketPolicy', 'policy', request, caller);
  }

  /** The account's buckets by name (S3 ListBuckets, action s3:ListAllMyBuckets). */
  async listBuckets(request: ListBucketsRequest = {}, caller?: Caller): Promise<ListBucketsOutput> {
    const malformed = malformedS3Request('ListBuckets', request); if (malformed) return malformed;
    await this.load();
    this.authorize(this.who(caller), 's3:ListAllMyBuckets', '*', undefined, {});
    const buckets = [...this.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return { Buckets: buckets.map((b) => ({ Name: b.name, CreationDate: b.created })), Owner: { ID: this.kms.account } };
  }

  /** Removes an empty bucket (S3 DeleteBucket: BucketNotEmpty while any object version or delete marker is left). */
  async deleteBucket(request: DeleteBucketRequest, caller?: Caller): Promise<DeleteBucketOutput> {
    const malformed = malformedS3Request('DeleteBucket', request); if (malformed) return malformed;
    await this.load();
    const bucket = this.authorizedBucket(request.Bucket, 's3:DeleteBucket', caller);
    await this.state.change(() => {
      const current = this.bucket(bucket.name);
      if (current.objects.size > 0) throw s3Error('BucketNotEmpty', `${current.name} is not empty: delete its objects (and their versions) first`);
      this.buckets.delete(current.name);
      return { record: dropBucketRecord(current), undo: () => this.buckets.has(current.name) || this.buckets.set(current.name, current) };
    });
    return {};
  }

  // ---------------------------------------------------------------- objects

  /**
   * Stores an object. `Body`: a Uint8Array, a string, a Blob, a Web ReadableStream, a Node Readable or
   * any async iterable of Uint8Array, read once and encrypted to the body's file as it arrives
   * (memory: about one MiB, whatever its size); `ContentLength`, if given, must match it. At most 5 GiB.
   */
  putObject(request: PutObjectRequest, caller?: Caller): Promise<PutObjectOutput> {
    const malformed = malformedS3Request('PutObject', request); if (malformed) return malformed;
    return this.storeObject(request, caller, MAX_PUT_BYTES);
  }

  /** putObject's work; `completed`: a completed multipart upload's part sizes and checksums (for partNumber reads) and checksum type, kept with the version. */
  private async storeObject(request: PutObjectRequest, caller: Caller | undefined, maxBytes: number, completed?: CompletedUpload): Promise<PutObjectOutput> {
    await this.load();
    const who = this.who(caller);
    const bucket = this.bucket(request.Bucket);
    const key = this.checkKey(request.Key);
    const objectArn = `arn:aws:s3:::${bucket.name}/${key}`;
    const header = request.ServerSideEncryption;
    if (header !== undefined && !SSE_VALUES.includes(header)) {
      throw s3Error('InvalidArgument', `ServerSideEncryption: expected AES256, aws:kms or aws:kms:dsse, got ${String(header)}`);
    }
    if (request.SSEKMSKeyId !== undefined && header !== 'aws:kms' && header !== 'aws:kms:dsse') {
      throw s3Error('InvalidArgument', 'SSEKMSKeyId: only with ServerSideEncryption aws:kms or aws:kms:dsse');
    }
    const contentLength = checkContentLength(request.ContentLength, maxBytes);
    this.authorizePut(who, bucket, key, request);
    const pieces = bodyPieces(request.Body);
    const customerKey = this.customerKey(request);
    if (customerKey && header !== undefined) {
      customerKey.fill(0);
      throw s3Error('InvalidArgument', 'SSE-C headers and ServerSideEncryption cannot be combined');
    }
    const sse = customerKey ? undefined : defaultEncryption(bucket, header);
    const object: StoredObject = {
      versionId: bucket.versioning === 'Enabled' ? newVersionId() : 'null', bodyId: crypto.randomUUID(), size: 0, etag: '', lastModified: this.clock.now(), sse,
      contentType: request.ContentType, metadata: { ...(request.Metadata ?? {}) }, ...completed,
    };
    const binding = { objectArn, versionId: object.versionId };
    // The layers' materials, innermost first, all obtained before the body is read.
    const layers: EncryptionMaterials[] = [];
    try {
      if (customerKey) {
        layers.push(customerKeyMaterials(customerKey));
        object.customerKey = customerKeyCheck(customerKey);
      } else if (sse === 'AES256') {
        layers.push(this.state.sseS3.materials(objectArn));
      } else if (sse === 'aws:kms' || sse === 'aws:kms:dsse') {
        const keyId = request.SSEKMSKeyId ?? (header === undefined ? bucket.rule?.ApplyServerSideEncryptionByDefault.KMSMasterKeyID : undefined)
          ?? await this.kms.awsManagedKeyId('s3');
        const encryptionContext = { ...this.parseContext(request.SSEKMSEncryptionContext), [OBJECT_ARN_KEY]: objectArn };
        const bucketKey = sse === 'aws:kms' && (request.BucketKeyEnabled ?? (header === undefined && bucket.rule?.BucketKeyEnabled === true));
        if (request.BucketKeyEnabled && sse !== 'aws:kms') throw s3Error('InvalidArgument', 'BucketKeyEnabled: only with SSE-KMS (aws:kms)');
        if (bucketKey) {
          layers.push(await this.bucketKeys.materials(`arn:aws:s3:::${bucket.name}`, objectArn, keyId, encryptionContext,
            { principal: who.principal, viaService: S3 }).catch(fromKms));
          object.bucketKey = true;
        }
        // DSSE-KMS: an inner and an outer layer, each sealed under its own data key from KMS.
        for (let layer = 0; layer < (bucketKey ? 0 : sse === 'aws:kms:dsse' ? 2 : 1); layer++) {
          layers.push(await kmsEncryptionMaterials(this.kms, { KeyId: keyId, EncryptionContext: encryptionContext },
            { principal: who.principal, viaService: S3 }).catch(fromKms));
        }
        object.kmsKeyId = layers.at(-1)!.wrappedKeys[0]!.keyId;
      }
      // The body first, under a fresh name; then the record that points at it; then old bodies go.
      Object.assign(object, await writeEncryptedBody(this.bodies, object.bodyId, pieces, layers.map((m) => bindMaterials(m, binding)),
        { maxBytes, contentLength }));
    } catch (error) {
      layers.forEach((m) => m.dataKey.fill(0));
      throw error;
    } finally {
      customerKey?.fill(0);
    }
    if (request.VerifiedChecksums?.size) object.checksums = Object.fromEntries(request.VerifiedChecksums);
    let replaced: StoredObject[] = [];
    try {
      // On current state: the bucket may have gone (or its versions changed) while the body was written.
      await this.state.change(() => {
        const current = this.bucket(bucket.name);
        const before = current.objects.get(key);
        replaced = addVersion(current, key, object);
        const after = current.objects.get(key);
        return { record: putRecord(current, key, object), undo: () => ObjectStore.restoreVersions(current, key, before, after) };
      });
    } catch (error) {
      await this.bodies.remove(object.bodyId);
      throw error;
    }
    await Promise.all(replaced.map((v) => this.bodies.remove(v.bodyId)));
    return { ETag: object.etag, VersionId: bucket.versioning ? object.versionId : undefined, ServerSideEncryption: sse, SSEKMSKeyId: object.kmsKeyId, BucketKeyEnabled: object.bucketKey,
      SSECustomerAlgorithm: customerKey ? 'AES256' as const : undefined };
  }

  /**
   * Reads an object. `Body` is a stream shaped as the AWS SDK's (streaming-body.ts): read it with
   * `transformToByteArray()`, `transformToString()`, `transformToWebStream()` or `for await`. The key,
   * the headers and the first frame are checked before this resolves; each later frame as it is read.
   */
  async getObject(request: GetObjectRequest, caller?: Caller): Promise<GetObjectOutput> {
    const malformed = malformedS3Request('GetObject', request); if (malformed) return malformed;
    await this.load();
    const { object, who, objectArn } = this.authorizedObject(request, GET_OBJECT, caller);
    const layers = this.layersOf(object, objectArn, who, request);
    try {
      const { start, end, ...selected } = ObjectStore.selection(object, request);
      const body = await openDecryptedBody(await this.bodies.open(object.bodyId), layers, object.size).catch(fromKms);
      const pieces = (async function* () {
        try {
          yield* body.pieces(start, end);
        } finally {
          await body.close();
        }
      })();
      return { Body: streamingBody(await started(pieces)), ContentLength: end - start, ...selected,
        ...this.headers(object), ...ObjectStore.checksumsOf(object, request) };
    } finally {
      layers.dispose();
    }
  }

  /** Metadata only. Like S3, it checks s3:GetObject, the SSE-C key, and for SSE-KMS that the caller may decrypt. */
  async headObject(request: HeadObjectRequest, caller?: Caller): Promise<HeadObjectOutput> {
    const malformed = malformedS3Request('HeadObject', request); if (malformed) return malformed;
    await this.load();
    const { object, who, objectArn } = this.authorizedObject(request, GET_OBJECT, caller);
    const layers = this.layersOf(object, objectArn, who, request);
    try {
      const { start, end, ...selected } = ObjectStore.selection(object, request);
      if (object.sse === 'aws:kms' || object.sse === 'aws:kms:dsse') {
        // The outer layer's header only: its data key comes from KMS as the caller (kms:Decrypt).
        const reader = await this.bodies.open(object.bodyId);
        try {
          (await openRangedMessage((offset, length) => reader.read(offset, length), reader.size, layers[0]!).catch(fromKms)).dispose();
        } finally {
          await reader.close();
        }
      }
      return { ContentLength: end - start, ...selected, ...this.headers(object), ...ObjectStore.checksumsOf(object, request) };
    } finally {
      layers.dispose();
    }
  }

  /**
   * The object's tags (S3 GetObjectTagging): an empty TagSet, as this store keeps no tags. As S3, it
   * needs s3:GetObjectTagging, or s3:GetObjectVersionTagging with a VersionId, and neither the SSE-C key
   * nor KMS (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTagging.html).
   */
  async getObjectTagging(request: GetObjectTaggingRequest, caller?: Caller): Promise<GetObjectTaggingOutput> {
    const malformed = malformedS3Request('GetObjectTagging', request); if (malformed) return malformed;
    await this.load();
    const { object } = this.authorizedObject(request, GET_OBJECT_TAGGING, caller);
    return { TagSet: [], VersionId: this.headers(object).VersionId };
  }

  /**
   * The stored checksums and their type, for a read that asks for them (ChecksumMode ENABLED): of the
   * whole object, or with PartNumber that part's checksum as its upload computed it (S3 User Guide,
   * "Checking object integrity": a part's checksum is retrieved with GetObject or HeadObject and its
   * part number). Never for a Range, nor for part 1 of an object put whole: a ranged read gets no whole-object checksum.
   */
  private static checksumsOf(object: StoredObject, request: { ChecksumMode?: 'ENABLED'; Range?: string; PartNumber?: number }) {
    if (request.ChecksumMode !== 'ENABLED' || request.Range !== undefined || !object.checksums) return {};
    const type = { ChecksumType: object.checksumType ?? 'FULL_OBJECT' as const };
    if (request.PartNumber === undefined) return { ...object.checksums, ...type };
    const part = object.partChecksums?.[request.PartNumber - 1];
    return part === undefined ? {} : { [Object.keys(object.checksums)[0]!]: part, ...type };
  }

  /**
   * The bytes a read asks for: a Range, a part (PartNumber; PartsCount for an object uploaded in
   * parts), or the whole object (no ContentRange). Range and PartNumber together are refused, as S3 does.
   */
  private static selection(object: StoredObject, request: { Range?: string; PartNumber?: number }) {
    let [start, end] = [0, object.size];
    if (request.PartNumber !== undefined) {
      if (request.Range !== undefined) throw s3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
      [start, end] = partRange(object.parts ?? [object.size], request.PartNumber);
    } else if (request.Range !== undefined) {
      [start, end] = parseRange(request.Range, object.size);
    }
    const ranged = request.PartNumber !== undefined || request.Range !== undefined;
    return { start, end, ContentRange: ranged && end > start ? `bytes ${start}-${end - 1}/${object.size}` : undefined,
      PartsCount: request.PartNumber === undefined ? undefined : object.parts?.length };
  }

  /** Without VersionId: removes the object, or with versioning enabled adds a delete marker. With it: removes that version. */
  async deleteObject(request: DeleteObjectRequest, caller?: Caller): Promise<DeleteObjectOutput> {
    const malformed = malformedS3Request('DeleteObject', request); if (malformed) return malformed;
    await this.load();
    const who = this.who(caller);
    const bucket = this.bucket(request.Bucket);
    const key = this.checkKey(request.Key);
    this.authorize(who, request.VersionId === undefined ? 's3:DeleteObject' : 's3:DeleteObjectVersion', `arn:aws:s3:::${bucket.name}/${key}`,
      bucket, { 's3:versionid': request.VersionId });
    let gone: StoredObject[] = [];
    let output: DeleteObjectOutput = {};
    await this.state.change(() => {
      const current = this.bucket(bucket.name);
      const before = current.objects.get(key);
      const existing = before ?? [];
      let record: ObjectRecord;
      if (request.VersionId !== undefined) {
        const versions = existing.filter((v) => v.versionId !== request.VersionId);
        if (versions.length > 0) current.objects.set(key, versions);
        else current.objects.delete(key);
        gone = existing.filter((v) => v.versionId === request.VersionId);
        record = dropRecord(current, key, request.VersionId);
        output = { VersionId: request.VersionId };
      } else if (current.versioning === undefined) {
        current.objects.delete(key);
        gone = existing;
        record = dropRecord(current, key);
      } else {
        const marker: StoredObject = { versionId: current.versioning === 'Enabled' ? newVersionId() : 'null', deleteMarker: true, bodyId: crypto.randomUUID(),
          size: 0, etag: '', lastModified: this.clock.now(), metadata: {} };
        gone = addVersion(current, key, marker);
        record = putRecord(current, key, marker);
        output = { DeleteMarker: true, VersionId: marker.versionId };
      }
      const after = current.objects.get(key);
      return { record, undo: () => ObjectStore.restoreVersions(current, key, before, after) };
    });
    await Promise.all(gone.filter((v) => !v.deleteMarker).map((v) => this.bodies.remove(v.bodyId)));
    return output;
  }

  async listObjectVersions(request: ListObjectVersionsRequest, caller?: Caller): Promise<ListObjectVersionsOutput> {
    const malformed = malformedS3Request('ListObjectVersions', request); if (malformed) return malformed;
    await this.load();
    const bucket = this.authorizedBucket(request.Bucket, 's3:ListBucketVersions', caller, { 's3:prefix': request.Prefix });
    const page = versionPage(bucket.objects, request);
    const entries = page.entries.map(({ key, version: v, latest }) => ({ Key: key, VersionId: v.versionId, IsLatest: latest, LastModified: v.lastModified, v }));
    return {
      Versions: entries.filter((e) => !e.v.deleteMarker).map(({ v, ...entry }) => ({ ...entry, Size: v.size, ETag: v.etag })),
      DeleteMarkers: entries.filter((e) => e.v.deleteMarker).map(({ v: _, ...entry }) => entry),
      CommonPrefixes: page.commonPrefixes, IsTruncated: page.truncated, NextKeyMarker: page.nextKeyMarker, NextVersionIdMarker: page.nextVersionIdMarker,
    };
  }

  /**
   * Copies an object, re-encrypting it to the destination's settings: the request's SSE headers,
   * or else the destination bucket's default (as S3 does). The source is read as the caller (with
   * CopySourceSSECustomer* for an SSE-C source), so the caller needs to be able to read it. The copy's
   * checksum is ChecksumAlgorithm's, else the source's algorithm's, computed over its bytes (copyChecksum).
   */
  async copyObject(request: CopyObjectRequest, caller?: Caller): Promise<CopyObjectOutput> {
    const malformed = malformedS3Request('CopyObject', request); if (malformed) return malformed;
    const original = await this.readCopySource(request, undefined, caller);
    try {
      const inherited = this.checksummer ? CHECKSUM_ALGORITHMS.find((algorithm) => original[memberOf(algorithm)] !== undefined) : undefined;
      const { body, checksums } = copyChecksum(original.Body, request.ChecksumAlgorithm ?? inherited, this.checksummer);
      // The source streams into the copy, decrypted frame by frame as the copy encrypts it.
      const put = await this.putObject({
        Bucket: request.Bucket, Key: request.Key, Body: body, VerifiedChecksums: checksums, ServerSideEncryption: request.ServerSideEncryption,
        SSEKMSKeyId: request.SSEKMSKeyId, SSEKMSEncryptionContext: request.SSEKMSEncryptionContext, BucketKeyEnabled: request.BucketKeyEnabled,
        SSECustomerAlgorithm: request.SSECustomerAlgorithm, SSECustomerKey: request.SSECustomerKey, SSECustomerKeyMD5: request.SSECustomerKeyMD5,
        SecureTransport: request.SecureTransport, ContentType: original.ContentType,
        Metadata: request.MetadataDirective === 'REPLACE' ? request.Metadata : original.Metadata,
      }, caller);
      const copied = Object.fromEntries(checksums);
      return { CopyObjectResult: { ETag: put.ETag, LastModified: this.clock.now(), ...copied, ...(checksums.size ? { ChecksumType: 'FULL_OBJECT' as const } : {}) },
        VersionId: put.VersionId, ServerSideEncryption: put.ServerSideEncryption,
        SSEKMSKeyId: put.SSEKMSKeyId, BucketKeyEnabled: put.BucketKeyEnabled, SSECustomerAlgorithm: put.SSECustomerAlgorithm };
    } finally {
      await ObjectStore.closeUnread(original);
    }
  }

  /**
   * Uploads a part copied from an existing object, or from the bytes `CopySourceRange` names
   * (`bytes=first-last`): the source is read as the caller (s3:GetObject, with CopySourceSSECustomer*
   * for an SSE-C source) and streams, decrypted frame by frame, into the part, sealed as uploadPart
   * seals parts. As S3 documents, the caller also needs s3:PutObject on the destination.
   */
  async uploadPartCopy(request: UploadPartCopyRequest, caller?: Caller): Promise<UploadPartCopyOutput> {
    const malformed = malformedS3Request('UploadPartCopy', request); if (malformed) return malformed;
    await this.load();
    this.authorizePut(this.who(caller), this.bucket(request.Bucket), this.checkKey(request.Key), { Bucket: request.Bucket, Key: request.Key, SecureTransport: request.SecureTransport });
    const original = await this.readCopySource(request, request.CopySourceRange, caller);
    try {
      const { ETag, ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1, ChecksumSHA256, ...encryption } = await this.multipart.uploadPart({ Bucket: request.Bucket, Key: request.Key, UploadId: request.UploadId,
        PartNumber: request.PartNumber, Body: original.Body, ContentLength: original.ContentLength, SSECustomerAlgorithm: request.SSECustomerAlgorithm,
        SSECustomerKey: request.SSECustomerKey, SSECustomerKeyMD5: request.SSECustomerKeyMD5, SecureTransport: request.SecureTransport }, caller);
      const checksum = { ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1, ChecksumSHA256 };
      return { CopyPartResult: { ETag, LastModified: this.clock.now(), ...checksum }, CopySourceVersionId: original.VersionId, ...encryption };
    } finally {
      await ObjectStore.closeUnread(original);
    }
  }

  /**
   * A copy's source, opened for reading as the caller: all of it, or `range` (`bytes=first-last`, both
   * ends given and inside the object, as UploadPartCopy's x-amz-copy-source-range must be); PreconditionFailed
   * unless the CopySourceIf* conditions hold (object-conditions.ts).
   */
  private async readCopySource(request: CopySourceFields & { SecureTransport?: boolean }, range: string | undefined, caller: Caller | undefined) {
    const source = /^\/?([^/]+)\/(.+)$/.exec(typeof request.CopySource === 'string' ? request.CopySource : '');
    let sourceKey: string | undefined;
    try {
      sourceKey = source ? decodeURIComponent(source[2]!) : undefined;
    } catch {
      // a malformed %-escape: refused below like any other unreadable CopySource
    }
    if (!source || sourceKey === undefined) throw s3Error('InvalidArgument', 'CopySource: expected "bucket/key", the key URL-encoded');
    const sourceRequest = { Bucket: source[1]!, Key: sourceKey, VersionId: request.CopySourceVersionId,
      SSECustomerAlgorithm: request.CopySourceSSECustomerAlgorithm, SSECustomerKey: request.CopySourceSSECustomerKey,
      SSECustomerKeyMD5: request.CopySourceSSECustomerKeyMD5, SecureTransport: request.SecureTransport };
    if (range !== undefined) {
      const bounds = /^bytes=(\d+)-(\d+)$/.exec(range);
      const { ContentLength: size } = await this.headObject(sourceRequest, caller);
      if (!bounds || Number(bounds[1]) > Number(bounds[2]) || Number(bounds[2]) >= size) {
        throw s3Error('InvalidArgument', `CopySourceRange: expected bytes=first-last within the source object of size ${size}, got ${range}`);
      }
    }
    // With ChecksumMode: the checksums of a whole source, whose algorithm a copy keeps.
    const original = await this.getObject({ ...sourceRequest, Range: range, ChecksumMode: 'ENABLED' }, caller);
    const unmet = unmetCondition(original, { IfMatch: request.CopySourceIfMatch, IfNoneMatch: request.CopySourceIfNoneMatch,
      IfModifiedSince: request.CopySourceIfModifiedSince, IfUnmodifiedSince: request.CopySourceIfUnmodifiedSince });
    if (unmet !== undefined) {
      await ObjectStore.closeUnread(original);
      throw s3Error('PreconditionFailed', `At least one of the pre-conditions you specified did not hold (x-amz-copy-source-if-*: ${unmet === 'NotModified' ? 'not modified' : 'ETag or date'})`);
    }
    return original;
  }

  /** A copy refused before it read its source leaves it unread: close it. (Once read, the read closed it, and it cannot be taken again.) */
  private static async closeUnread(source: GetObjectOutput): Promise<void> {
    await Promise.resolve().then(() => source.Body[Symbol.asyncIterator]().return?.()).catch(() => undefined);
  }

  /**
   * Keys in UTF-8 byte order (as S3 lists them), at most MaxKeys (0–1000; larger asks get 1000) a page,
   * after StartAfter or, for the next page, the NextContinuationToken a truncated page returned.
   */
  async listObjectsV2(request: ListObjectsV2Request, caller?: Caller): Promise<ListObjectsV2Output> {
    const malformed = malformedS3Request('ListObjectsV2', request); if (malformed) return malformed;
    await this.load();
    const bucket = this.authorizedBucket(request.Bucket, 's3:ListBucket', caller,
      { 's3:prefix': request.Prefix, 's3:max-keys': typeof request.MaxKeys === 'number' ? String(request.MaxKeys) : undefined });
    const max = request.MaxKeys ?? 1000;
    if (!Number.isInteger(max) || max < 0) throw s3Error('InvalidArgument', `MaxKeys: expected a whole number from 0, got ${String(request.MaxKeys)}`);
    const after = request.ContinuationToken === undefined ? request.StartAfter : keyOfToken(request.ContinuationToken);
    // S3 lists keys by their UTF-8 bytes; the bucket keeps them in that order (sorted-object-map.ts).
    const page: string[] = [];
    let truncated = false;
    for (const k of bucket.objects.keysInOrder(request.Prefix, after)) {
      if (bucket.objects.get(k)!.at(-1)!.deleteMarker) continue;
      // MaxKeys 0 asks for no keys: an empty page that is not truncated, as S3 answers (nothing to continue from).
      if (page.length === Math.min(max, 1000)) {
        truncated = page.length > 0;
        break;
      }
      page.push(k);
    }
    const contents = page.map((k) => {
      const o = bucket.objects.get(k)!.at(-1)!;
      return { Key: k, Size: o.size, ETag: o.etag, LastModified: o.lastModified };
    });
    return {
      Contents: contents, KeyCount: contents.length, IsTruncated: truncated, Name: bucket.name, Prefix: request.Prefix ?? '', MaxKeys: max,
      StartAfter: request.StartAfter, ContinuationToken: request.ContinuationToken,
      NextContinuationToken: truncated ? tokenOfKey(page.at(-1)!) : undefined,
    };
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

  /** The bytes kept at rest for an object (ciphertext when encrypted): for tests and audits. */
  async storedBytes(bucketName: string, key: string, versionId?: string): Promise<Uint8Array | undefined> {
    await this.load();
    const versions = this.buckets.get(bucketName)?.objects.get(key);
    const version = versionId === undefined ? versions?.at(-1) : versions?.find((v) => v.versionId === versionId);
    return version && !version.deleteMarker ? readWholeBody(this.bodies, version.bodyId) : undefined;
  }

  // ---------------------------------------------------------------- internals

  private who(caller: Caller | undefined): Caller {
    const who = caller ?? { principal: rootArn(this.kms.account) };
    if (!isPrincipalArn(who.principal)) {
      throw s3Error('InvalidArgument', 'caller.principal: expected an IAM or STS ARN');
    }
    return who;
  }

  private bucket(name: unknown): Bucket {
    const bucket = this.buckets.get(name as string);
    if (!bucket) throw s3Error('NoSuchBucket', `The specified bucket does not exist: ${String(name)}`);
    return bucket;
  }

  private checkKey(key: unknown): string {
    if (typeof key !== 'string' || key.length === 0 || new TextEncoder().encode(key).length > 1024) {
      throw s3Error('InvalidArgument', 'Key: expected 1 to 1024 bytes of UTF-8');
    }
    return key;
  }

  /**
   * Bucket policy and identity policies (bucket-authorizer.ts) on one action, with the request's
   * condition keys and those every S3 request has (s3:ResourceAccount, aws:SecureTransport).
   */
  private authorize(who: Caller, action: string, resource: string, bucket: Bucket | undefined, context: ConditionContext, secureTransport?: boolean): void {
    const owner = bucket?.owner ?? this.kms.account;
    authorizeS3({ caller: { ...who, secureTransport: who.secureTransport ?? secureTransport }, action, resource, owner, region: this.kms.region,
      bucketPolicy: bucket?.policy?.document, context: { 's3:ResourceAccount': owner, ...context } }, this.iam);
  }

  private authorizedBucket(name: unknown, action: string, caller: Caller | undefined, context: ConditionContext = {}): Bucket {
    const who = this.who(caller);
    const bucket = this.bucket(name);
    this.authorize(who, action, `arn:aws:s3:::${bucket.name}`, bucket, context);
    return bucket;
  }

  private authorizedObject(request: ObjectRequest & { VersionId?: string }, action: ObjectAction, caller: Caller | undefined) {
    const who = this.who(caller);
    const bucket = this.bucket(request.Bucket);
    const key = this.checkKey(request.Key);
    const objectArn = `arn:aws:s3:::${bucket.name}/${key}`;
    const versioned = request.VersionId !== undefined;
    this.authorize(who, versioned ? action.version : action.current, objectArn, bucket, { 's3:versionid': request.VersionId }, request.SecureTransport);
    const versions = bucket.objects.get(key) ?? [];
    const object = versioned ? versions.find((v) => v.versionId === request.VersionId) : versions.at(-1);
    if (versioned && !object) throw s3Error('NoSuchKey', `The specified version does not exist: ${request.VersionId}`);
    if (!object || object.deleteMarker) throw s3Error('NoSuchKey', `The specified key does not exist: ${key}`);
    return { object, who, objectArn };
  }

  /**
   * The data-key resolvers of an object's encryption layers, outermost first (none for plaintext,
   * two for DSSE-KMS), each refusing a body not bound to this object version (body-binding.ts).
   * For SSE-C, the request must carry the object's key; `dispose()` zeroes it.
   */
  private layersOf(object: StoredObject, objectArn: string, who: Caller, request: ObjectRequest): DataKeyResolver[] & { dispose(): void } {
    const given = object.customerKey
      ? this.matchingCustomerKey(request, object.customerKey, 'The object was stored with SSE-C: the same SSECustomerAlgorithm, SSECustomerKey and SSECustomerKeyMD5 must be provided')
      : this.customerKey(request);
    let layers: DataKeyResolver[] = [];
    if (object.customerKey) {
      layers = [async () => given!.slice()];
    } else if (given) {
      given.fill(0);
      throw s3Error('InvalidRequest', 'SSE-C headers were given, but the object is not encrypted with SSE-C');
    } else if (object.sse === 'AES256') {
      layers = [this.state.sseS3.resolver(objectArn)];
    } else if (object.bucketKey) {
      layers = [this.bucketKeys.resolver(objectArn.slice(0, objectArn.indexOf('/')), objectArn, { principal: who.principal, viaService: S3 })];
    } else if (object.sse === 'aws:kms' || object.sse === 'aws:kms:dsse') {
      const resolver = kmsDataKeyResolver(this.kms, { principal: who.principal, viaService: S3 });
      layers = object.sse === 'aws:kms' ? [resolver] : [resolver, resolver];
    }
    const binding = { objectArn, versionId: object.versionId };
    return Object.assign(layers.map((resolver) => bindResolver(resolver, binding)), { dispose: () => given?.fill(0) });
  }

  /** s3:PutObject on the object; policy conditions see the request's headers only, not the bucket default. */
  private authorizePut(who: Caller, bucket: Bucket, key: string, request: PutObjectSettings): void {
    const context: ConditionContext = {
      's3:x-amz-server-side-encryption': request.ServerSideEncryption,
      's3:x-amz-server-side-encryption-aws-kms-key-id': request.SSEKMSKeyId,
      's3:x-amz-server-side-encryption-customer-algorithm': request.SSECustomerAlgorithm,
    };
    this.authorize(who, 's3:PutObject', `arn:aws:s3:::${bucket.name}/${key}`, bucket, context, request.SecureTransport);
  }

  /** The request's SSE-C key, which must be present (`missing` says why) and match `check`; the caller zeroes it. */
  private matchingCustomerKey(request: ObjectRequest, check: CustomerKeyCheck, missing: string): Uint8Array {
    const key = this.customerKey(request);
    if (!key) throw s3Error('InvalidRequest', missing);
    try {
      verifyCustomerKey(key, check);
    } catch (error) {
      key.fill(0);
      throw error;
    }
    return key;
  }

  /** SSE-C headers, validated; in a store that requires it, only over TLS. */
  private customerKey(request: ObjectRequest): Uint8Array | undefined {
    const key = customerKeyOf(request);
    if (key && this.requireSecureTransport && request.SecureTransport !== true) {
      key.fill(0);
      throw s3Error('InvalidRequest', 'SSE-C requests must be made over HTTPS');
    }
    return key;
  }

  private headers(object: StoredObject) {
    return {
      VersionId: object.versionId === 'null' ? undefined : object.versionId, ETag: object.etag, LastModified: object.lastModified, ContentType: object.contentType, Metadata: { ...object.metadata },
      ServerSideEncryption: object.sse, SSEKMSKeyId: object.kmsKeyId, BucketKeyEnabled: object.bucketKey,
      SSECustomerAlgorithm: object.customerKey ? 'AES256' as const : undefined,
    };
  }

  /** SSEKMSEncryptionContext: base64 of the UTF-8 of a JSON object of strings, as S3's header. */
  private parseContext(encoded: string | undefined): Record<string, string> {
    if (encoded === undefined) return {};
    try {
      // atob alone yields one character per byte: non-ASCII text must be decoded as UTF-8 after it.
      const context = JSON.parse(strictUtf8.decode(base64ToBytes(encoded))) as unknown;
      if (typeof context === 'object' && context !== null && !Array.isArray(context) && Object.values(context).every((v) => typeof v === 'string')) {
        for (const reserved of [OBJECT_ARN_KEY, VERSION_ID_KEY]) if (reserved in context) throw new Error(`${reserved} is set by S3`);
        return context as Record<string, string>;
      }
    } catch (error) {
      throw s3Error('InvalidArgument', `SSEKMSEncryptionContext: expected base64 of a JSON object of strings (${(error as Error).message})`);
    }
    throw s3Error('InvalidArgument', 'SSEKMSEncryptionContext: expected base64 of a JSON object of strings');
  }
}
