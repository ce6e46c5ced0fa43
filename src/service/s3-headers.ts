// S3's HTTP headers ↔ the ObjectStore's request and response fields (Amazon S3 API Reference,
// PutObject / GetObject / CopyObject "URI Request Parameters" and "Response Syntax"; User Guide,
// "Specifying server-side encryption with AWS KMS (SSE-KMS)" and "Using server-side encryption with
// customer-provided keys (SSE-C)").

import type { IncomingHttpHeaders } from 'node:http';
import type { ChecksumAlgorithm } from '../s3/object-checksums.js';
import type { ObjectConditions } from '../s3/object-conditions.js';
import { CHECKSUM_MEMBERS, type ChecksumMember } from '../s3/object-records.js';
import type { ServerSideEncryption } from '../s3/object-store.js';
import { ServiceError } from './service-error.js';
import { headerValue } from './wire.js';

const SSE = 'x-amz-server-side-encryption';
const META = 'x-amz-meta-';

/** 'true' / 'false' → boolean; absent → undefined. */
function booleanHeader(headers: IncomingHttpHeaders, name: string): boolean | undefined {
  const value = headerValue(headers, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new ServiceError('InvalidArgument', 400, `${name} must be true or false`);
  return value === 'true';
}

/** The SSE-C headers of the object itself, or (`base` 'x-amz-copy-source-server-side-encryption') of a copy's source. */
function customerKeyFields(headers: IncomingHttpHeaders, base = SSE) {
  return {
    algorithm: headerValue(headers, `${base}-customer-algorithm`),
    key: headerValue(headers, `${base}-customer-key`),
    keyMd5: headerValue(headers, `${base}-customer-key-md5`),
  };
}

/** An HTTP date header as a Date; absent or not a date: undefined, as a condition with an invalid date is ignored (RFC 7232, section 3.3). */
function dateHeader(headers: IncomingHttpHeaders, name: string): Date | undefined {
  const time = Date.parse(headerValue(headers, name) ?? '');
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since (`prefix` 'x-amz-copy-source-': a copy's source's). */
export function conditionFields(headers: IncomingHttpHeaders, prefix = ''): ObjectConditions {
  return { IfMatch: headerValue(headers, `${prefix}if-match`), IfNoneMatch: headerValue(headers, `${prefix}if-none-match`),
    IfModifiedSince: dateHeader(headers, `${prefix}if-modified-since`), IfUnmodifiedSince: dateHeader(headers, `${prefix}if-unmodified-since`) };
}

/**
 * A copy's source (CopyObject, UploadPartCopy): x-amz-copy-source, "bucket/key" with the key
 * URL-encoded (as the ObjectStore's CopySource), optionally "?versionId=…", its SSE-C headers, and
 * the conditions on it (x-amz-copy-source-if-*).
 */
export function copySourceFields(headers: IncomingHttpHeaders) {
  const [path, version] = (headerValue(headers, 'x-amz-copy-source') ?? '').split('?versionId=');
  const key = customerKeyFields(headers, 'x-amz-copy-source-server-side-encryption');
  const conditions = conditionFields(headers, 'x-amz-copy-source-');
  return { CopySource: path!, CopySourceVersionId: version, CopySourceSSECustomerAlgorithm: key.algorithm, CopySourceSSECustomerKey: key.key,
    CopySourceSSECustomerKeyMD5: key.keyMd5, CopySourceIfMatch: conditions.IfMatch, CopySourceIfNoneMatch: conditions.IfNoneMatch,
    CopySourceIfModifiedSince: conditions.IfModifiedSince, CopySourceIfUnmodifiedSince: conditions.IfUnmodifiedSince };
}

/** What a PUT, a copy or a multipart upload's creation says about how to encrypt, and its metadata. */
export function putFields(headers: IncomingHttpHeaders) {
  const customer = customerKeyFields(headers);
  const metadata: Record<string, string> = {};
  for (const name of Object.keys(headers)) if (name.startsWith(META)) metadata[name.slice(META.length)] = headerValue(headers, name)!;
  return {
    ServerSideEncryption: headerValue(headers, SSE) as ServerSideEncryption | undefined,
    SSEKMSKeyId: headerValue(headers, `${SSE}-aws-kms-key-id`),
    SSEKMSEncryptionContext: headerValue(headers, `${SSE}-context`),
    BucketKeyEnabled: booleanHeader(headers, `${SSE}-bucket-key-enabled`),
    SSECustomerAlgorithm: customer.algorithm, SSECustomerKey: customer.key, SSECustomerKeyMD5: customer.keyMd5,
    ContentType: headerValue(headers, 'content-type'),
    Metadata: metadata,
  };
}

/** The SSE-C fields of a read (GET, HEAD, part upload, completion). */
export function readFields(headers: IncomingHttpHeaders) {
  const customer = customerKeyFields(headers);
  return { SSECustomerAlgorithm: customer.algorithm, SSECustomerKey: customer.key, SSECustomerKeyMD5: customer.keyMd5 };
}

/** x-amz-checksum-algorithm of CreateMultipartUpload and CopyObject (the SDK sends it in upper case; a value no algorithm has is the store's to refuse). */
export const checksumAlgorithm = (headers: IncomingHttpHeaders) => headerValue(headers, 'x-amz-checksum-algorithm')?.toUpperCase() as ChecksumAlgorithm | undefined;

/** x-amz-checksum-mode on a GET or HEAD (S3 API Reference, GetObject: ChecksumMode). */
export const checksumMode = (headers: IncomingHttpHeaders) => headerValue(headers, 'x-amz-checksum-mode') as 'ENABLED' | undefined;

export interface ObjectHeaderFields extends Partial<Record<ChecksumMember, string>> {
  ETag?: string;
  LastModified?: Date;
  VersionId?: string;
  ContentType?: string;
  ContentLength?: number;
  ContentRange?: string;
  PartsCount?: number;
  ChecksumType?: string;
  Metadata?: Record<string, string>;
  ServerSideEncryption?: string;
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
  SSECustomerAlgorithm?: string;
  DeleteMarker?: boolean;
}

/** The response headers for an object's fields; SSE-C responses echo the key's MD5 as S3 does. */
export function objectResponseHeaders(fields: ObjectHeaderFields, requestHeaders: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string | undefined> = {
    'etag': fields.ETag,
    'last-modified': fields.LastModified?.toUTCString(),
    'x-amz-version-id': fields.VersionId,
    'content-type': fields.ContentType,
    'content-range': fields.ContentRange,
    'x-amz-mp-parts-count': fields.PartsCount?.toString(),
    'x-amz-delete-marker': fields.DeleteMarker ? 'true' : undefined,
    [SSE]: fields.ServerSideEncryption,
    [`${SSE}-aws-kms-key-id`]: fields.SSEKMSKeyId,
    [`${SSE}-bucket-key-enabled`]: fields.BucketKeyEnabled ? 'true' : undefined,
    [`${SSE}-customer-algorithm`]: fields.SSECustomerAlgorithm,
    [`${SSE}-customer-key-md5`]: fields.SSECustomerAlgorithm ? headerValue(requestHeaders, `${SSE}-customer-key-md5`) : undefined,
  };
  for (const [name, value] of Object.entries(fields.Metadata ?? {})) out[`${META}${name}`] = value;
  // ChecksumCRC32 → x-amz-checksum-crc32, with its type (FULL_OBJECT or COMPOSITE) where the store says it.
  for (const member of CHECKSUM_MEMBERS) {
    if (fields[member] !== undefined) out[`x-amz-checksum-${member.slice('Checksum'.length).toLowerCase()}`] = fields[member];
  }
  out['x-amz-checksum-type'] = fields.ChecksumType;
  return Object.fromEntries(Object.entries(out).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
