// Amazon S3's REST API over the library's ObjectStore (Amazon S3 API Reference, API version
// 2006-03-01: each operation's "Request Syntax" and "Response Syntax"), every call made as the
// request's caller so that bucket policies, identity policies and (through `s3.amazonaws.com`) SSE-KMS
// key policies apply. Bodies are read by s3-payload.ts (signatures, aws-chunked, checksums) and handed
// over by s3-bodies.ts; errors are S3's `<Error>` document with the status S3 gives the code
// ("Error responses", List of error codes).

import type { ChecksumType } from '../s3/object-checksums.js';
import { unmetCondition } from '../s3/object-conditions.js';
import { CHECKSUM_MEMBERS } from '../s3/object-records.js';
import type { ObjectStore } from '../s3/object-store.js';
import { S3Error } from '../s3/s3-errors.js';
import { MAX_BODY_BYTES } from './read-body.js';
import { objectPayload, readDocument } from './s3-bodies.js';
import { checksumAlgorithm, checksumMode, conditionFields, copySourceFields, objectResponseHeaders, putFields, readFields } from './s3-headers.js';
import { requestPayload } from './s3-payload.js';
import { listingPage, type ListingPage } from './s3-listing.js';
import { s3RouteOf, type S3Route } from './s3-routes.js';
import { parseS3Document, s3Document, s3ErrorDocument, xmlTime } from './s3-xml.js';
import { ServiceError } from './service-error.js';
import type { Authenticated, ServiceHandler } from './service-handler.js';
import { headerValue, type WireRequest, type WireResponse } from './wire.js';

/** The HTTP status S3 answers each ObjectStore error code with ("Error responses", List of error codes). */
const STATUS: Record<string, number> = {
  AccessDenied: 403, NoSuchKey: 404, NoSuchBucket: 404, NoSuchUpload: 404, NoSuchBucketPolicy: 404,
  ServerSideEncryptionConfigurationNotFoundError: 404, BucketAlreadyOwnedByYou: 409, BucketAlreadyExists: 409, BucketNotEmpty: 409,
  InvalidRange: 416, InvalidPartNumber: 416, PreconditionFailed: 412,
};

/** ?partNumber= on GetObject and HeadObject: undefined when absent; anything but 1–10000 is refused by the store (InvalidArgument). */
function partNumberOf(request: WireRequest): number | undefined {
  const value = request.query.get('partNumber');
  return value === null ? undefined : /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
}

/** A whole-number query parameter (max-keys, max-parts, part-number-marker), or undefined when absent. */
function wholeNumber(request: WireRequest, name: string): number | undefined {
  const value = request.query.get(name);
  if (value === null) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new ServiceError('InvalidArgument', 400, `${name} must be a whole number`);
  return Number(value);
}

/** A request document's value as text (fast-xml-parser gives strings, or objects for elements with children). */
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

interface Call {
  request: WireRequest;
  who: Authenticated;
  route: S3Route & { bucket: string; key: string };
}

type Operation = (call: Call) => Promise<Omit<WireResponse, 'headers'> & { headers?: Record<string, string> }>;

const ok = (body: string, headers: Record<string, string> = {}) => ({ status: 200, headers: { 'content-type': 'application/xml', ...headers }, body });
const noContent = (headers: Record<string, string> = {}) => ({ status: 204, headers, body: '' });
/** The length a PUT or part declares: the decoded length of an aws-chunked body, else Content-Length. */
const declaredLength = (request: WireRequest) =>
  headerValue(request.headers, 'x-amz-decoded-content-length') ?? headerValue(request.headers, 'content-length');

export interface S3RestApiOptions {
  /** Hosts this endpoint answers as: `<bucket>.<host>` is a virtual-hosted-style request. */
  endpointHosts: readonly string[];
  region: string;
}

export class S3RestApi implements ServiceHandler {
  readonly protocol = 'rest-xml' as const;
  readonly streamsBody = true;
  private readonly operations: Record<string, Operation>;

  constructor(private readonly store: ObjectStore, private readonly options: S3RestApiOptions) {
    this.operations = {
      ListBuckets: async ({ who }) => {
        const { Buckets, Owner } = await store.listBuckets({}, who.caller);
        return ok(s3Document('ListAllMyBucketsResult', {
          Owner: { ID: Owner.ID },
          Buckets: { Bucket: Buckets.map((b) => ({ Name: b.Name, CreationDate: xmlTime(b.CreationDate) })) },
        }));
      },
      CreateBucket: async ({ route, who, request }) => {
        await this.drain(request, who);
        const { Location } = await store.createBucket({ Bucket: route.bucket }, who.caller);
        return { status: 200, headers: { location: Location }, body: '' };
      },
      DeleteBucket: async ({ route, who }) => {
        await store.deleteBucket({ Bucket: route.bucket }, who.caller);
        return noContent();
      },
      // HeadBucket needs s3:ListBucket (S3 API Reference, HeadBucket): an empty listing checks exactly that.
      HeadBucket: async ({ route, who }) => {
        await store.listObjectsV2({ Bucket: route.bucket, MaxKeys: 0 }, who.caller);
        return { status: 200, headers: { 'x-amz-bucket-region': options.region }, body: '' };
      },
      GetBucketLocation: async ({ route, who }) => {
        await store.listObjectsV2({ Bucket: route.bucket, MaxKeys: 0 }, who.caller);
        // us-east-1 is written as an empty LocationConstraint (S3 API Reference, GetBucketLocation).
        return ok(s3Document('LocationConstraint', options.region === 'us-east-1' ? {} : { '#text': options.region }));
      },
      ListObjects: (call) => this.listObjects(call),
      ListObjectsV2: (call) => this.listObjectsV2(call),
      ListObjectVersions: async ({ route, who, request }) => {
        const q = request.query;
        const asked = { Prefix: q.get('prefix') ?? undefined, Delimiter: q.get('delimiter') || undefined, MaxKeys: wholeNumber(request, 'max-keys') ?? 1000,
          KeyMarker: q.get('key-marker') ?? undefined, VersionIdMarker: q.get('version-id-marker') ?? undefined };
        const listed = await store.listObjectVersions({ Bucket: route.bucket, ...asked }, who.caller);
        return ok(s3Document('ListVersionsResult', {
          Name: route.bucket, Prefix: asked.Prefix ?? '', KeyMarker: asked.KeyMarker ?? '', VersionIdMarker: asked.VersionIdMarker ?? '',
          NextKeyMarker: listed.NextKeyMarker, NextVersionIdMarker: listed.NextVersionIdMarker, MaxKeys: asked.MaxKeys, Delimiter: asked.Delimiter,
          IsTruncated: listed.IsTruncated,
          Version: listed.Versions.map((v) => ({ Key: v.Key, VersionId: v.VersionId, IsLatest: v.IsLatest, LastModified: xmlTime(v.LastModified),
            ETag: v.ETag, Size: v.Size, StorageClass: 'STANDARD' })),
          DeleteMarker: listed.DeleteMarkers.map((m) => ({ Key: m.Key, VersionId: m.VersionId, IsLatest: m.IsLatest, LastModified: xmlTime(m.LastModified) })),
          CommonPrefixes: listed.CommonPrefixes.map((Prefix) => ({ Prefix })),
        }));
      },
      PutBucketEncryption: async ({ route, who, request }) => {
        const document = parseS3Document(await this.drain(request, who), 'ServerSideEncryptionConfiguration');
        const rules = (Array.isArray(document.Rule) ? document.Rule : []) as Array<Record<string, unknown>>;
        await store.putBucketEncryption({ Bucket: route.bucket, ServerSideEncryptionConfiguration: { Rules: rules.map((rule) => {
          const byDefault = (rule.ApplyServerSideEncryptionByDefault ?? {}) as Record<string, unknown>;
          const bucketKey = text(rule.BucketKeyEnabled);
          return {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: text(byDefault.SSEAlgorithm) as never, KMSMasterKeyID: text(byDefault.KMSMasterKeyID) },
            ...(bucketKey === undefined ? {} : { BucketKeyEnabled: bucketKey === 'true' }),
          };
        }) } }, who.caller);
        return { status: 200, headers: {}, body: '' };
      },
      DeleteBucketEncryption: async ({ route, who }) => {
        await store.deleteBucketEncryption({ Bucket: route.bucket }, who.caller);
        return noContent();
      },
      GetBucketEncryption: async ({ route, who }) => {
        const { ServerSideEncryptionConfiguration } = await store.getBucketEncryption({ Bucket: route.bucket }, who.caller);
        return ok(s3Document('ServerSideEncryptionConfiguration', { Rule: ServerSideEncryptionConfiguration.Rules.map((rule) => ({
          ApplyServerSideEncryptionByDefault: rule.ApplyServerSideEncryptionByDefault, BucketKeyEnabled: rule.BucketKeyEnabled ?? false,
        })) }));
      },
      PutBucketVersioning: async ({ route, who, request }) => {
        const document = parseS3Document(await this.drain(request, who), 'VersioningConfiguration');
        await store.putBucketVersioning({ Bucket: route.bucket, VersioningConfiguration: { Status: text(document.Status) as never } }, who.caller);
        return { status: 200, headers: {}, body: '' };
      },
      GetBucketVersioning: async ({ route, who }) => {
        const { Status } = await store.getBucketVersioning({ Bucket: route.bucket }, who.caller);
        return ok(s3Document('VersioningConfiguration', { Status }));
      },
      PutBucketPolicy: async ({ route, who, request }) => {
        const policy = Buffer.from(await this.drain(request, who)).toString('utf8');
        await store.putBucketPolicy({ Bucket: route.bucket, Policy: policy }, who.caller);
        return noContent();
      },
      GetBucketPolicy: async ({ route, who }) => {
        const { Policy } = await store.getBucketPolicy({ Bucket: route.bucket }, who.caller);
        return { status: 200, headers: { 'content-type': 'application/json' }, body: Policy };
      },
      DeleteBucketPolicy: async ({ route, who }) => {
        await store.deleteBucketPolicy({ Bucket: route.bucket }, who.caller);
        return noContent();
      },
      PutObject: async ({ route, who, request }) => {
        const payload = requestPayload(request, who.signing, true);
        const put = await store.putObject({ Bucket: route.bucket, Key: route.key, ...objectPayload(payload.bytes, declaredLength(request)), SecureTransport: request.secureTransport,
          VerifiedChecksums: payload.verified, ContentSHA256: payload.contentSha256, ...putFields(request.headers) }, who.caller);
        return { status: 200, headers: { ...objectResponseHeaders(put, request.headers), ...Object.fromEntries(payload.checksums) }, body: '' };
      },
      GetObject: (call) => this.getObject(call),
      HeadObject: async ({ route, who, request }) => {
        const head = await store.headObject({ Bucket: route.bucket, Key: route.key, VersionId: request.query.get('versionId') ?? undefined,
          PartNumber: partNumberOf(request), SecureTransport: request.secureTransport, ChecksumMode: checksumMode(request.headers), ...readFields(request.headers) }, who.caller);
        const unmet = this.preconditionFailure(request, head);
        if (unmet) return unmet;
        return { status: head.ContentRange === undefined ? 200 : 206,
          headers: { ...objectResponseHeaders(head, request.headers), 'accept-ranges': 'bytes', 'content-length': String(head.ContentLength) }, body: '' };
      },
      GetObjectTagging: async ({ route, who, request }) => {
        const { TagSet, VersionId } = await store.getObjectTagging({ Bucket: route.bucket, Key: route.key, VersionId: request.query.get('versionId') ?? undefined }, who.caller);
        return ok(s3Document('Tagging', { TagSet: { Tag: TagSet } }), VersionId === undefined ? {} : { 'x-amz-version-id': VersionId });
      },
      DeleteObject: async ({ route, who, request }) => {
        const deleted = await store.deleteObject({ Bucket: route.bucket, Key: route.key, VersionId: request.query.get('versionId') ?? undefined }, who.caller);
        return noContent(objectResponseHeaders(deleted, request.headers));
      },
      DeleteObjects: (call) => this.deleteObjects(call),
      CopyObject: async ({ route, who, request }) => {
        const directive = headerValue(request.headers, 'x-amz-metadata-directive');
        if (directive !== undefined && directive !== 'COPY' && directive !== 'REPLACE') throw new ServiceError('InvalidArgument', 400, 'x-amz-metadata-directive must be COPY or REPLACE');
        const copied = await store.copyObject({ Bucket: route.bucket, Key: route.key, ...copySourceFields(request.headers),
          MetadataDirective: directive, SecureTransport: request.secureTransport, ...putFields(request.headers),
          ChecksumAlgorithm: checksumAlgorithm(request.headers) }, who.caller);
        const { ETag, LastModified, ...checksums } = copied.CopyObjectResult;
        return ok(s3Document('CopyObjectResult', { ETag, LastModified: xmlTime(LastModified), ...checksums }), objectResponseHeaders(copied, request.headers));
      },
      CreateMultipartUpload: async ({ route, who, request }) => {
        const { Bucket, Key, UploadId, ChecksumAlgorithm, ...encryption } = await store.createMultipartUpload({ Bucket: route.bucket, Key: route.key,
          SecureTransport: request.secureTransport, ...putFields(request.headers),
          ChecksumAlgorithm: checksumAlgorithm(request.headers),
          ChecksumType: headerValue(request.headers, 'x-amz-checksum-type')?.toUpperCase() as ChecksumType | undefined }, who.caller);
        return ok(s3Document('InitiateMultipartUploadResult', { Bucket, Key, UploadId }), {
          ...objectResponseHeaders(encryption, request.headers), ...(ChecksumAlgorithm ? { 'x-amz-checksum-algorithm': ChecksumAlgorithm } : {}) });
      },
      UploadPart: async ({ route, who, request }) => {
        const payload = requestPayload(request, who.signing, true);
        const body = objectPayload(payload.bytes, declaredLength(request));
        const part = await store.uploadPart({ Bucket: route.bucket, Key: route.key, UploadId: request.query.get('uploadId')!,
          PartNumber: partNumberOf(request)!, ...body, ContentSHA256: payload.contentSha256, SecureTransport: request.secureTransport,
          ...readFields(request.headers) }, who.caller);
        return { status: 200, headers: { ...objectResponseHeaders(part, request.headers), ...Object.fromEntries(payload.checksums) }, body: '' };
      },
      // UploadPartCopy (S3 API Reference): x-amz-copy-source and its SSE-C headers as CopyObject's, x-amz-copy-source-range.
      UploadPartCopy: async ({ route, who, request }) => {
        await this.drain(request, who);
        const copied = await store.uploadPartCopy({ Bucket: route.bucket, Key: route.key, UploadId: request.query.get('uploadId')!,
          PartNumber: partNumberOf(request)!, ...copySourceFields(request.headers), CopySourceRange: headerValue(request.headers, 'x-amz-copy-source-range'),
          SecureTransport: request.secureTransport, ...readFields(request.headers) }, who.caller);
        const { CopyPartResult, CopySourceVersionId, ...encryption } = copied;
        return ok(s3Document('CopyPartResult', { ...CopyPartResult, LastModified: xmlTime(CopyPartResult.LastModified) }), {
          ...objectResponseHeaders(encryption, request.headers), ...(CopySourceVersionId ? { 'x-amz-copy-source-version-id': CopySourceVersionId } : {}) });
      },
      CompleteMultipartUpload: async ({ route, who, request }) => {
        const document = parseS3Document(await this.drain(request, who), 'CompleteMultipartUpload');
        const parts = (Array.isArray(document.Part) ? document.Part : []) as Array<Record<string, unknown>>;
        const done = await store.completeMultipartUpload({ Bucket: route.bucket, Key: route.key, UploadId: request.query.get('uploadId')!,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: Number(text(p.PartNumber)), ETag: text(p.ETag) ?? '',
            ...Object.fromEntries(CHECKSUM_MEMBERS.filter((m) => text(p[m]) !== undefined).map((m) => [m, text(p[m])])) })) },
          SecureTransport: request.secureTransport, ...readFields(request.headers) }, who.caller);
        return ok(s3Document('CompleteMultipartUploadResult', {
          Location: `/${done.Bucket}/${encodeURI(done.Key)}`, Bucket: done.Bucket, Key: done.Key, ETag: done.ETag,
          ...Object.fromEntries(CHECKSUM_MEMBERS.map((m) => [m, done[m]])), ChecksumType: done.ChecksumType,
        }), objectResponseHeaders({ VersionId: done.VersionId, ServerSideEncryption: done.ServerSideEncryption, SSEKMSKeyId: done.SSEKMSKeyId,
          BucketKeyEnabled: done.BucketKeyEnabled }, request.headers));
      },
      ListParts: async ({ route, who, request }) => {
        const listed = await store.listParts({ Bucket: route.bucket, Key: route.key, UploadId: request.query.get('uploadId')!,
          MaxParts: wholeNumber(request, 'max-parts'), PartNumberMarker: wholeNumber(request, 'part-number-marker') }, who.caller);
        return ok(s3Document('ListPartsResult', {
          Bucket: listed.Bucket, Key: listed.Key, UploadId: listed.UploadId, PartNumberMarker: listed.PartNumberMarker,
          NextPartNumberMarker: listed.NextPartNumberMarker, MaxParts: listed.MaxParts, IsTruncated: listed.IsTruncated,
          Part: listed.Parts.map((p) => ({ PartNumber: p.PartNumber, LastModified: xmlTime(p.LastModified), ETag: p.ETag, Size: p.Size })),
          Initiator: listed.Initiator, StorageClass: 'STANDARD',
        }));
      },
      AbortMultipartUpload: async ({ route, who, request }) => {
        await store.abortMultipartUpload({ Bucket: route.bucket, Key: route.key, UploadId: request.query.get('uploadId')! }, who.caller);
        return noContent();
      },
    };
  }

  private routeOf(request: WireRequest): S3Route {
    return s3RouteOf(request, this.options.endpointHosts);
  }

  operationOf(request: WireRequest): string | undefined {
    try {
      return this.routeOf(request).operation;
    } catch {
      return undefined;
    }
  }

  async handle(request: WireRequest, who: Authenticated, requestId: string): Promise<WireResponse> {
    const route = this.routeOf(request);
    const operation = this.operations[route.operation];
    if (!operation) throw new ServiceError('NotImplemented', 501, `${route.operation} is not implemented by this server`);
    try {
      const answer = await operation({ request, who, route: { ...route, bucket: route.bucket ?? '', key: route.key ?? '' } });
      return { ...answer, headers: { ...answer.headers, 'x-amz-request-id': requestId } };
    } catch (error) {
      // InternalError (a stored body gone) goes on as a fault: the dispatcher answers S3's 500 InternalError and only the log gets the detail.
      if (error instanceof S3Error && error.name !== 'InternalError') throw new ServiceError(error.name, STATUS[error.name] ?? 400, error.message);
      throw error;
    }
  }

  errorResponse(error: ServiceError, requestId: string): WireResponse {
    return {
      status: error.status,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
      body: s3ErrorDocument(error, requestId),
    };
  }

  /** A small request document (bucket configuration, a multipart completion, a delete list), read whole and checked. */
  private async drain(request: WireRequest, who: Authenticated): Promise<Uint8Array> {
    return readDocument(requestPayload(request, who.signing).bytes, MAX_BODY_BYTES);
  }

  /** The listing both ListObjects versions share: prefix, delimiter, max-keys, from `after`. */
  private listing({ route, who, request }: Call, after: string | undefined) {
    const prefix = request.query.get('prefix') ?? undefined;
    const delimiter = request.query.get('delimiter') || undefined;
    const maxKeys = wholeNumber(request, 'max-keys') ?? 1000;
    return { prefix, delimiter, maxKeys, page: listingPage(this.store, who.caller, { bucket: route.bucket, prefix, delimiter, maxKeys, after }) };
  }

  private static listedContents(page: ListingPage) {
    return {
      Contents: page.contents.map((o) => ({ Key: o.Key, LastModified: xmlTime(o.LastModified), ETag: o.ETag, Size: o.Size, StorageClass: 'STANDARD' })),
      CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: p })),
    };
  }

  /** ListObjectsV2: the continuation token is the page's last key or common prefix, base64url-encoded. */
  private async listObjectsV2(call: Call) {
    const q = call.request.query;
    const token = q.get('continuation-token') ?? undefined;
    const startAfter = q.get('start-after') ?? undefined;
    const { prefix, delimiter, maxKeys, page: listed } = this.listing(call, token === undefined ? startAfter : Buffer.from(token, 'base64url').toString('utf8'));
    const page = await listed;
    return ok(s3Document('ListBucketResult', {
      Name: call.route.bucket, Prefix: prefix ?? '', Delimiter: delimiter, MaxKeys: maxKeys, KeyCount: page.contents.length + page.commonPrefixes.length,
      IsTruncated: page.truncated, ContinuationToken: token,
      NextContinuationToken: page.truncated ? Buffer.from(page.last!, 'utf8').toString('base64url') : undefined, StartAfter: startAfter,
      ...S3RestApi.listedContents(page),
    }));
  }

  /** ListObjects (v1): NextMarker only with a delimiter; without one a client continues from the last key (S3 API Reference, ListObjects). */
  private async listObjects(call: Call) {
    const marker = call.request.query.get('marker') ?? undefined;
    const { prefix, delimiter, maxKeys, page: listed } = this.listing(call, marker);
    const page = await listed;
    return ok(s3Document('ListBucketResult', {
      Name: call.route.bucket, Prefix: prefix ?? '', Marker: marker ?? '', NextMarker: page.truncated && delimiter !== undefined ? page.last : undefined,
      Delimiter: delimiter, MaxKeys: maxKeys, IsTruncated: page.truncated, ...S3RestApi.listedContents(page),
    }));
  }

  private async getObject({ route, who, request }: Call) {
    const range = headerValue(request.headers, 'range');
    const got = await this.store.getObject({ Bucket: route.bucket, Key: route.key, VersionId: request.query.get('versionId') ?? undefined,
      Range: range, PartNumber: partNumberOf(request), SecureTransport: request.secureTransport, ChecksumMode: checksumMode(request.headers), ...readFields(request.headers) }, who.caller);
    // A body not sent is closed now (its file), not at garbage collection.
    const close = () => got.Body[Symbol.asyncIterator]().return?.(undefined);
    let unmet: WireResponse | undefined;
    try {
      unmet = this.preconditionFailure(request, got);
    } catch (error) {
      await close();
      throw error;
    }
    if (unmet) {
      await close();
      return unmet;
    }
    return {
      status: got.ContentRange === undefined ? 200 : 206,
      headers: { ...objectResponseHeaders(got, request.headers), 'accept-ranges': 'bytes', 'content-length': String(got.ContentLength), 'content-type': got.ContentType ?? 'binary/octet-stream' },
      body: got.Body,
    };
  }

  /**
   * If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since (S3 API Reference, GetObject and
   * HeadObject; RFC 7232 precedence): throws 412 PreconditionFailed, or answers 304 Not Modified without a body.
   */
  private preconditionFailure(request: WireRequest, object: { ETag: string; LastModified: Date }): WireResponse | undefined {
    const unmet = unmetCondition(object, conditionFields(request.headers));
    if (unmet === 'PreconditionFailed') throw new ServiceError('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
    if (unmet === 'NotModified') return { status: 304, headers: { etag: object.ETag, 'last-modified': object.LastModified.toUTCString() }, body: '' };
    return undefined;
  }

  private async deleteObjects({ route, who, request }: Call) {
    // S3 requires Content-MD5 or an x-amz-checksum header on DeleteObjects (S3 API Reference, DeleteObjects).
    const hasDigest = headerValue(request.headers, 'content-md5') !== undefined
      || Object.keys(request.headers).some((n) => /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/.test(n))
      || headerValue(request.headers, 'x-amz-trailer') !== undefined;
    if (!hasDigest) throw new ServiceError('InvalidRequest', 400, 'Missing required header for this request: Content-MD5 or x-amz-checksum-*');
    const document = parseS3Document(await this.drain(request, who), 'Delete');
    const objects = (Array.isArray(document.Object) ? document.Object : []) as Array<Record<string, unknown>>;
    if (objects.length === 0 || objects.length > 1000) throw new ServiceError('MalformedXML', 400, 'Delete must list 1 to 1000 Object elements');
    const quiet = text(document.Quiet) === 'true';
    const deleted: object[] = [];
    const errors: object[] = [];
    for (const entry of objects) {
      const Key = text(entry.Key) ?? '';
      const VersionId = text(entry.VersionId);
      try {
        const result = await this.store.deleteObject({ Bucket: route.bucket, Key, VersionId }, who.caller);
        if (!quiet) {
          deleted.push({ Key, VersionId, DeleteMarker: result.DeleteMarker, DeleteMarkerVersionId: result.DeleteMarker ? result.VersionId : undefined });
        }
      } catch (error) {
        if (!(error instanceof S3Error)) throw error;
        errors.push({ Key, VersionId, Code: error.name, Message: error.message });
      }
    }
    return ok(s3Document('DeleteResult', { Deleted: deleted, Error: errors }));
  }
}
