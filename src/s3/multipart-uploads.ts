// Multipart upload for the ObjectStore: parts are sealed at rest as they stream in (under the store's
// SSE-S3 root key, or under the customer's key for SSE-C uploads), each to its own body file, and
// completion streams them, decrypted frame by frame, into one object written with the upload's
// encryption settings: no part is ever held whole in memory. The uploads and their parts' records are
// the metadata store's (upload-records.ts), made durable by its `change` like object versions: an
// upload outlives its process, and one started through one process sharing a store (PostgreSQL)
// takes parts and completes through another. Each part's body is bound to its upload, part number
// and body id (body-binding.ts), so parts cannot be swapped.

import type { Clock } from '../core/clock.js';
import type { Caller } from '../policy/caller.js';
import { rootArn } from '../policy/index.js';
import { bindMaterials, bindResolver } from './body-binding.js';
import { openDecryptedBody } from './body-decryption.js';
import { writeEncryptedBody } from './body-encryption.js';
import type { ObjectBodies } from './object-bodies.js';
import type { MetadataChange } from './object-metadata.js';
import { bodyPieces, checkContentLength } from './object-bytes.js';
import { checksummed, compositeChecksum, memberOf, uploadChecksum, type ChecksummerFactory, type UploadChecksum } from './object-checksums.js';
import { CHECKSUM_MEMBERS, defaultEncryption, type Bucket, type ChecksumMember, type StoredObject } from './object-records.js';
import type {
  AbortMultipartUploadOutput, AbortMultipartUploadRequest, CompleteMultipartUploadOutput, CompleteMultipartUploadRequest,
  CreateMultipartUploadOutput, CreateMultipartUploadRequest, ObjectRequest, PutObjectOutput, PutObjectRequest, PutObjectSettings,
  ListPartsOutput, ListPartsRequest, UploadPartOutput, UploadPartRequest,
} from './s3-api-types.js';
import { s3Error } from './s3-errors.js';
import { customerKeyCheck, customerKeyMaterials, type CustomerKeyCheck } from './sse-c-keyring.js';
import type { SseS3Keyring } from './sse-s3-keyring.js';
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
  sseS3(): SseS3Keyring;
  bodies(): ObjectBodies;
  /** The uploads in progress (the metadata store's, current after `load()`). */
  uploads(): Map<string, StoredUpload>;
  /** The metadata store's `change`: how an upload, a part or an upload's end is made durable. */
  change(decide: () => MetadataChange): Promise<void>;
  /** putObject without its 5 GiB limit (a completed upload may reach 5 TiB), keeping the part sizes (and a COMPOSITE checksum's type) with the version. */
  putObject(request: PutObjectRequest, caller: Caller | undefined, completed: CompletedUpload): Promise<PutObjectOutput>;
  account: string;
  /** The checksum algorithms, if the store has them. */
  checksummer: ChecksummerFactory | undefined;
  /** Where the parts' LastModified comes from. */
  clock: Clock;
}

/** What a completed upload leaves on its object's version besides the PUT's fields: its part sizes, and its parts' checksums and the object checksum's type if it has them. */
export type CompletedUpload = Required<Pick<StoredObject, 'parts'>> & Pick<StoredObject, 'checksumType' | 'partChecksums'>;

/** S3's minimum size for every part but the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's maximum part size: 5 GiB (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). */
export const MAX_PART_BYTES = 5 * 1024 ** 3;

export class MultipartUploads {
  constructor(private readonly host: MultipartHost) {}

  /** Starts an upload; the encryption settings (and the policy check) are those of the final PUT. */
  async create(request: CreateMultipartUploadRequest, caller?: Caller): Promise<CreateMultipartUploadOutput> {
    await this.host.load();
    const who = this.host.who(caller);
    const bucket = this.host.bucket(request.Bucket);
    const key = this.host.checkKey(request.Key);
    this.host.authorizePut(who, bucket, key, request);
    const customerKey = this.host.customerKey(request);
    const { Bucket: _b, Key: _k, SSECustomerKey: _key, SSECustomerKeyMD5: _md5, ChecksumAlgorithm, ChecksumType, ...settings } = request;
    let checksum: UploadChecksum | undefined;
    try {
      checksum = uploadChecksum(ChecksumAlgorithm, ChecksumType);
      if (checksum && !this.host.checksummer) throw s3Error('InvalidRequest', 'ChecksumAlgorithm: this ObjectStore was made without a checksummer (ObjectStoreOptions.checksummer)');
    } catch (error) {
      customerKey?.fill(0);
      throw error;
    }
    const uploadId = crypto.randomUUID();
    const encryption = customerKey ? { SSECustomerAlgorithm: 'AES256' as const }
      : { ServerSideEncryption: defaultEncryption(bucket, request.ServerSideEncryption), SSEKMSKeyId: request.SSEKMSKeyId };
    const upload: StoredUpload = { bucket: bucket.name, key, initiator: who.principal, settings, parts: new Map(), encryption, checksum,
      customerKey: customerKey ? customerKeyCheck(customerKey) : undefined };
    customerKey?.fill(0);
    const uploads = this.host.uploads();
    await this.host.change(() => {
      uploads.set(uploadId, upload);
      return { record: uploadRecord(uploadId, upload), undo: () => uploads.delete(uploadId) };
    });
    return { Bucket: bucket.name, Key: key, UploadId: uploadId, ...encryption, ChecksumAlgorithm: checksum?.algorithm, ChecksumType: checksum?.type };
  }

  /** Stores one part (at most 5 GiB, streamed like putObject's Body), sealed at rest: under the customer's key for SSE-C uploads, else under the store's root key. */
  async uploadPart(request: UploadPartRequest, caller?: Caller): Promise<UploadPartOutput> {
    await this.host.load();
    const { upload, partArn, customerKey } = this.uploadFor(request, caller, request.PartNumber);
    try {
      const contentLength = checkContentLength(request.ContentLength, MAX_PART_BYTES);
      let checksum: string | undefined;
      const algorithm = upload.checksum?.algorithm;
      const pieces = algorithm ? checksummed(bodyPieces(request.Body), this.host.checksummer!(algorithm), (value) => { checksum = value; }) : bodyPieces(request.Body);
      const materials = customerKey ? customerKeyMaterials(customerKey) : this.host.sseS3().materials(partArn);
      const bodyId = crypto.randomUUID();
      const { size, etag } = await writeEncryptedBody(this.host.bodies(), bodyId, pieces, [bindMaterials(materials, { objectArn: partArn, versionId: bodyId })],
        { maxBytes: MAX_PART_BYTES, contentLength });
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
      return { ETag: etag, ...upload.encryption, ...(algorithm ? { [memberOf(algorithm)]: checksum } : {}) };
    } finally {
      customerKey?.fill(0);
    }
  }

  /** Joins the listed parts (ascending, ETags matching) into the object, encrypted with the upload's settings. */
  async complete(request: CompleteMultipartUploadRequest, caller?: Caller): Promise<CompleteMultipartUploadOutput> {
    await this.host.load();
    const { upload, customerKey } = this.uploadFor(request, caller, undefined);
    const listed = request.MultipartUpload?.Parts;
    if (!Array.isArray(listed) || listed.length === 0) throw s3Error('InvalidRequest', 'MultipartUpload.Parts: at least one part is needed');
    try {
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
      const bodies = this.host.bodies();
      const sseS3 = this.host.sseS3();
      // The parts' plaintext, one after another, each decrypted a frame at a time as the object's PUT reads it.
      const joined = (async function* () {
        for (const part of chosen) {
          const partArn = `arn:aws:s3:::${upload.bucket}/${upload.key}?uploadId=${request.UploadId}&partNumber=${part.PartNumber}`;
          const resolver = bindResolver(customerKey ? async () => customerKey.slice() : sseS3.resolver(partArn), { objectArn: partArn, versionId: part.bodyId });
          const body = await openDecryptedBody(await bodies.open(part.bodyId), [resolver], part.size);
          try {
            yield* body.pieces(0, body.size);
          } finally {
            await body.close();
          }
        }
      })();
      const customer = customerKey ? { SSECustomerAlgorithm: 'AES256', SSECustomerKey: request.SSECustomerKey, SSECustomerKeyMD5: request.SSECustomerKeyMD5 } : {};
      // The object's checksum: of the parts' checksums (COMPOSITE), or of the whole object as it streams into the PUT (FULL_OBJECT).
      const checksums = new Map<ChecksumMember, string>();
      const { algorithm, type } = upload.checksum ?? {};
      const running = algorithm ? this.host.checksummer!(algorithm) : undefined;
      if (algorithm && type === 'COMPOSITE') checksums.set(memberOf(algorithm), await compositeChecksum(running!, chosen.map((part) => part.checksum!)));
      const body = algorithm && type === 'FULL_OBJECT' ? checksummed(joined, running!, (value) => checksums.set(memberOf(algorithm), value)) : joined;
      const put = await this.host.putObject({ ...upload.settings, ...customer, Bucket: upload.bucket, Key: upload.key, Body: body, SecureTransport: request.SecureTransport,
        VerifiedChecksums: checksums }, caller, { parts: chosen.map((part) => part.size),
        ...(type === 'COMPOSITE' ? { checksumType: type } : {}), ...(algorithm ? { partChecksums: chosen.map((part) => part.checksum!) } : {}) });
      await this.dropUpload(request);
      return { Bucket: upload.bucket, Key: upload.key, ETag: put.ETag, VersionId: put.VersionId, ServerSideEncryption: put.ServerSideEncryption, SSEKMSKeyId: put.SSEKMSKeyId,
        ...Object.fromEntries(checksums), ChecksumType: type };
    } finally {
      customerKey?.fill(0);
    }
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
    const partArn = `arn:aws:s3:::${upload.bucket}/${upload.key}?uploadId=${request.UploadId}&partNumber=${partNumber}`;
    return { upload, partArn, customerKey };
  }
}
