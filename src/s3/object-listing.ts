// Listing a bucket: its keys (ListObjectsV2, paged by continuation tokens) and its versions and
// delete markers (ListObjectVersions), in UTF-8 byte order as S3 lists them.

import { base64ToBytes, bytesToBase64 } from '../core/base64.js';
import type { Caller } from '../policy/caller.js';
import type { ObjectAccess } from './object-access.js';
import { versionPage } from './version-listing.js';
import { malformedS3Request } from './request-shapes.js';
import type { ListObjectsV2Output, ListObjectsV2Request, ListObjectVersionsOutput, ListObjectVersionsRequest } from './s3-api-types.js';
import { s3Error } from './s3-errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();

/** A continuation token: the last key listed, opaque to callers (base64 of its UTF-8). */
const tokenOfKey = (key: string) => bytesToBase64(utf8.encode(key));

function keyOfToken(token: string): string {
  try {
    return strictUtf8.decode(base64ToBytes(token));
  } catch {
    throw s3Error('InvalidArgument', 'ContinuationToken: not a token this store returned');
  }
}

export class ObjectListing {
  constructor(private readonly access: ObjectAccess) {}

  /**
   * Keys in UTF-8 byte order (as S3 lists them), at most MaxKeys (0–1000; larger asks get 1000) a page,
   * after StartAfter or, for the next page, the NextContinuationToken a truncated page returned.
   */
  async listObjectsV2(request: ListObjectsV2Request, caller?: Caller): Promise<ListObjectsV2Output> {
    const malformed = malformedS3Request('ListObjectsV2', request); if (malformed) return malformed;
    await this.access.load();
    const bucket = this.access.authorizedBucket(request.Bucket, 's3:ListBucket', caller,
      { 's3:prefix': request.Prefix, 's3:max-keys': typeof request.MaxKeys === 'number' ? String(request.MaxKeys) : undefined });
    const max = request.MaxKeys ?? 1000;
    if (!Number.isInteger(max) || max < 0) throw s3Error('InvalidArgument', `MaxKeys: expected a whole number from 0, got ${String(request.MaxKeys)}`);
    const after = request.ContinuationToken === undefined ? request.StartAfter : keyOfToken(request.ContinuationToken);
    // S3 lists keys by their UTF-8 bytes; the bucket keeps them in that order (sorted-object-map.ts).
    const page: string[] = [];
    let truncated = false;
    for (const k of bucket.objects.keysInOrder(request.Prefix, after)) {
      if (bucket.objects.get(k)!.at(-1)!.deleteMarker) continue;
      // MaxKeys 0 asks for no keys: an empty page that is not truncated, as S3 answers (nothing to continue from).
      if (page.length === Math.min(max, 1000)) {
        truncated = page.length > 0;
        break;
      }
      page.push(k);
    }
    const contents = page.map((k) => {
      const o = bucket.objects.get(k)!.at(-1)!;
      return { Key: k, Size: o.size, ETag: o.etag, LastModified: o.lastModified };
    });
    return {
      Contents: contents, KeyCount: contents.length, IsTruncated: truncated, Name: bucket.name, Prefix: request.Prefix ?? '', MaxKeys: max,
      StartAfter: request.StartAfter, ContinuationToken: request.ContinuationToken,
      NextContinuationToken: truncated ? tokenOfKey(page.at(-1)!) : undefined,
    };
  }

  async listObjectVersions(request: ListObjectVersionsRequest, caller?: Caller): Promise<ListObjectVersionsOutput> {
    const malformed = malformedS3Request('ListObjectVersions', request); if (malformed) return malformed;
    await this.access.load();
    const bucket = this.access.authorizedBucket(request.Bucket, 's3:ListBucketVersions', caller, { 's3:prefix': request.Prefix });
    const page = versionPage(bucket.objects, request);
    const entries = page.entries.map(({ key, version: v, latest }) => ({ Key: key, VersionId: v.versionId, IsLatest: latest, LastModified: v.lastModified, v }));
    return {
      Versions: entries.filter((e) => !e.v.deleteMarker).map(({ v, ...entry }) => ({ ...entry, Size: v.size, ETag: v.etag })),
      DeleteMarkers: entries.filter((e) => e.v.deleteMarker).map(({ v: _, ...entry }) => entry),
      CommonPrefixes: page.commonPrefixes, IsTruncated: page.truncated, NextKeyMarker: page.nextKeyMarker, NextVersionIdMarker: page.nextVersionIdMarker,
    };
  }
}
