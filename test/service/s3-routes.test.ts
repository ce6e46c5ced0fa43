// Which S3 operation, bucket and key a request names (S3 API Reference, each operation's Request
// Syntax): path style and virtual-hosted style, sub-resources, the copy-source header, and the methods
// S3 does not allow.

import { describe, expect, it } from 'vitest';
import { s3RouteOf, virtualHostedBucket } from '../../src/service/s3-routes.js';
import type { WireRequest } from '../../src/service/wire.js';

const HOSTS = ['localhost', '127.0.0.1', 's3.us-east-1.amazonaws.com'];

function route(method: string, target: string, headers: Record<string, string> = {}, host = '127.0.0.1:4566') {
  const url = new URL(target, 'http://x');
  const request: WireRequest = { method, path: url.pathname, query: url.searchParams, headers: { host, ...headers }, body: new Uint8Array(0),
    stream: (async function* () {})(), sourceIp: '127.0.0.1', secureTransport: false };
  return s3RouteOf(request, HOSTS);
}

describe('S3 routing', () => {
  it('path style: bucket and key (percent-decoded, slashes kept), bucket operations by sub-resource, with or without the trailing slash', () => {
    expect(route('GET', '/')).toEqual({ operation: 'ListBuckets' });
    expect(route('PUT', '/bucket')).toEqual({ operation: 'CreateBucket', bucket: 'bucket' });
    expect(route('PUT', '/bucket/?encryption')).toEqual({ operation: 'PutBucketEncryption', bucket: 'bucket' });
    expect(route('GET', '/bucket/a%20b/c%2Bd')).toEqual({ operation: 'GetObject', bucket: 'bucket', key: 'a b/c+d' });
  });

  it.each([
    ['PUT', '/bucket?encryption=', {}, 'PutBucketEncryption'], ['GET', '/bucket?versioning', {}, 'GetBucketVersioning'],
    ['GET', '/bucket?policy', {}, 'GetBucketPolicy'], ['PUT', '/bucket?policy', {}, 'PutBucketPolicy'],
    ['GET', '/bucket?versions', {}, 'ListObjectVersions'], ['GET', '/bucket?list-type=2&prefix=a', {}, 'ListObjectsV2'],
    ['POST', '/bucket?delete', {}, 'DeleteObjects'], ['HEAD', '/bucket', {}, 'HeadBucket'], ['DELETE', '/bucket', {}, 'DeleteBucket'],
    ['PUT', '/b/k', {}, 'PutObject'], ['PUT', '/b/k', { 'x-amz-copy-source': 'b/j' }, 'CopyObject'], ['HEAD', '/b/k', {}, 'HeadObject'],
    ['DELETE', '/b/k', {}, 'DeleteObject'], ['POST', '/b/k?uploads', {}, 'CreateMultipartUpload'],
    ['PUT', '/b/k?uploadId=u&partNumber=1', {}, 'UploadPart'], ['POST', '/b/k?uploadId=u', {}, 'CompleteMultipartUpload'],
    ['DELETE', '/b/k?uploadId=u', {}, 'AbortMultipartUpload'], ['GET', '/b/k?uploadId=u', {}, 'ListParts'],
    ['PUT', '/b/k?uploadId=u&partNumber=1', { 'x-amz-copy-source': 'b/j' }, 'UploadPartCopy'], ['GET', '/b/k?partNumber=2&versionId=v', {}, 'GetObject'],
    ['HEAD', '/b/k?partNumber=1', {}, 'HeadObject'], ['GET', '/b/k?response-content-type=text/plain&x-id=GetObject', {}, 'GetObject'],
    ['GET', '/b/k?tagging', {}, 'GetObjectTagging'], ['GET', '/b/k?tagging&versionId=v', {}, 'GetObjectTagging'],
  ] as const)('%s %s %o is %s', (method, target, headers, operation) => {
    expect(route(method, target, headers).operation).toBe(operation);
  });

  it('a bucket sub-resource this server does not serve is NotImplemented (501), never the bucket\'s default operation', () => {
    for (const [method, target] of [['DELETE', '/b?lifecycle'], ['DELETE', '/b?cors'], ['DELETE', '/b/?tagging'], ['GET', '/b?acl'],
      ['PUT', '/b?website'], ['HEAD', '/b?uploads'], ['GET', '/b?prefix=a&lifecycle']] as const) {
      expect(() => route(method, target), `${method} ${target}`).toThrow(expect.objectContaining({ code: 'NotImplemented', status: 501 }));
    }
    // What chooses no operation leaves the default: presigning, the SDK's x-id, a listing's own parameters.
    expect(route('DELETE', '/b?x-id=DeleteBucket&X-Amz-Expires=60').operation).toBe('DeleteBucket');
    expect(route('GET', '/b?prefix=a&delimiter=/&marker=m&max-keys=2&encoding-type=url').operation).toBe('ListObjects');
  });

  it('an object sub-resource this server does not serve is NotImplemented (501), never GetObject, PutObject or DeleteObject', () => {
    // Tags are not kept: writing or deleting them must not become PutObject or DeleteObject.
    for (const [method, target] of [['PUT', '/b/k?tagging'], ['DELETE', '/b/k?tagging'], ['GET', '/b/k?acl'],
      ['PUT', '/b/k?retention'], ['GET', '/b/k?legal-hold'], ['GET', '/b/k?attributes'], ['POST', '/b/k?restore'], ['HEAD', '/b/k?torrent']] as const) {
      expect(() => route(method, target), `${method} ${target}`).toThrow(expect.objectContaining({ code: 'NotImplemented', status: 501 }));
    }
    // Nor is a write that asks for tags by header (x-amz-tagging) silently stored untagged; an empty one asks for none.
    for (const [method, target, headers] of [['PUT', '/b/k', {}], ['PUT', '/b/k', { 'x-amz-copy-source': 'b/j' }], ['POST', '/b/k?uploads', {}]] as const) {
      expect(() => route(method, target, { ...headers, 'x-amz-tagging': 'a=b' }), `${method} ${target}`)
        .toThrow(expect.objectContaining({ code: 'NotImplemented', status: 501 }));
      expect(route(method, target, { ...headers, 'x-amz-tagging': '' }).operation).toMatch(/^(PutObject|CopyObject|CreateMultipartUpload)$/);
    }
  });

  it('virtual-hosted style: <bucket>.<endpoint host> names the bucket; the path is the key', () => {
    expect(route('GET', '/a/b.txt', {}, 'photos.localhost:4566')).toEqual({ operation: 'GetObject', bucket: 'photos', key: 'a/b.txt' });
    expect(route('PUT', '/?versioning', {}, 'my.dotted.bucket.s3.us-east-1.amazonaws.com')).toEqual({ operation: 'PutBucketVersioning', bucket: 'my.dotted.bucket' });
    expect(virtualHostedBucket('localhost:4566', HOSTS)).toBeUndefined();
    expect(virtualHostedBucket('127.0.0.1', HOSTS)).toBeUndefined();
    expect(virtualHostedBucket('example.com', HOSTS)).toBeUndefined();
  });

  it('methods S3 does not allow are MethodNotAllowed (405); an unparsable path InvalidURI (400)', () => {
    for (const [method, target] of [['POST', '/'], ['PATCH', '/b'], ['PATCH', '/b/k'], ['POST', '/b/k']] as const) {
      expect(() => route(method, target), `${method} ${target}`).toThrow(expect.objectContaining({ code: 'MethodNotAllowed', status: 405 }));
    }
    expect(() => route('GET', '/b/%E0%A4%A')).toThrow(expect.objectContaining({ code: 'InvalidURI', status: 400 }));
  });
});
