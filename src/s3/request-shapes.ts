// The shape of every ObjectStore and S3EncryptionClient request, checked before a call does
// anything, so a malformed one is refused naming the field and changes nothing. S3 answers a
// malformed request body (the XML of a bucket configuration or of a multipart completion) with
// MalformedXML, and any other malformed parameter with InvalidArgument (Amazon S3 API Reference,
// "Error responses"). Rules that need the store (bucket names, key lengths in bytes, SSE header
// combinations, ranges) stay with the operations.

import {
  boolean, custom, date, integer, isByteArray, list, oneOf, optional, string, stringMap, structure, violationsOf,
  type Shape, type ShapeViolation,
} from '../core/request-shape.js';
import { CHECKSUM_ALGORITHMS } from './object-checksums.js';
import { CHECKSUM_MEMBERS } from './object-records.js';
import type * as S3 from './s3-api-types.js';
import { s3Error, type S3Error } from './s3-errors.js';

/**
 * A body: bytes or a string, and the other bodies the AWS SDK takes (Blob, Web ReadableStream, Node
 * Readable, async iterable of bytes), which the store reads as it supports them.
 */
const isBody = (value: unknown): value is S3.ObjectBody => typeof value === 'string' || isByteArray(value)
  || (typeof value === 'object' && value !== null
    && (Symbol.asyncIterator in value || typeof (value as { getReader?: unknown }).getReader === 'function'
      || typeof (value as { arrayBuffer?: unknown }).arrayBuffer === 'function'));
const body = () => custom(isBody, 'Member must be a Uint8Array, a string, a Blob, or a stream or async iterable of bytes');

const sseValue = () => oneOf(['AES256', 'aws:kms', 'aws:kms:dsse'] as const);
const customerKey = { SSECustomerAlgorithm: optional(string()), SSECustomerKey: optional(string({ sensitive: true })), SSECustomerKeyMD5: optional(string()) };
const objectFields = { Bucket: string(), Key: string(), ...customerKey, SecureTransport: optional(boolean()) };
const putSettings = {
  ...objectFields, ServerSideEncryption: optional(sseValue()), SSEKMSKeyId: optional(string()), SSEKMSEncryptionContext: optional(string()),
  BucketKeyEnabled: optional(boolean()), ContentType: optional(string()), Metadata: optional(stringMap()),
};
const bucketOnly = <T extends S3.BucketRequest>(name: string) => structure<T>(name, { Bucket: string() } as never);
const contentLength = () => optional(integer(0, Number.MAX_SAFE_INTEGER));
const verifiedChecksums = () => custom((value: unknown): value is ReadonlyMap<S3.ChecksumMember, string> => value instanceof Map
  && [...value].every(([name, digest]) => CHECKSUM_MEMBERS.includes(name as S3.ChecksumMember) && typeof digest === 'string'), `Member must be a Map of ${CHECKSUM_MEMBERS.join(' / ')} to base64`);
const putObject = { ...putSettings, Body: body(), ContentLength: contentLength(), VerifiedChecksums: optional(verifiedChecksums()) };
const contentSha256 = () => optional(string({ pattern: /^[0-9a-f]{64}$/ }));
const checksumMode = () => optional(oneOf(['ENABLED'] as const));
const partNumber = () => optional(integer(1, 10_000));
const copySource = {
  CopySource: string({ min: 1 }), CopySourceVersionId: optional(string()), CopySourceSSECustomerAlgorithm: optional(string()),
  CopySourceSSECustomerKey: optional(string({ sensitive: true })), CopySourceSSECustomerKeyMD5: optional(string()),
  CopySourceIfMatch: optional(string()), CopySourceIfNoneMatch: optional(string()), CopySourceIfModifiedSince: optional(date()),
  CopySourceIfUnmodifiedSince: optional(date()),
};
const getObject = { ...objectFields, Range: optional(string()), VersionId: optional(string()), ChecksumMode: checksumMode() };

const encryptionRule = structure<S3.ServerSideEncryptionRule>('ServerSideEncryptionRule', {
  ApplyServerSideEncryptionByDefault: structure<S3.ServerSideEncryptionRule['ApplyServerSideEncryptionByDefault']>('ServerSideEncryptionByDefault', { SSEAlgorithm: sseValue(), KMSMasterKeyID: optional(string()) }),
  BucketKeyEnabled: optional(boolean()),
});

/** Every ObjectStore (and S3EncryptionClient) operation's request shape, by AWS operation name. */
export const S3_REQUEST_SHAPES = {
  CreateBucket: bucketOnly<S3.CreateBucketRequest>('CreateBucketRequest'),
  DeleteBucket: bucketOnly<S3.DeleteBucketRequest>('DeleteBucketRequest'),
  ListBuckets: structure<S3.ListBucketsRequest>('ListBucketsRequest', {}),
  PutBucketEncryption: structure<S3.PutBucketEncryptionRequest>('PutBucketEncryptionRequest', {
    Bucket: string(),
    ServerSideEncryptionConfiguration: structure<S3.ServerSideEncryptionConfiguration>('ServerSideEncryptionConfiguration', { Rules: list(encryptionRule, { min: 1, max: 1 }) }),
  }),
  GetBucketEncryption: bucketOnly<S3.GetBucketEncryptionRequest>('GetBucketEncryptionRequest'),
  PutBucketVersioning: structure<S3.PutBucketVersioningRequest>('PutBucketVersioningRequest', {
    Bucket: string(), VersioningConfiguration: structure<S3.PutBucketVersioningRequest['VersioningConfiguration']>('VersioningConfiguration', { Status: oneOf(['Enabled', 'Suspended'] as const) }),
  }),
  GetBucketVersioning: bucketOnly<S3.GetBucketVersioningRequest>('GetBucketVersioningRequest'),
  PutBucketPolicy: structure<S3.PutBucketPolicyRequest>('PutBucketPolicyRequest', { Bucket: string(), Policy: string({ min: 1 }) }),
  GetBucketPolicy: bucketOnly<S3.GetBucketPolicyRequest>('GetBucketPolicyRequest'),
  PutObject: structure<S3.PutObjectRequest>('PutObjectRequest', { ...putObject, ContentSHA256: contentSha256() }),
  GetObject: structure<S3.GetObjectRequest>('GetObjectRequest', { ...getObject, PartNumber: partNumber() }),
  HeadObject: structure<S3.HeadObjectRequest>('HeadObjectRequest', { ...objectFields, VersionId: optional(string()), ChecksumMode: checksumMode(), PartNumber: partNumber() }),
  GetObjectTagging: structure<S3.GetObjectTaggingRequest>('GetObjectTaggingRequest', { Bucket: string(), Key: string(), VersionId: optional(string()) }),
  DeleteObject: structure<S3.DeleteObjectRequest>('DeleteObjectRequest', { Bucket: string(), Key: string(), VersionId: optional(string()) }),
  ListObjectVersions: structure<S3.ListObjectVersionsRequest>('ListObjectVersionsRequest', {
    Bucket: string(), Prefix: optional(string()), Delimiter: optional(string()), MaxKeys: optional(integer(0, 2 ** 31 - 1)),
    KeyMarker: optional(string()), VersionIdMarker: optional(string()),
  }),
  CopyObject: structure<S3.CopyObjectRequest>('CopyObjectRequest', {
    ...putSettings, ...copySource, MetadataDirective: optional(oneOf(['COPY', 'REPLACE'] as const)), ChecksumAlgorithm: optional(oneOf(CHECKSUM_ALGORITHMS)),
  }),
  ListObjectsV2: structure<S3.ListObjectsV2Request>('ListObjectsV2Request', {
    Bucket: string(), Prefix: optional(string()), MaxKeys: optional(integer(0, 2 ** 31 - 1)), StartAfter: optional(string()),
    ContinuationToken: optional(string()),
  }),
  CreateMultipartUpload: structure<S3.CreateMultipartUploadRequest>('CreateMultipartUploadRequest', {
    ...putSettings, ChecksumAlgorithm: optional(oneOf(CHECKSUM_ALGORITHMS)), ChecksumType: optional(oneOf(['COMPOSITE', 'FULL_OBJECT'] as const)),
  }),
  UploadPart: structure<S3.UploadPartRequest>('UploadPartRequest', {
    ...objectFields, UploadId: string({ min: 1 }), PartNumber: integer(1, 10_000), Body: body(), ContentLength: contentLength(), ContentSHA256: contentSha256(),
  }),
  UploadPartCopy: structure<S3.UploadPartCopyRequest>('UploadPartCopyRequest', {
    ...objectFields, ...copySource, UploadId: string({ min: 1 }), PartNumber: integer(1, 10_000), CopySourceRange: optional(string()),
  }),
  CompleteMultipartUpload: structure<S3.CompleteMultipartUploadRequest>('CompleteMultipartUploadRequest', {
    ...objectFields, UploadId: string({ min: 1 }),
    MultipartUpload: structure<S3.CompleteMultipartUploadRequest['MultipartUpload']>('CompletedMultipartUpload', {
      Parts: list(structure<S3.CompletedPart>('CompletedPart', {
        PartNumber: integer(1, 10_000), ETag: string(), ChecksumCRC32: optional(string()), ChecksumCRC32C: optional(string()),
        ChecksumCRC64NVME: optional(string()), ChecksumSHA1: optional(string()), ChecksumSHA256: optional(string()),
      }), { min: 1 }),
    }),
  }),
  AbortMultipartUpload: structure<S3.AbortMultipartUploadRequest>('AbortMultipartUploadRequest', {
    Bucket: string(), Key: string(), UploadId: string({ min: 1 }),
  }),
  ListParts: structure<S3.ListPartsRequest>('ListPartsRequest', {
    Bucket: string(), Key: string(), UploadId: string({ min: 1 }), MaxParts: optional(integer(0, 2 ** 31 - 1)), PartNumberMarker: optional(integer(0, 10_000)),
  }),
  DeleteBucketPolicy: bucketOnly<S3.DeleteBucketPolicyRequest>('DeleteBucketPolicyRequest'),
  DeleteBucketEncryption: bucketOnly<S3.DeleteBucketEncryptionRequest>('DeleteBucketEncryptionRequest'),
  EncryptedPutObject: structure<S3.EncryptedPutObjectRequest>('PutObjectRequest', { ...putObject, EncryptionContext: optional(stringMap()) }),
  EncryptedGetObject: structure<S3.EncryptedGetObjectRequest>('GetObjectRequest', { ...getObject, EncryptionContext: optional(stringMap()) }),
  EncryptedOpenObject: structure<S3.EncryptedOpenObjectRequest>('GetObjectRequest', {
    Bucket: string(), Key: string(), VersionId: optional(string()), EncryptionContext: optional(stringMap()),
  }),
} satisfies Record<string, Shape<unknown>>;

export type S3OperationName = keyof typeof S3_REQUEST_SHAPES;

/** The request members S3 receives as an XML body rather than as headers or query parameters. */
const XML_BODIES = new Set(['ServerSideEncryptionConfiguration', 'VersioningConfiguration', 'MultipartUpload']);

const fieldPath = (path: ShapeViolation['path']) =>
  path.length === 0 ? 'request' : path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');

/** S3's error for these violations: MalformedXML for a request body, InvalidArgument for anything else; the message names each field. */
export function s3ValidationError(violations: ShapeViolation[]): S3Error {
  const details = violations.map((v) => `${fieldPath(v.path)}: ${v.constraint}`).join('; ');
  const inBody = violations.every((v) => XML_BODIES.has(String(v.path[0])));
  return inBody
    ? s3Error('MalformedXML', `The XML you provided was not well-formed or did not validate against our published schema (${details})`)
    : s3Error('InvalidArgument', details);
}

/**
 * For the first line of each ObjectStore / S3EncryptionClient method: a rejected promise (S3's
 * error) if `request` does not have the operation's shape, else undefined.
 */
export function malformedS3Request(operation: S3OperationName, request: unknown): Promise<never> | undefined {
  const violations = violationsOf(S3_REQUEST_SHAPES[operation], request);
  return violations.length === 0 ? undefined : Promise.reject(s3ValidationError(violations));
}
