// One page of a bucket listing as ListObjects (v1) and ListObjectsV2 give it (Amazon S3 API Reference,
// ListObjectsV2: "CommonPrefixes … all (if there are any) keys between Prefix and the next occurrence of
// the string specified by a delimiter"; each common prefix counts as one key against MaxKeys). The
// ObjectStore lists keys flat; the grouping by delimiter is done here, reading the store's pages until
// this page is full, so a listing with a delimiter is paged like one without.

import type { Caller } from '../kms/key-management-service.js';
import type { ObjectStore } from '../s3/object-store.js';

export interface ListingRequest {
  bucket: string;
  prefix?: string;
  delimiter?: string;
  maxKeys: number;
  /** Where the page starts: after this key, or after every key under this common prefix. */
  after?: string;
}

export interface ListingPage {
  contents: Array<{ Key: string; Size: number; ETag: string; LastModified: Date }>;
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix on the page: where the next page starts after. */
  last?: string;
}

/** The store asks for at most this many keys a call. */
const STORE_PAGE = 1000;

export async function listingPage(store: ObjectStore, caller: Caller, request: ListingRequest): Promise<ListingPage> {
  const { delimiter } = request;
  const prefix = request.prefix ?? '';
  const max = Math.min(request.maxKeys, 1000);
  const commonPrefixOf = (key: string) => {
    if (delimiter === undefined) return undefined;
    const cut = key.indexOf(delimiter, prefix.length);
    return cut < 0 ? undefined : key.slice(0, cut + delimiter.length);
  };
  const page: ListingPage = { contents: [], commonPrefixes: [], truncated: false };
  // After a common prefix (a previous page's last entry), the keys under it were listed already, as that prefix.
  let skip = request.after !== undefined && commonPrefixOf(request.after) === request.after ? request.after : undefined;
  let from: { StartAfter?: string; ContinuationToken?: string } = { StartAfter: request.after };
  for (;;) {
    const stored = await store.listObjectsV2({ Bucket: request.bucket, Prefix: request.prefix, MaxKeys: STORE_PAGE, ...from }, caller);
    for (const object of stored.Contents) {
      if (skip !== undefined && object.Key.startsWith(skip)) continue;
      if (page.contents.length + page.commonPrefixes.length === max) {
        page.truncated = max > 0;
        return page;
      }
      const common = commonPrefixOf(object.Key);
      if (common === undefined) {
        page.contents.push(object);
        page.last = object.Key;
      } else {
        page.commonPrefixes.push(common);
        page.last = common;
        skip = common;
      }
    }
    if (!stored.IsTruncated) return page;
    from = { ContinuationToken: stored.NextContinuationToken };
  }
}
