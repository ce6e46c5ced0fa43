// The S3 operations added after the first service release, with the unmodified @aws-sdk/client-s3:
// DeleteBucketPolicy, DeleteBucketEncryption, ListParts, ListObjects (v1), and listings with a
// delimiter paged by MaxKeys (each common prefix counts as one key; S3 API Reference, ListObjectsV2).

import * as S3 from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { failure, startTestService } from './service-fixture.js';

describe('S3 deletes of bucket configuration, ListParts, ListObjects and paged delimiter listings', () => {
  let s3: S3.S3Client;
  beforeAll(async () => {
    s3 = (await startTestService()).s3();
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'listing' }));
    for (const Key of ['a', 'b/1', 'b/2', 'b/c/3', 'c/x', 'd', 'e/']) await s3.send(new S3.PutObjectCommand({ Bucket: 'listing', Key, Body: Key }));
  });

  it('DeleteBucketPolicy: 204, the policy stops applying, GetBucketPolicy is NoSuchBucketPolicy; again is 204; NoSuchBucket', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'unpolicied' }));
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::unpolicied/*' }] });
    await s3.send(new S3.PutBucketPolicyCommand({ Bucket: 'unpolicied', Policy: policy }));
    expect(await failure(s3.send(new S3.PutObjectCommand({ Bucket: 'unpolicied', Key: 'k', Body: 'x' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    const deleted = await s3.send(new S3.DeleteBucketPolicyCommand({ Bucket: 'unpolicied' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(await failure(s3.send(new S3.GetBucketPolicyCommand({ Bucket: 'unpolicied' })))).toMatchObject({ name: 'NoSuchBucketPolicy', status: 404 });
    await s3.send(new S3.PutObjectCommand({ Bucket: 'unpolicied', Key: 'k', Body: 'x' }));
    expect((await s3.send(new S3.DeleteBucketPolicyCommand({ Bucket: 'unpolicied' }))).$metadata.httpStatusCode).toBe(204);
    expect(await failure(s3.send(new S3.DeleteBucketPolicyCommand({ Bucket: 'no-such-bucket' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });

  // DeleteBucketEncryption "resets the default encryption for the bucket as server-side encryption with Amazon S3 managed keys
  // (SSE-S3)" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketEncryption.html).
  it('DeleteBucketEncryption: 204, the bucket is back at SSE-S3 (GetBucketEncryption shows the base rule, new objects are AES256); objects already stored keep theirs', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'reset' }));
    await s3.send(new S3.PutBucketEncryptionCommand({ Bucket: 'reset', ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } }));
    expect((await s3.send(new S3.PutObjectCommand({ Bucket: 'reset', Key: 'before', Body: 'x' }))).ServerSideEncryption).toBe('aws:kms');
    expect((await s3.send(new S3.DeleteBucketEncryptionCommand({ Bucket: 'reset' }))).$metadata.httpStatusCode).toBe(204);
    expect((await s3.send(new S3.GetBucketEncryptionCommand({ Bucket: 'reset' }))).ServerSideEncryptionConfiguration!.Rules)
      .toEqual([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }]);
    expect((await s3.send(new S3.PutObjectCommand({ Bucket: 'reset', Key: 'after', Body: 'x' }))).ServerSideEncryption).toBe('AES256');
    const before = await s3.send(new S3.GetObjectCommand({ Bucket: 'reset', Key: 'before' }));
    expect(before.ServerSideEncryption).toBe('aws:kms');
    expect(await before.Body!.transformToString()).toBe('x');
    expect(await failure(s3.send(new S3.DeleteBucketEncryptionCommand({ Bucket: 'no-such-bucket' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });

  it('ListParts: the parts uploaded (number, ETag, size, date), paged by MaxParts and PartNumberMarker; a replaced part shows once; NoSuchUpload', async () => {
    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'listing', Key: 'parts', ServerSideEncryption: 'AES256' }));
    const etags: Record<number, string> = {};
    for (const [PartNumber, size] of [[3, 30], [1, 10], [2, 20], [2, 21]] as const) {
      etags[PartNumber] = (await s3.send(new S3.UploadPartCommand({ Bucket: 'listing', Key: 'parts', UploadId, PartNumber, Body: new Uint8Array(size) }))).ETag!;
    }
    const all = await s3.send(new S3.ListPartsCommand({ Bucket: 'listing', Key: 'parts', UploadId }));
    expect(all.Parts!.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([[1, etags[1], 10], [2, etags[2], 21], [3, etags[3], 30]]);
    expect(all).toMatchObject({ Bucket: 'listing', Key: 'parts', UploadId, IsTruncated: false, MaxParts: 1000 });
    expect(all.Parts!.every((p) => p.LastModified instanceof Date && Math.abs(p.LastModified.getTime() - Date.now()) < 60_000)).toBe(true);
    const first = await s3.send(new S3.ListPartsCommand({ Bucket: 'listing', Key: 'parts', UploadId, MaxParts: 2 }));
    expect(first).toMatchObject({ IsTruncated: true, NextPartNumberMarker: '2', MaxParts: 2 });
    expect(first.Parts!.map((p) => p.PartNumber)).toEqual([1, 2]);
    const rest = await s3.send(new S3.ListPartsCommand({ Bucket: 'listing', Key: 'parts', UploadId, PartNumberMarker: first.NextPartNumberMarker }));
    expect(rest.Parts!.map((p) => p.PartNumber)).toEqual([3]);
    expect(rest.IsTruncated).toBe(false);
    expect(await failure(s3.send(new S3.ListPartsCommand({ Bucket: 'listing', Key: 'parts', UploadId: 'no-such-upload' })))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
    expect(await failure(s3.send(new S3.ListPartsCommand({ Bucket: 'listing', Key: 'other', UploadId })))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
    await s3.send(new S3.AbortMultipartUploadCommand({ Bucket: 'listing', Key: 'parts', UploadId }));
    expect(await failure(s3.send(new S3.ListPartsCommand({ Bucket: 'listing', Key: 'parts', UploadId })))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
  });

  it('ListObjects (v1): all keys; MaxKeys pages continued by Marker; a delimiter groups common prefixes and gives NextMarker', async () => {
    const keys = (page: S3.ListObjectsCommandOutput) => (page.Contents ?? []).map((o) => o.Key);
    const prefixes = (page: S3.ListObjectsCommandOutput) => (page.CommonPrefixes ?? []).map((p) => p.Prefix);
    const all = await s3.send(new S3.ListObjectsCommand({ Bucket: 'listing' }));
    expect(keys(all)).toEqual(['a', 'b/1', 'b/2', 'b/c/3', 'c/x', 'd', 'e/']);
    expect(all.Contents![0]).toMatchObject({ Size: 1, ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    expect(all.IsTruncated).toBe(false);
    const first = await s3.send(new S3.ListObjectsCommand({ Bucket: 'listing', MaxKeys: 3 }));
    expect(keys(first)).toEqual(['a', 'b/1', 'b/2']);
    expect(first.IsTruncated).toBe(true);
    expect(first.NextMarker).toBeUndefined(); // only with a delimiter (S3 API Reference, ListObjects: NextMarker)
    expect(keys(await s3.send(new S3.ListObjectsCommand({ Bucket: 'listing', Marker: 'b/2' })))).toEqual(['b/c/3', 'c/x', 'd', 'e/']);
    const grouped = await s3.send(new S3.ListObjectsCommand({ Bucket: 'listing', Delimiter: '/' }));
    expect([keys(grouped), prefixes(grouped)]).toEqual([['a', 'd'], ['b/', 'c/', 'e/']]);
    const paged = await s3.send(new S3.ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2 }));
    expect([keys(paged), prefixes(paged), paged.IsTruncated, paged.NextMarker]).toEqual([['a'], ['b/'], true, 'b/']);
    const next = await s3.send(new S3.ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2, Marker: paged.NextMarker }));
    expect([keys(next), prefixes(next), next.IsTruncated, next.NextMarker]).toEqual([['d'], ['c/'], true, 'd']);
    const under = await s3.send(new S3.ListObjectsCommand({ Bucket: 'listing', Prefix: 'b/', Delimiter: '/' }));
    expect([keys(under), prefixes(under)]).toEqual([['b/1', 'b/2'], ['b/c/']]);
    expect(await failure(s3.send(new S3.ListObjectsCommand({ Bucket: 'no-such-bucket' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });

  it('ListObjectsV2 with a delimiter pages by MaxKeys: every page at most MaxKeys entries, together exactly the one-page answer', async () => {
    const whole = await s3.send(new S3.ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    const entries = (page: S3.ListObjectsV2CommandOutput) => [...(page.Contents ?? []).map((o) => o.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!)];
    expect(entries(whole).sort()).toEqual(['a', 'b/', 'c/', 'd', 'e/']);
    for (const MaxKeys of [1, 2, 3]) {
      const pages: S3.ListObjectsV2CommandOutput[] = [];
      for await (const page of S3.paginateListObjectsV2({ client: s3 }, { Bucket: 'listing', Delimiter: '/', MaxKeys })) pages.push(page);
      expect(pages.every((p) => entries(p).length <= MaxKeys && p.KeyCount === entries(p).length), `MaxKeys ${MaxKeys}`).toBe(true);
      expect(pages.flatMap(entries).sort(), `MaxKeys ${MaxKeys}`).toEqual(entries(whole).sort());
      expect(pages.length, `MaxKeys ${MaxKeys}`).toBe(Math.ceil(5 / MaxKeys));
      expect(pages.at(-1)!.IsTruncated).toBe(false);
    }
    const afterPrefix = await s3.send(new S3.ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', StartAfter: 'b/1' }));
    // A StartAfter inside a common prefix still lists that prefix when keys under it follow (b/2 rolls up to b/).
    expect(entries(afterPrefix)).toEqual(['d', 'b/', 'c/', 'e/']);
    expect(await failure(s3.send(new S3.ListObjectsV2Command({ Bucket: 'listing', MaxKeys: -1 })))).toMatchObject({ name: 'InvalidArgument', status: 400 });
  });
});
