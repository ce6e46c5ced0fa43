// One page of ListObjectVersions (Amazon S3 API Reference, ListObjectVersions): the versions and
// delete markers of the keys under Prefix, in key order (UTF-8 bytes) and newest first within a key,
// at most MaxKeys (0–1000) a page, where a common prefix (the keys rolled up by Delimiter) counts as
// one. A truncated page says where the next one starts (NextKeyMarker, NextVersionIdMarker), which
// KeyMarker and VersionIdMarker take back: after that version of that key, or, with KeyMarker alone,
// after every version of that key (or of every key under that common prefix).

import type { StoredObject } from './object-records.js';
import { s3Error } from './s3-errors.js';
import type { SortedObjectMap } from './sorted-object-map.js';

export interface VersionPageRequest {
  Prefix?: string;
  Delimiter?: string;
  MaxKeys?: number;
  KeyMarker?: string;
  VersionIdMarker?: string;
}

export interface VersionPage {
  entries: Array<{ key: string; version: StoredObject; latest: boolean }>;
  commonPrefixes: string[];
  truncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

export function versionPage(objects: SortedObjectMap<StoredObject[]>, request: VersionPageRequest): VersionPage {
  const { Delimiter: delimiter, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker } = request;
  if (versionIdMarker !== undefined && keyMarker === undefined) throw s3Error('InvalidArgument', 'VersionIdMarker: a version-id marker cannot be specified without a key marker');
  const prefix = request.Prefix ?? '';
  const max = Math.min(request.MaxKeys ?? 1000, 1000);
  const page: VersionPage = { entries: [], commonPrefixes: [], truncated: false };
  const full = () => page.entries.length + page.commonPrefixes.length >= max;
  const commonPrefixOf = (key: string) => {
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    return cut < 0 ? undefined : key.slice(0, cut + delimiter!.length);
  };
  // With a VersionIdMarker, the marker key's older versions come first, then the keys after it.
  const resumed = versionIdMarker !== undefined && keyMarker!.startsWith(prefix) && objects.get(keyMarker!) !== undefined;
  const keys = resumed ? [keyMarker!, ...objects.keysInOrder(prefix, keyMarker)] : objects.keysInOrder(prefix, keyMarker);
  for (const key of keys) {
    const common = commonPrefixOf(key);
    if (common !== undefined) {
      if (common === keyMarker || common === page.commonPrefixes.at(-1)) continue;
      if (full()) return { ...page, truncated: max > 0 };
      page.commonPrefixes.push(common);
      [page.nextKeyMarker, page.nextVersionIdMarker] = [common, undefined];
      continue;
    }
    const versions = objects.get(key)!;
    let newestFirst = versions.map((version, i) => ({ key, version, latest: i === versions.length - 1 })).reverse();
    if (resumed && key === keyMarker) newestFirst = newestFirst.slice(newestFirst.findIndex((e) => e.version.versionId === versionIdMarker) + 1);
    for (const entry of newestFirst) {
      if (full()) return { ...page, truncated: max > 0 };
      page.entries.push(entry);
      [page.nextKeyMarker, page.nextVersionIdMarker] = [key, entry.version.versionId];
    }
  }
  return { entries: page.entries, commonPrefixes: page.commonPrefixes, truncated: false };
}
