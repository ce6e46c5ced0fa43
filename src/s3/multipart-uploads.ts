// Multipart upload for the ObjectStore: each part is sealed as it streams in with the object's own
// encryption (SSE-S3, SSE-KMS with or without a bucket key, DSSE-KMS, SSE-C: the KMS key and bucket
// key are fixed when the upload starts), each to its own body file, bound to the object, its upload
// and its part number (body-binding.ts). Completion writes only the object version's record, naming
// the parts' bodies as they were stored (object-body.ts serves it from them): no part is decrypted or
// re-encrypted, so it needs no SSE-C key unless the upload has a checksum (S3 API Reference,
// CompleteMultipartUpload: SSECustomerAlgorithm "is required only when the object was created using a
// checksum algorithm or if your bucket policy requires the use of SSE-C",
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html); a FULL_OBJECT
// checksum is combined from the parts' CRCs and sizes (crc-combine.ts), so no completion reads a part. The uploads and
// their parts' records are the metadata store's (upload-records.ts), made durable by its `change` like
// object versions: an upload outlives its process, and one started through one process sharing a store
// (PostgreSQL) takes parts and completes through another. A completion writes its version and ends
// its upload in one change, so of a completion and an abort racing (in any processes) exactly one wins.

import type { Clock } from '../core/clock.js';
import type { EncryptionMaterials } from '../envelope/materials.js';
import type { Caller } from '../policy/caller.js';
import { rootArn } from '../policy/index.js';
import { bindMaterials, partBinding } from './body-binding.js';
import { writeEncryptedBody } from './body-encryption.js';
import type { ObjectBodies } from './object-bodies.js';
import { bodyPieces, checkContentLength, multipartEtag } from './object-bytes.js';
import { checksummed, compositeChecksum, memberOf, uploadChecksum, type ChecksummerFactory, type UploadChecksum } from './object-checksums.js';
import { combinedChecksum, type CombinableAlgorithm } from './crc-combine.js';
import { checkSseHeaders, sseHeaders, type ObjectEncryption } from './object-encryption.js';
import { putRecord, type MetadataChange } from './object-metadata.js';
import {
  addVersion, bodyIdsOf, CHECKSUM_MEMBERS, defaultEncryption, newVersionId, restoreVersions, type Bucket, type ChecksumMember, type StoredObject,
} from './object-records.js';
import type {
  AbortMultipartUploadOutput, AbortMultipartUploadRequest, CompleteMultipartUploadOutput, CompleteMultipartUploadRequest,
  CreateMultipartUploadOutput, CreateMultipartUploadRequest, ObjectRequest, PutObjectSettings,
  ListPartsOutput, ListPartsRequest, UploadPartOutput, UploadPartRequest,
} from './s3-api-types.js';
import { s3Error } from './s3-errors.js';
import { customerKeyCheck, type CustomerKeyCheck } from './sse-c-keyring.js';
import type { VersionEncryption } from './sse-mode.js';
import { partRecord, uploadRecord, type StoredPart, type StoredUpload } from './upload-records.js';

/** What MultipartUploads needs from its ObjectStore. */
export interface MultipartHost {
  load(): Promise<void>;
  who(caller: Caller | undefined): Caller;
  bucket(name: unknown): Bucket;
  checkKey(key: unknown): string;
  authorizePut(who: Caller, bucket: Bucket, key: string, request: PutObjectSettings): void;
  customerKey(request: ObjectRequest): Uint8Array | undefined;
  matchingCustomerKey(request: ObjectRequest, check: CustomerKeyCheck, missing: string): Uint8Array;
  /** How parts are sealed (as the object's PUT would be). */
  encryption: ObjectEncryption;
  bodies(): ObjectBodies;
  /** The uploads in progress (the metadata store's, current after `load()`). */
  uploads(): Map<string, StoredUpload>;
  /** The metadata store's `change`: how an upload, a part or an upload's end is made durable. */
  change(decide: () => MetadataChange): Promise<void>;
  account: string;
  /** The checksum algorithms, if the store has them. */
  checksummer: ChecksummerFactory | undefined;
  /** Where LastModified comes from. */
  clock: Clock;
}

/** S3's minimum size for every part but the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's maximum part size: 5 GiB (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). */
export const MAX_PART_BYTES = 5 * 1024 ** 3;
/** S3's largest object (a multipart upload): 5 TiB. */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4;

export class MultipartUploads {
  constructor(private readonly host: MultipartHost) {}

  /**
   * Starts an upload; the encryption settings (and the policy check) are those of the final PUT. For
   * SSE-KMS and DSSE-KMS the key (and whether a bucket key is used) is fixed here, by sealing a first,
   * empty layer as the caller: S3 too needs kms:GenerateDataKey to start such an upload.
   */
  async create(request: CreateMultipartUploadRequest, caller?: Caller): Promise<CreateMultipartUploadOutput> {
    await this.host.load();
    const who = this.host.who(caller);
    const bucket = this.host.bucket(request.Bucket);
    const key = this.host.checkKey(request.Key);
    this.host.authorizePut(who, bucket, key, request);
    const customerKey = this.host.customerKey(request);
    const { Bucket: _b, Key: _k, SSECustomerKey: _key, SSECustomerKeyMD5: _md5, ChecksumAlgorithm, ChecksumType, ...settings } = request;
    let checksum: UploadChecksum | undefined;
    let version: VersionEncryption;
    try {
      checksum = uploadChecksum(ChecksumAlgorithm, ChecksumType);
      if (checksum && !this.host.checksummer) throw s3Error('InvalidRequest', 'ChecksumAlgorithm: this ObjectStore was made without a checksummer (ObjectStoreOptions.checksummer)');
      if (customerKey && request.ServerSideEncryption !== undefined) throw s3Error('InvalidArgument', 'SSE-C headers and ServerSideEncryption cannot be combined');
      version = customerKey ? { customerKey: customerKeyCheck(customerKey) } : await this.fixedEncryption(request, who, bucket, key);
    } finally {
      customerKey?.fill(0);
    }
    const encryption = sseHeaders(version); // the completed version's SSE fields, as its mode answers them (sse-mode.ts)
    const uploadId = crypto.randomUUID();
    const upload: StoredUpload = { bucket: bucket.name, key, initiator: who.principal, settings, parts: new Map(), encryption, checksum,
      customerKey: version.customerKey, sealedAsObject: true };
    const uploads = this.host.uploads();
    await this.host.change(() => {
      uploads.set(uploadId, upload);
      return { record: uploadRecord(uploadId, upload), undo: () => uploads.delete(uploadId) };
    });
    return { Bucket: bucket.name, Key: key, UploadId: uploadId, ...encryption, ChecksumAlgorithm: checksum?.algorithm, ChecksumType: checksum?.type };
  }

  /** The SSE an upload's object gets (not SSE-C), its KMS key resolved to an ARN and its bucket-key choice made as a PUT would. */
  private async fixedEncryption(request: CreateMultipartUploadRequest, who: Caller, bucket: Bucket, key: string): Promise<VersionEncryption> {
    const sse = defaultEncryption(bucket, checkSseHeaders(request));
    if (sse === 'AES256') return { sse };
    const trial: StoredObject = { versionId: 'null', bodyId: '', size: 0, etag: '', lastModified: new Date(0), metadata: {} };
    const layers: EncryptionMaterials[] = [];
    try {
      await this.host.encryption.addLayers(layers, { request, who, bucket, objectArn: `arn:aws:s3:::${bucket.name}/${key}`, sse, customerKey: undefined, object: trial });
    } finally {
      layers.forEach((m) => m.dataKey.fill(0));
    }
    return { sse, kmsKeyId: trial.kmsKeyId, bucketKey: trial.bucketKey };
  }

  /** How the version an upload completes into is encrypted (its parts are sealed so), from the upload's record. */
  private static versionEncryption({ encryption, customerKey }: StoredUpload): VersionEncryption {
    return { sse: encryption.ServerSideEncryption, kmsKeyId: encryption.SSEKMSKeyId, bucketKey: encryption.BucketKeyEnabled || undefined, customerKey };
  }

  /** Stores one part (at most 5 GiB, streamed like putObject's Body), sealed as the object's body would be and bound to its upload and part number. */
  async uploadPart(request: UploadPartRequest, caller?: Caller): Promise<UploadPartOutput> {
    await this.host.load();
    const { upload, who, customerKey } = this.uploadFor(request, caller, request.PartNumber);
    try {
      MultipartUploads.requireSealedAsObject(upload, request.UploadId);
      const contentLength = checkContentLength(request.ContentLength, MAX_PART_BYTES);
      let checksum: string | undefined;
      const algorithm = upload.checksum?.algorithm;
      const pieces = algorithm ? checksummed(bodyPieces(request.Body), this.host.checksummer!(algorithm), (value) => { checksum = value; }) : bodyPieces(request.Body);
      const objectArn = `arn:aws:s3:::${upload.bucket}/${upload.key}`;
      const bodyId = crypto.randomUUID();
      const layers: EncryptionMaterials[] = [];
      const { ServerSideEncryption, SSEKMSKeyId, BucketKeyEnabled } = upload.encryption;
      try {
        await this.host.encryption.addLayers(layers, { request: { ...upload.settings, Bucket: upload.bucket, Key: upload.key, ServerSideEncryption, SSEKMSKeyId, BucketKeyEnabled },
          who, bucket: this.host.bucket(upload.bucket), objectArn, sse: ServerSideEncryption, customerKey, object: { versionId: 'null', bodyId, size: 0, etag: '', lastModified: new Date(0), metadata: {} } });
      } catch (error) {
        layers.forEach((m) => m.dataKey.fill(0));
        throw error;
      }
      const binding = partBinding(objectArn, request.UploadId, request.PartNumber, bodyId);
      const { size, etag } = await writeEncryptedBody(this.host.bodies(), bodyId, pieces, layers.map((m) => bindMaterials(m, binding)), { maxBytes: MAX_PART_BYTES, contentLength, sha256: request.ContentSHA256 });
      const part: StoredPart = { bodyId, size, etag, lastModified: this.host.clock.now(), checksum };
      let previous: StoredPart | undefined;
      try {
        // Decided on current state: another process sharing the store may have ended the upload, or stored this part number, meanwhile.
        await this.host.change(() => {
          const current = this.liveUpload(request);
          previous = current.parts.get(request.PartNumber);
          current.parts.set(request.PartNumber, part);
          return { record: partRecord(request.UploadId, request.PartNumber, part), undo: () => {
            if (previous) current.parts.set(request.PartNumber, previous);
            else current.parts.delete(request.PartNumber);
          } };
        });
      } catch (error) {
        await this.host.bodies().remove(bodyId);
        throw error;
      }
      if (previous) await this.host.bodies().remove(previous.bodyId);
      return { ETag: etag, ...sseHeaders(MultipartUploads.versionEncryption(upload)), ...(algorithm ? { [memberOf(algorithm)]: checksum } : {}) };
    } finally {
      customerKey?.fill(0);
    }
  }

  /**
   * Completes the upload into an object version served from the listed parts (ascending, ETags
   * matching) as they are stored: only the version's record is written, in the same change that ends
   * the upload. The parts not listed are removed.
   */
  async complete(request: CompleteMultipartUploadRequest, caller?: Caller): Promise<CompleteMultipartUploadOutput> {
    await this.host.load();
    const { upload, who } = this.uploadFor(request, caller, undefined, false);
    MultipartUploads.requireSealedAsObject(upload, request.UploadId);
    this.host.authorizePut(who, this.host.bucket(upload.bucket), upload.key, { ...upload.settings, Bucket: upload.bucket, Key: upload.key,
      SSECustomerAlgorithm: upload.customerKey ? 'AES256' : undefined, SecureTransport: request.SecureTransport });
    // SSE-C: the key is needed only with a checksum (API Reference, CompleteMultipartUpload); if given, it must be the upload's.
    if (upload.customerKey && (upload.checksum || this.host.customerKey(request))) {
      this.host.matchingCustomerKey(request, upload.customerKey, 'this upload uses SSE-C and a checksum algorithm: the completion must carry the same customer key').fill(0);
    }
    const listed = request.MultipartUpload?.Parts;
    if (!Array.isArray(listed) || listed.length === 0) throw s3Error('InvalidRequest', 'MultipartUpload.Parts: at least one part is needed');
    // The list as a whole first: order, then that each part exists with that ETag, then sizes.
    if (listed.some((p, i) => i > 0 && p.PartNumber <= listed[i - 1]!.PartNumber)) throw s3Error('InvalidPartOrder', 'parts must be listed in ascending order of PartNumber');
    const chosen = listed.map((listedPart) => {
      const part = upload.parts.get(listedPart.PartNumber);
      if (!part || part.etag !== listedPart.ETag) throw s3Error('InvalidPart', `part ${listedPart.PartNumber} was not uploaded, or its ETag differs`);
      // A part's checksum, if the completion lists one, must be the one computed as the part arrived, of the upload's algorithm.
      const claimed = CHECKSUM_MEMBERS.filter((member) => listedPart[member] !== undefined);
      if (claimed.some((member) => !upload.checksum || member !== memberOf(upload.checksum.algorithm) || listedPart[member] !== part.checksum)) {
        throw s3Error('InvalidPart', `part ${listedPart.PartNumber}: its ${claimed.join(', ')} is not the checksum of the part uploaded`);
      }
      return { ...part, PartNumber: listedPart.PartNumber };
    });
    const small = chosen.findIndex((part, i) => i < chosen.length - 1 && part.size < MIN_PART_BYTES);
    if (small >= 0) throw s3Error('EntityTooSmall', `part ${listed[small]!.PartNumber} is ${chosen[small]!.size} bytes; all but the last must be at least 5 MiB`);
    const size = chosen.reduce((sum, part) => sum + part.size, 0);
    if (size > MAX_OBJECT_BYTES) throw s3Error('EntityTooLarge', `the parts hold ${size} bytes, more than the ${MAX_OBJECT_BYTES} an object may`);
    const { algorithm, type } = upload.checksum ?? {};
    const object: StoredObject = {
      versionId: 'null', bodyId: crypto.randomUUID(), size, etag: multipartEtag(chosen.map((part) => part.etag)), lastModified: this.host.clock.now(),
      ...MultipartUploads.versionEncryption(upload), contentType: upload.settings.ContentType, metadata: { ...(upload.settings.Metadata ?? {}) },
      parts: chosen.map((part) => part.size), partBodies: { uploadId: request.UploadId, partNumbers: chosen.map((part) => part.PartNumber), bodyIds: chosen.map((part) => part.bodyId) },
      ...(type === 'COMPOSITE' ? { checksumType: type } : {}), ...(algorithm ? { partChecksums: chosen.map((part) => part.checksum!) } : {}),
    };
    // The object's checksum: of the parts' checksums (COMPOSITE), or of the whole object (FULL_OBJECT, only CRCs), combined from the
    // parts' CRCs and sizes (crc-combine.ts): no part is read.
    if (algorithm) {
      object.checksums = { [memberOf(algorithm)]: type === 'COMPOSITE' ? await compositeChecksum(this.host.checksummer!(algorithm), object.partChecksums!)
        : combinedChecksum(algorithm as CombinableAlgorithm /* uploadChecksum allows FULL_OBJECT for CRCs only */, chosen.map((part) => ({ checksum: part.checksum!, size: part.size }))) };
    }
    const { replaced, ended, versioned } = await this.commitCompletion(request, object);
    const kept = new Set(object.partBodies!.bodyIds);
    await Promise.all([...replaced.flatMap(bodyIdsOf), ...[...ended.parts.values()].map((p) => p.bodyId).filter((id) => !kept.has(id))].map((id) => this.host.bodies().remove(id)));
    // Its mode's SSE fields but SSE-C's: CompleteMultipartUpload answers none (API Reference, CompleteMultipartUpload, response elements).
    const { SSECustomerAlgorithm: _customer, ...sse } = sseHeaders(object);
    return { Bucket: upload.bucket, Key: upload.key, ETag: object.etag, VersionId: versioned ? object.versionId : undefined, ...sse, ...object.checksums, ChecksumType: type };
  }

  /**
   * One change, on current state: the upload must still be live with the parts chosen (another process
   * may have aborted or completed it, or replaced a part, meanwhile), the version is added (its id
   * decided on the bucket's versioning now) and the upload ends. Returns the versions it replaced and the ended upload.
   */
  private async commitCompletion(request: CompleteMultipartUploadRequest, object: StoredObject) {
    const uploads = this.host.uploads();
    let replaced: StoredObject[] = [];
    let ended: StoredUpload | undefined;
    let versioned = false;
    await this.host.change(() => {
      const current = this.liveUpload(request);
      object.partBodies!.partNumbers.forEach((n, i) => {
        if (current.parts.get(n)?.bodyId !== object.partBodies!.bodyIds[i]) throw s3Error('InvalidPart', `part ${n} was uploaded again while the upload completed`);
      });
      const bucket = this.host.bucket(current.bucket);
      object.versionId = bucket.versioning === 'Enabled' ? newVersionId() : 'null';
      versioned = bucket.versioning !== undefined;
      const before = bucket.objects.get(current.key);
      replaced = addVersion(bucket, current.key, object);
      const after = bucket.objects.get(current.key);
      uploads.delete(request.UploadId);
      ended = current;
      return { record: putRecord(bucket, current.key, object, request.UploadId), undo: () => {
        restoreVersions(bucket, current.key, before, after);
        uploads.set(request.UploadId, current);
      } };
    });
    return { replaced, ended: ended!, versioned };
  }

  /** The upload's parts in part-number order, after PartNumberMarker, at most MaxParts (0–1000) a page (S3 ListParts). */
  async listParts(request: ListPartsRequest, caller?: Caller): Promise<ListPartsOutput> {
    await this.host.load();
    const { upload } = this.uploadFor(request, caller, undefined, false);
    const marker = request.PartNumberMarker ?? 0;
    const max = Math.min(request.MaxParts ?? 1000, 1000);
    const after = [...upload.parts].filter(([n]) => n > marker).sort(([a], [b]) => a - b);
    const page = after.slice(0, max);
    const truncated = after.length > page.length;
    return {
      Bucket: upload.bucket, Key: upload.key, UploadId: request.UploadId, PartNumberMarker: marker, MaxParts: max, IsTruncated: truncated,
      NextPartNumberMarker: truncated ? page.at(-1)?.[0] ?? marker : undefined, Initiator: { ID: upload.initiator },
      Parts: page.map(([PartNumber, p]) => ({ PartNumber, ETag: p.etag, Size: p.size, LastModified: p.lastModified })),
    };
  }

  async abort(request: AbortMultipartUploadRequest, caller?: Caller): Promise<AbortMultipartUploadOutput> {
    await this.host.load();
    this.uploadFor(request, caller, undefined, false);
    await this.dropUpload(request);
    return {};
  }

  /** Ends the upload (its record removed) and removes its parts' bodies: those it has when the end is decided, whichever process stored them. */
  private async dropUpload(request: ObjectRequest & { UploadId: string }): Promise<void> {
    const uploads = this.host.uploads();
    let upload: StoredUpload | undefined;
    await this.host.change(() => {
      const ended = this.liveUpload(request);
      upload = ended;
      uploads.delete(request.UploadId);
      return { record: { dropUpload: { uploadId: request.UploadId } }, undo: () => uploads.set(request.UploadId, ended) };
    });
    await Promise.all([...upload!.parts.values()].map((p) => this.host.bodies().remove(p.bodyId)));
  }

  /** The upload for `request`'s bucket and key, or NoSuchUpload. */
  private liveUpload(request: ObjectRequest & { UploadId: string }): StoredUpload {
    const upload = this.host.uploads().get(request.UploadId);
    if (!upload || upload.bucket !== request.Bucket || upload.key !== request.Key) throw s3Error('NoSuchUpload', `no upload ${String(request.UploadId)} for ${request.Bucket}/${request.Key}`);
    return upload;
  }

  /** The caller's upload; checks part numbers and, for SSE-C uploads, the key (which the caller zeroes). */
  private uploadFor(request: ObjectRequest & { UploadId: string }, caller: Caller | undefined, partNumber: number | undefined, needsKey = true) {
    const who = this.host.who(caller);
    const upload = this.liveUpload(request);
    if (who.principal !== upload.initiator && who.principal !== rootArn(this.host.account)) throw s3Error('AccessDenied', `${who.principal} did not start upload ${request.UploadId}`);
    if (partNumber !== undefined && (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000)) {
      throw s3Error('InvalidArgument', `PartNumber: expected 1 to 10000, got ${String(partNumber)}`);
    }
    const customerKey = upload.customerKey && needsKey
      ? this.host.matchingCustomerKey(request, upload.customerKey, 'this upload uses SSE-C: every part, and the completion, must carry the same customer key')
      : undefined;
    return { upload, who, customerKey };
  }

  /**
   * An upload begun by an earlier release sealed its parts under the SSE-S3 root key (or the SSE-C
   * key), bound to a per-part ARN, to be re-encrypted on completion, which this release no longer
   * does: it can be listed and aborted, and refuses parts and completion with what to do instead.
   * (Completing it would keep that release's part format and a re-encrypting completion alive as a
   * second write path, for uploads that exist only between an upgrade and their end: README, "Multipart upload".)
   */
  private static requireSealedAsObject(upload: StoredUpload, uploadId: string): void {
    if (!upload.sealedAsObject) {
      throw s3Error('InvalidRequest', `upload ${uploadId} was begun by an earlier kms-wasm release, whose parts this release does not complete: `
        + `abort it (AbortMultipartUpload; aws s3api abort-multipart-upload --bucket ${upload.bucket} --key ${upload.key} --upload-id ${uploadId}) and upload the object again`);
    }
  }
}
