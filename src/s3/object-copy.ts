// Copies: CopyObject and UploadPartCopy read their source as the caller (s3:GetObject, with
// CopySourceSSECustomer* for an SSE-C source) and stream it, decrypted frame by frame, into the
// destination, which is encrypted to its own settings as any PUT or part.

import type { Caller } from '../policy/caller.js';
import type { ObjectAccess } from './object-access.js';
import { CHECKSUM_ALGORITHMS, copyChecksum, memberOf, type ChecksummerFactory } from './object-checksums.js';
import { unmetCondition } from './object-conditions.js';
import { malformedS3Request } from './request-shapes.js';
import type {
  CopyObjectOutput, CopyObjectRequest, CopySourceFields, GetObjectOutput, GetObjectRequest, HeadObjectOutput, HeadObjectRequest,
  PutObjectOutput, PutObjectRequest, UploadPartCopyOutput, UploadPartCopyRequest, UploadPartOutput, UploadPartRequest,
} from './s3-api-types.js';
import { s3Error } from './s3-errors.js';

/** The operations a copy is made of. */
export interface CopyHost {
  getObject(request: GetObjectRequest, caller?: Caller): Promise<GetObjectOutput>;
  headObject(request: HeadObjectRequest, caller?: Caller): Promise<HeadObjectOutput>;
  putObject(request: PutObjectRequest, caller?: Caller): Promise<PutObjectOutput>;
  uploadPart(request: UploadPartRequest, caller?: Caller): Promise<UploadPartOutput>;
}

export class ObjectCopies {
  constructor(private readonly access: ObjectAccess, private readonly host: CopyHost, private readonly checksummer: ChecksummerFactory | undefined) {}

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
      const put = await this.host.putObject({
        Bucket: request.Bucket, Key: request.Key, Body: body, VerifiedChecksums: checksums, ServerSideEncryption: request.ServerSideEncryption,
        SSEKMSKeyId: request.SSEKMSKeyId, SSEKMSEncryptionContext: request.SSEKMSEncryptionContext, BucketKeyEnabled: request.BucketKeyEnabled,
        SSECustomerAlgorithm: request.SSECustomerAlgorithm, SSECustomerKey: request.SSECustomerKey, SSECustomerKeyMD5: request.SSECustomerKeyMD5,
        SecureTransport: request.SecureTransport, ContentType: original.ContentType,
        Metadata: request.MetadataDirective === 'REPLACE' ? request.Metadata : original.Metadata,
      }, caller);
      const copied = Object.fromEntries(checksums);
      return { CopyObjectResult: { ETag: put.ETag, LastModified: this.access.clock.now(), ...copied, ...(checksums.size ? { ChecksumType: 'FULL_OBJECT' as const } : {}) },
        VersionId: put.VersionId, ServerSideEncryption: put.ServerSideEncryption,
        SSEKMSKeyId: put.SSEKMSKeyId, BucketKeyEnabled: put.BucketKeyEnabled, SSECustomerAlgorithm: put.SSECustomerAlgorithm };
    } finally {
      await ObjectCopies.closeUnread(original);
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
    await this.access.load();
    this.access.authorizePut(this.access.who(caller), this.access.bucket(request.Bucket), this.access.checkKey(request.Key), { Bucket: request.Bucket, Key: request.Key, SecureTransport: request.SecureTransport });
    const original = await this.readCopySource(request, request.CopySourceRange, caller);
    try {
      const { ETag, ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1, ChecksumSHA256, ...encryption } = await this.host.uploadPart({ Bucket: request.Bucket, Key: request.Key, UploadId: request.UploadId,
        PartNumber: request.PartNumber, Body: original.Body, ContentLength: original.ContentLength, SSECustomerAlgorithm: request.SSECustomerAlgorithm,
        SSECustomerKey: request.SSECustomerKey, SSECustomerKeyMD5: request.SSECustomerKeyMD5, SecureTransport: request.SecureTransport }, caller);
      const checksum = { ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1, ChecksumSHA256 };
      return { CopyPartResult: { ETag, LastModified: this.access.clock.now(), ...checksum }, CopySourceVersionId: original.VersionId, ...encryption };
    } finally {
      await ObjectCopies.closeUnread(original);
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
      const { ContentLength: size } = await this.host.headObject(sourceRequest, caller);
      if (!bounds || Number(bounds[1]) > Number(bounds[2]) || Number(bounds[2]) >= size) {
        throw s3Error('InvalidArgument', `CopySourceRange: expected bytes=first-last within the source object of size ${size}, got ${range}`);
      }
    }
    // With ChecksumMode: the checksums of a whole source, whose algorithm a copy keeps.
    const original = await this.host.getObject({ ...sourceRequest, Range: range, ChecksumMode: 'ENABLED' }, caller);
    const unmet = unmetCondition(original, { IfMatch: request.CopySourceIfMatch, IfNoneMatch: request.CopySourceIfNoneMatch,
      IfModifiedSince: request.CopySourceIfModifiedSince, IfUnmodifiedSince: request.CopySourceIfUnmodifiedSince });
    if (unmet !== undefined) {
      await ObjectCopies.closeUnread(original);
      throw s3Error('PreconditionFailed', `At least one of the pre-conditions you specified did not hold (x-amz-copy-source-if-*: ${unmet === 'NotModified' ? 'not modified' : 'ETag or date'})`);
    }
    return original;
  }

  /** A copy refused before it read its source leaves it unread: close it. (Once read, the read closed it, and it cannot be taken again.) */
  private static async closeUnread(source: GetObjectOutput): Promise<void> {
    await Promise.resolve().then(() => source.Body[Symbol.asyncIterator]().return?.()).catch(() => undefined);
  }
}
