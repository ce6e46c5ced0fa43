// Which S3 operation a REST request calls, and on which bucket and key (Amazon S3 API Reference, each
// operation's "Request Syntax"; User Guide, "Virtual hosting of buckets"): the bucket is the Host's first
// label when the Host is `<bucket>.<endpoint>` (virtual-hosted style), else the path's first segment
// (path style); the key is the rest of the path, percent-decoded; sub-resources (?encryption,
// ?uploads, …) and a few headers (x-amz-copy-source) choose the operation.

import { ServiceError } from './service-error.js';
import { headerValue, type WireRequest } from './wire.js';

export interface S3Route {
  operation: string;
  bucket?: string;
  key?: string;
}

/** Sub-resources that name a bucket operation, by method. */
const BUCKET_OPERATIONS: Record<string, Array<[string, string]>> = {
  GET: [['encryption', 'GetBucketEncryption'], ['versioning', 'GetBucketVersioning'], ['policy', 'GetBucketPolicy'],
    ['versions', 'ListObjectVersions'], ['location', 'GetBucketLocation'], ['list-type', 'ListObjectsV2']],
  PUT: [['encryption', 'PutBucketEncryption'], ['versioning', 'PutBucketVersioning'], ['policy', 'PutBucketPolicy']],
  POST: [['delete', 'DeleteObjects']],
  DELETE: [['encryption', 'DeleteBucketEncryption'], ['policy', 'DeleteBucketPolicy']],
  HEAD: [],
};
const BUCKET_DEFAULTS: Record<string, string> = { GET: 'ListObjects', PUT: 'CreateBucket', DELETE: 'DeleteBucket', HEAD: 'HeadBucket' };
/** Query parameters that choose no operation: SigV4 presigning (X-Amz-*) and the AWS SDK's x-id. */
const NEUTRAL_PARAMETER = /^(x-amz-|x-id$)/i;
/** ListObjects' (v1 and v2) and ListObjectVersions' own parameters. */
const LISTING_PARAMETERS = new Set(['prefix', 'delimiter', 'marker', 'max-keys', 'encoding-type', 'continuation-token', 'start-after',
  'fetch-owner', 'key-marker', 'version-id-marker']);

/**
 * A bucket request with a sub-resource this server does not serve (?lifecycle, ?acl, ?tagging, …) is
 * NotImplemented: it must never fall through to the bucket's default operation, or DELETE /b?cors would
 * delete the bucket and GET /b?acl list it.
 */
function unservedSubresource(request: WireRequest): string | undefined {
  return [...request.query.keys()].find((name) => !NEUTRAL_PARAMETER.test(name) && !(request.method === 'GET' && LISTING_PARAMETERS.has(name)));
}

/**
 * The object operations' own parameters (and GetObject's response-* overrides, and GET's ?tagging:
 * GetObjectTagging); any other (PUT ?tagging, ?acl, ?retention, …) is NotImplemented.
 */
const OBJECT_PARAMETERS = new Set(['versionId', 'partNumber', 'uploadId', 'uploads', 'max-parts', 'part-number-marker', 'encoding-type']);
const unservedObjectSubresource = (request: WireRequest) =>
  [...request.query.keys()].find((name) => !NEUTRAL_PARAMETER.test(name) && !OBJECT_PARAMETERS.has(name) && !name.startsWith('response-')
    && !(request.method === 'GET' && name === 'tagging'));

/**
 * Object tags are not kept (GetObjectTagging answers an empty TagSet): a write that asks for some
 * (x-amz-tagging on PutObject, CopyObject, CreateMultipartUpload) is refused rather than silently untagged.
 */
const TAGGING_HEADER = 'x-amz-tagging';

function objectOperation(request: WireRequest): string | undefined {
  const q = request.query;
  switch (request.method) {
    case 'PUT':
      if (q.has('uploadId') && q.has('partNumber')) return headerValue(request.headers, 'x-amz-copy-source') === undefined ? 'UploadPart' : 'UploadPartCopy';
      return headerValue(request.headers, 'x-amz-copy-source') === undefined ? 'PutObject' : 'CopyObject';
    case 'GET': return q.has('uploadId') ? 'ListParts' : q.has('tagging') ? 'GetObjectTagging' : 'GetObject';
    case 'HEAD': return 'HeadObject';
    case 'DELETE': return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST': return q.has('uploads') ? 'CreateMultipartUpload' : q.has('uploadId') ? 'CompleteMultipartUpload' : undefined;
    default: return undefined;
  }
}

/** The bucket named by a virtual-hosted Host, if the Host is `<bucket>.<one of endpointHosts>`. */
export function virtualHostedBucket(host: string | undefined, endpointHosts: readonly string[]): string | undefined {
  const name = host?.replace(/:\d+$/, '').toLowerCase();
  if (!name) return undefined;
  for (const endpoint of endpointHosts) {
    if (name.endsWith(`.${endpoint}`) && name.length > endpoint.length + 1) return name.slice(0, -endpoint.length - 1);
  }
  return undefined;
}

export function s3RouteOf(request: WireRequest, endpointHosts: readonly string[]): S3Route {
  let segments: string;
  try {
    segments = decodeURIComponent(request.path);
  } catch {
    throw new ServiceError('InvalidURI', 400, 'Couldn\'t parse the specified URI.');
  }
  const hosted = virtualHostedBucket(headerValue(request.headers, 'host'), endpointHosts);
  const path = segments.replace(/^\//, '');
  const [bucket, key] = hosted !== undefined ? [hosted, path]
    : [path.split('/', 1)[0]!, path.includes('/') ? path.slice(path.indexOf('/') + 1) : ''];
  if (bucket === '') {
    if (request.method === 'GET') return { operation: 'ListBuckets' };
    throw new ServiceError('MethodNotAllowed', 405, `The specified method is not allowed against this resource: ${request.method} /`);
  }
  if (key === '') {
    const sub = BUCKET_OPERATIONS[request.method]?.find(([name]) => request.query.has(name));
    const unserved = sub ? undefined : unservedSubresource(request);
    if (unserved !== undefined) throw new ServiceError('NotImplemented', 501, `A header or query you provided implies functionality that is not implemented: ?${unserved} on a bucket`);
    const operation = sub?.[1] ?? BUCKET_DEFAULTS[request.method];
    if (operation === undefined) throw new ServiceError('MethodNotAllowed', 405, `The specified method is not allowed against this resource: ${request.method} on a bucket`);
    return { operation, bucket };
  }
  const unserved = unservedObjectSubresource(request);
  if (unserved !== undefined) throw new ServiceError('NotImplemented', 501, `A header or query you provided implies functionality that is not implemented: ?${unserved} on an object`);
  const operation = objectOperation(request);
  if (operation === undefined) throw new ServiceError('MethodNotAllowed', 405, `The specified method is not allowed against this resource: ${request.method} on an object`);
  if (headerValue(request.headers, TAGGING_HEADER)) {
    throw new ServiceError('NotImplemented', 501, `A header you provided implies functionality that is not implemented: ${TAGGING_HEADER} (object tags are not kept)`);
  }
  return { operation, bucket, key };
}
