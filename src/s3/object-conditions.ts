// Conditional requests on an object's ETag and Last-Modified: GetObject and HeadObject's If-Match,
// If-None-Match, If-Modified-Since and If-Unmodified-Since, and CopyObject and UploadPartCopy's
// x-amz-copy-source-if-* (Amazon S3 API Reference, GetObject; CopyObject,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html). The precedence is S3's (RFC 7232,
// section 6): If-Match, when given, decides instead of If-Unmodified-Since ("x-amz-copy-source-if-match
// condition evaluates to true, and; x-amz-copy-source-if-unmodified-since condition evaluates to false"
// → 200 OK and the copy), and If-None-Match instead of If-Modified-Since.

/** The conditions a request sets, by the AWS SDK's member names (CopyObject's without the CopySource prefix). */
export interface ObjectConditions {
  IfMatch?: string;
  IfNoneMatch?: string;
  IfModifiedSince?: Date;
  IfUnmodifiedSince?: Date;
}

/**
 * Which condition does not hold, if one does not: 'PreconditionFailed' (If-Match or If-Unmodified-Since:
 * 412), or 'NotModified' (If-None-Match or If-Modified-Since: 304 for a GET or HEAD, 412 for a copy).
 * ETag lists are comma-separated, quoted or not, and `*` matches any; dates compare in whole seconds,
 * as HTTP dates have no finer resolution.
 */
export function unmetCondition(object: { ETag: string; LastModified: Date }, conditions: ObjectConditions): 'PreconditionFailed' | 'NotModified' | undefined {
  const matches = (list: string) => list.split(',').map((tag) => tag.trim()).some((tag) => tag === '*' || tag === object.ETag || `"${tag}"` === object.ETag);
  const modifiedAfter = (date: Date) => Math.floor(object.LastModified.getTime() / 1000) > Math.floor(date.getTime() / 1000);
  const { IfMatch, IfNoneMatch, IfModifiedSince, IfUnmodifiedSince } = conditions;
  if (IfMatch !== undefined ? !matches(IfMatch) : IfUnmodifiedSince !== undefined && modifiedAfter(IfUnmodifiedSince)) return 'PreconditionFailed';
  if (IfNoneMatch !== undefined ? matches(IfNoneMatch) : IfModifiedSince !== undefined && !modifiedAfter(IfModifiedSince)) return 'NotModified';
  return undefined;
}
