// ListObjectVersions paged as S3 pages it (S3 API Reference, ListObjectVersions: max-keys, key-marker,
// version-id-marker, delimiter → CommonPrefixes, IsTruncated with NextKeyMarker/NextVersionIdMarker),
// with the unmodified @aws-sdk/client-s3, and the AWS CLI's paginator.

import * as S3 from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, awsCliAt } from './cli-process.js';
import { failure, ROOT, startTestService, type TestService } from './service-fixture.js';

describe('ListObjectVersions paging over the service', () => {
  let t: TestService;
  let s3: S3.S3Client;
  /** Every entry of a page, in order: versions and delete markers by key, newest first (as "key@versionId"). */
  const entries = (page: S3.ListObjectVersionsCommandOutput) => [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
    .map((e) => ({ at: `${e.Key}@${e.VersionId}`, key: e.Key!, time: e.LastModified!.getTime() }));
  let all: string[];
  beforeAll(async () => {
    t = await startTestService();
    s3 = t.s3();
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'versions' }));
    await s3.send(new S3.PutBucketVersioningCommand({ Bucket: 'versions', VersioningConfiguration: { Status: 'Enabled' } }));
    for (const Key of ['a', 'a', 'a', 'b/1', 'b/2', 'c', 'c']) await s3.send(new S3.PutObjectCommand({ Bucket: 'versions', Key, Body: Key }));
    await s3.send(new S3.DeleteObjectCommand({ Bucket: 'versions', Key: 'c' }));
    const whole = await s3.send(new S3.ListObjectVersionsCommand({ Bucket: 'versions' }));
    expect(whole.IsTruncated).toBe(false);
    all = [...(whole.Versions ?? []), ...(whole.DeleteMarkers ?? [])].map((e) => `${e.Key}@${e.VersionId}`);
    expect(all).toHaveLength(8);
  });

  it('MaxKeys pages continued by NextKeyMarker/NextVersionIdMarker, also inside one key\'s versions, together give every version once', async () => {
    const seen: string[] = [];
    let markers: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (let pages = 0; pages < 10; pages++) {
      const page = await s3.send(new S3.ListObjectVersionsCommand({ Bucket: 'versions', MaxKeys: 2, ...markers }));
      expect(entries(page).length).toBeLessThanOrEqual(2);
      seen.push(...entries(page).map((e) => e.at));
      if (!page.IsTruncated) break;
      markers = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
    }
    expect(seen.sort()).toEqual([...all].sort());
  });

  it('a delimiter rolls keys up into CommonPrefixes, each counted once against MaxKeys; KeyMarker alone starts after every version of that key', async () => {
    const grouped = await s3.send(new S3.ListObjectVersionsCommand({ Bucket: 'versions', Delimiter: '/' }));
    expect(grouped.CommonPrefixes).toEqual([{ Prefix: 'b/' }]);
    expect(entries(grouped).map((e) => e.key).sort()).toEqual(['a', 'a', 'a', 'c', 'c', 'c']);
    const first = await s3.send(new S3.ListObjectVersionsCommand({ Bucket: 'versions', Delimiter: '/', MaxKeys: 4 }));
    expect([entries(first).length, first.CommonPrefixes, first.IsTruncated, first.NextKeyMarker]).toEqual([3, [{ Prefix: 'b/' }], true, 'b/']);
    const rest = await s3.send(new S3.ListObjectVersionsCommand({ Bucket: 'versions', Delimiter: '/', KeyMarker: first.NextKeyMarker }));
    expect([entries(rest).map((e) => e.key), rest.CommonPrefixes, rest.IsTruncated]).toEqual([['c', 'c', 'c'], undefined, false]);
    const afterA = await s3.send(new S3.ListObjectVersionsCommand({ Bucket: 'versions', KeyMarker: 'a' }));
    expect(entries(afterA).every((e) => e.key !== 'a')).toBe(true);
  });

  it('errors: a version-id-marker without a key-marker is InvalidArgument (400); max-keys not a number InvalidArgument', async () => {
    expect(await failure(s3.send(new S3.ListObjectVersionsCommand({ Bucket: 'versions', VersionIdMarker: 'x' })))).toMatchObject({ name: 'InvalidArgument', status: 400 });
    expect(await failure(s3.send(new S3.ListObjectVersionsCommand({ Bucket: 'versions', MaxKeys: -1 })))).toMatchObject({ name: 'InvalidArgument', status: 400 });
  });

  it.skipIf(AWS_CLI === undefined)('the AWS CLI: s3api list-object-versions pages by --page-size and lists them all', async () => {
    const listed = JSON.parse(await awsCliAt(t.service.url, ROOT, t.dir)('s3api', 'list-object-versions', '--bucket', 'versions', '--page-size', '3',
      '--output', 'json'));
    expect([...listed.Versions, ...listed.DeleteMarkers].map((e: { Key: string; VersionId: string }) => `${e.Key}@${e.VersionId}`).sort()).toEqual([...all].sort());
    expect(t.log.filter((line) => line.includes('s3:ListObjectVersions')).length).toBeGreaterThanOrEqual(3);
  });
});
