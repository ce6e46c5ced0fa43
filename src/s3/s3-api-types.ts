// The request and response of every ObjectStore and S3EncryptionClient operation, named as the AWS
// SDK for JavaScript v3's client-s3 names them (`PutObjectRequest`, `GetObjectOutput`, …; Amazon S3
// API Reference, "Actions"). Enumerations are string-literal unions of the values this store supports.

import type { CustomerKeyRequest } from './sse-c-keyring.js';
import type { ChecksumAlgorithm, ChecksumType } from './object-checksums.js';
import type { ChecksumMember, EncryptionRule, ServerSideEncryption } from './object-records.js';

export type { ChecksumAlgorithm, ChecksumMember, ChecksumType, CustomerKeyRequest, EncryptionRule as ServerSideEncryptionRule, ServerSideEncryption };
/** The checksums of a body or part, by the SDK's member names (base64; a COMPOSITE one ends "-<parts>"). */
export type Checksums = Partial<Record<ChecksumMember, string>>;
export type BucketVersioningStatus = 'Enabled' | 'Suspended';
export type MetadataDirective = 'COPY' | 'REPLACE';
export type { ObjectBody } from './object-bytes.js';
import type { ObjectBody } from './object-bytes.js';
import type { StreamingBody } from './streaming-body.js';
export type { StreamingBody };

export interface BucketRequest {
  Bucket: string;
}
/** The output of an operation that answers with no members (S3 returns only the HTTP status). */
export type EmptyOutput = Record<string, never>;
export type DeleteBucketOutput = EmptyOutput;
export type CreateBucketRequest = BucketRequest;
export type DeleteBucketRequest = BucketRequest;
export type GetBucketPolicyRequest = BucketRequest;
export type ListBucketsRequest = Record<string, never>;
export interface GetBucketPolicyOutput {
  Policy: string;
}
export interface ListBucketsOutput {
  Buckets: Array<{ Name: string; CreationDate: Date }>;
  Owner: { ID: string };
}
export interface CreateBucketOutput {
  Location: string;
}

export interface ServerSideEncryptionConfiguration {
  /** Exactly one rule. */
  Rules: EncryptionRule[];
}
export interface PutBucketEncryptionRequest extends BucketRequest {
  ServerSideEncryptionConfiguration: ServerSideEncryptionConfiguration;
}
export type PutBucketEncryptionOutput = EmptyOutput;
export type GetBucketEncryptionRequest = BucketRequest;
export interface GetBucketEncryptionOutput {
  ServerSideEncryptionConfiguration: ServerSideEncryptionConfiguration;
}
export interface PutBucketVersioningRequest extends BucketRequest {
  VersioningConfiguration: { Status: BucketVersioningStatus };
}
export type PutBucketVersioningOutput = EmptyOutput;
export type GetBucketVersioningRequest = BucketRequest;
export interface GetBucketVersioningOutput {
  Status?: BucketVersioningStatus;
}
export interface PutBucketPolicyRequest extends BucketRequest {
  /** A bucket policy: JSON text. */
  Policy: string;
}
export type PutBucketPolicyOutput = EmptyOutput;

/** Fields every object request may carry: the SSE-C headers and, from a front end, whether TLS was used (aws:SecureTransport). */
export interface ObjectRequest extends CustomerKeyRequest {
  Bucket: string;
  Key: string;
  SecureTransport?: boolean;
}

/** The encryption settings of a PUT (also those of a multipart upload and of a copy's destination). */
export interface PutObjectSettings extends ObjectRequest {
  ServerSideEncryption?: ServerSideEncryption;
  SSEKMSKeyId?: string;
  /** base64 of the UTF-8 of a JSON object of strings, as S3's header. */
  SSEKMSEncryptionContext?: string;
  BucketKeyEnabled?: boolean;
  ContentType?: string;
  Metadata?: Record<string, string>;
}
export interface PutObjectRequest extends PutObjectSettings {
  Body: ObjectBody;
  /** The body's length in bytes, if known: a body of another length is refused (IncompleteBody / InvalidArgument). */
  ContentLength?: number;
  /** Checksums a front end verified over the body as it streamed in, complete once the body has ended: stored with the version. */
  VerifiedChecksums?: ReadonlyMap<ChecksumMember, string>;
  /** The SHA-256 (hex) the body must have, as a front end's signed x-amz-content-sha256 says: checked against the ETag's own hash before anything is stored (XAmzContentSHA256Mismatch). */
  ContentSHA256?: string;
}
export interface PutObjectOutput {
  ETag: string;
  VersionId?: string;
  ServerSideEncryption?: ServerSideEncryption;
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
  SSECustomerAlgorithm?: 'AES256';
}

export interface GetObjectRequest extends ObjectRequest {
  /** `bytes=start-end`, `bytes=start-` or `bytes=-suffix`. */
  Range?: string;
  VersionId?: string;
  /** 1 to 10000: that part of an object uploaded in parts (1: the whole of one put whole). Not with Range. */
  PartNumber?: number;
  /** ENABLED: the stored checksums come back (not on a ranged GET). */
  ChecksumMode?: 'ENABLED';
}
export interface HeadObjectRequest extends ObjectRequest {
  VersionId?: string;
  PartNumber?: number;
  ChecksumMode?: 'ENABLED';
}
export interface HeadObjectOutput extends Checksums {
  ContentLength: number;
  /** With the checksums (ChecksumMode ENABLED): FULL_OBJECT, or COMPOSITE for an upload's checksum of its parts' checksums. */
  ChecksumType?: ChecksumType;
  /** With PartNumber: `bytes start-end/size` of that part. */
  ContentRange?: string;
  /** With PartNumber, of an object uploaded in parts: how many it has. */
  PartsCount?: number;
  VersionId?: string;
  ETag: string;
  LastModified: Date;
  ContentType?: string;
  Metadata: Record<string, string>;
  ServerSideEncryption?: ServerSideEncryption;
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
  SSECustomerAlgorithm?: 'AES256';
}
export interface GetObjectOutput extends HeadObjectOutput {
  /** The object's bytes as a stream shaped as the AWS SDK's (transformToByteArray, transformToString, transformToWebStream, async iteration). */
  Body: StreamingBody;
}

export interface GetObjectTaggingRequest extends Pick<ObjectRequest, 'Bucket' | 'Key'> {
  VersionId?: string;
}
export interface GetObjectTaggingOutput {
  /** Always empty: this store keeps no tags (PutObjectTagging and x-amz-tagging are not implemented). */
  TagSet: Array<{ Key: string; Value: string }>;
  VersionId?: string;
}

export interface DeleteObjectRequest {
  Bucket: string;
  Key: string;
  VersionId?: string;
}
export interface DeleteObjectOutput {
  DeleteMarker?: boolean;
  VersionId?: string;
}

/** A page of versions (version-listing.ts): at most MaxKeys (0–1000; larger asks get 1000), after KeyMarker (and VersionIdMarker). */
export interface ListObjectVersionsRequest extends BucketRequest {
  Prefix?: string;
  Delimiter?: string;
  MaxKeys?: number;
  KeyMarker?: string;
  VersionIdMarker?: string;
}
export interface ObjectVersion {
  Key: string;
  VersionId: string;
  IsLatest: boolean;
  Size: number;
  ETag: string;
  LastModified: Date;
}
export interface DeleteMarkerEntry {
  Key: string;
  VersionId: string;
  IsLatest: boolean;
  LastModified: Date;
}
export interface ListObjectVersionsOutput {
  Versions: ObjectVersion[];
  DeleteMarkers: DeleteMarkerEntry[];
  /** The keys rolled up by Delimiter, each once. */
  CommonPrefixes: string[];
  IsTruncated: boolean;
  /** Where a truncated page's next one starts: KeyMarker and VersionIdMarker (none after a common prefix). */
  NextKeyMarker?: string;
  NextVersionIdMarker?: string;
}
export interface ListObjectsV2Request extends BucketRequest {
  Prefix?: string;
  /** 0 to 1000 (a larger number lists 1000). */
  MaxKeys?: number;
  StartAfter?: string;
  ContinuationToken?: string;
}
/** One listed object: the latest version of its key. */
export interface S3Object {
  Key: string;
  Size: number;
  ETag: string;
  LastModified: Date;
}
export interface ListObjectsV2Output {
  Contents: S3Object[];
  KeyCount: number;
  IsTruncated: boolean;
  Name: string;
  Prefix: string;
  MaxKeys: number;
  StartAfter?: string;
  ContinuationToken?: string;
  NextContinuationToken?: string;
}

/** Where a copy reads from: the source object, as the caller, with its SSE-C key if it has one. */
export interface CopySourceFields {
  /** `bucket/key`, the key URL-encoded. */
  CopySource: string;
  CopySourceVersionId?: string;
  CopySourceSSECustomerAlgorithm?: string;
  CopySourceSSECustomerKey?: string;
  CopySourceSSECustomerKeyMD5?: string;
  /** Copy only if the source's ETag is one of these (comma-separated, or `*`); decides instead of CopySourceIfUnmodifiedSince. */
  CopySourceIfMatch?: string;
  /** Copy only if the source's ETag is none of these; decides instead of CopySourceIfModifiedSince. */
  CopySourceIfNoneMatch?: string;
  CopySourceIfModifiedSince?: Date;
  CopySourceIfUnmodifiedSince?: Date;
}
export interface CopyObjectRequest extends PutObjectSettings, CopySourceFields {
  MetadataDirective?: MetadataDirective;
  /** The copy's checksum, computed over its bytes; absent: the source's algorithm, if it has a checksum (and the store a checksummer). */
  ChecksumAlgorithm?: ChecksumAlgorithm;
}
export interface CopyObjectResult extends Checksums {
  ETag: string;
  LastModified: Date;
  /** With a checksum: FULL_OBJECT (a copy is one piece). */
  ChecksumType?: ChecksumType;
}
export interface CopyObjectOutput extends Omit<PutObjectOutput, 'ETag'> {
  CopyObjectResult: CopyObjectResult;
}

export interface CreateMultipartUploadRequest extends PutObjectSettings {
  /** Each part's checksum is computed (and, if sent, checked) with it; the object gets a checksum of this type. */
  ChecksumAlgorithm?: ChecksumAlgorithm;
  /** Default COMPOSITE, except FULL_OBJECT for CRC64NVME; SHA1/SHA256 are COMPOSITE only, CRC64NVME FULL_OBJECT only. */
  ChecksumType?: ChecksumType;
}
export interface CreateMultipartUploadOutput {
  Bucket: string;
  Key: string;
  UploadId: string;
  /** The encryption the completed object gets (the request's, else the bucket's default: SSE-S3 unless configured). */
  ServerSideEncryption?: ServerSideEncryption;
  /** The KMS key's ARN, for SSE-KMS and DSSE-KMS. */
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
  SSECustomerAlgorithm?: 'AES256';
  ChecksumAlgorithm?: ChecksumAlgorithm;
  ChecksumType?: ChecksumType;
}
export interface UploadPartRequest extends ObjectRequest {
  UploadId: string;
  /** 1 to 10000. */
  PartNumber: number;
  Body: ObjectBody;
  ContentLength?: number;
  /** As PutObjectRequest's. */
  ContentSHA256?: string;
}
export interface UploadPartOutput extends Checksums {
  ETag: string;
  /** The upload's encryption (as CreateMultipartUpload answered it). */
  ServerSideEncryption?: ServerSideEncryption;
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
  SSECustomerAlgorithm?: 'AES256';
}
/** A part copied from (a range of) an existing object (S3 UploadPartCopy). SSECustomer*: the upload's key, for an SSE-C upload. */
export interface UploadPartCopyRequest extends ObjectRequest, CopySourceFields {
  UploadId: string;
  /** 1 to 10000. */
  PartNumber: number;
  /** `bytes=first-last`, zero-based and inclusive, within the source; absent: all of it. */
  CopySourceRange?: string;
}
export interface UploadPartCopyOutput extends Omit<UploadPartOutput, 'ETag' | ChecksumMember> {
  /** The part's ETag and, in an upload with a ChecksumAlgorithm, its checksum. */
  CopyPartResult: Omit<CopyObjectResult, 'ChecksumType'>;
  /** The source's version, if it has one. */
  CopySourceVersionId?: string;
}
export interface CompletedPart extends Checksums {
  PartNumber: number;
  ETag: string;
}
export interface CompleteMultipartUploadRequest extends ObjectRequest {
  UploadId: string;
  MultipartUpload: { Parts: CompletedPart[] };
}
export interface CompleteMultipartUploadOutput extends Checksums {
  ChecksumType?: ChecksumType;
  Bucket: string;
  Key: string;
  ETag: string;
  VersionId?: string;
  ServerSideEncryption?: ServerSideEncryption;
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
}
export interface AbortMultipartUploadRequest {
  Bucket: string;
  Key: string;
  UploadId: string;
}
export type AbortMultipartUploadOutput = EmptyOutput;

export interface ListPartsRequest {
  Bucket: string;
  Key: string;
  UploadId: string;
  /** 0 to 1000 (a larger number lists 1000). */
  MaxParts?: number;
  /** List the parts after this part number. */
  PartNumberMarker?: number;
}
export interface ListPartsOutput {
  Bucket: string;
  Key: string;
  UploadId: string;
  Parts: Array<{ PartNumber: number; ETag: string; Size: number; LastModified: Date }>;
  PartNumberMarker: number;
  NextPartNumberMarker?: number;
  MaxParts: number;
  IsTruncated: boolean;
  Initiator: { ID: string };
}
export type DeleteBucketPolicyRequest = BucketRequest;
export type DeleteBucketEncryptionRequest = BucketRequest;

/** S3EncryptionClient.putObject: a PUT whose body is encrypted on the client; EncryptionContext (CSE-KMS) goes to KMS and x-amz-matdesc. */
export interface EncryptedPutObjectRequest extends Omit<PutObjectRequest, 'ContentSHA256'> {
  EncryptionContext?: Record<string, string>;
}
/** S3EncryptionClient.getObject: with EncryptionContext (CSE-KMS), the stored context must be exactly that. */
export interface EncryptedGetObjectRequest extends Omit<GetObjectRequest, 'PartNumber'> {
  EncryptionContext?: Record<string, string>;
}
/** S3EncryptionClient.openObject: an object (a version) whose plaintext is read by range. */
export interface EncryptedOpenObjectRequest {
  Bucket: string;
  Key: string;
  VersionId?: string;
  EncryptionContext?: Record<string, string>;
}
