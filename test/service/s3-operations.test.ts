// S3's REST API with the unmodified @aws-sdk/client-s3 against the service: every operation round-trips
// (buckets, configuration, objects, listings, versions, copies, multipart), SSE-S3 / SSE-KMS / SSE-C
// through the headers, ranges and conditional GETs, path-style and virtual-hosted-style requests.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as Kms from '@aws-sdk/client-kms';
import * as S3 from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, failure, startTestService, type TestService } from './service-fixture.js';

const text = async (output: S3.GetObjectCommandOutput) => output.Body!.transformToString();
const sseCustomerKey = (fill: number) => Buffer.alloc(32, fill);

describe('S3 REST API with @aws-sdk/client-s3', () => {
  let t: TestService;
  let s3: S3.S3Client;
  beforeAll(async () => {
    t = await startTestService();
    s3 = t.s3();
  });

  it('buckets: create, head, list, delete; BucketAlreadyOwnedByYou, NoSuchBucket, BucketNotEmpty, InvalidBucketName', async () => {
    const created = await s3.send(new S3.CreateBucketCommand({ Bucket: 'first-bucket' }));
    expect(created.Location).toBe('/first-bucket');
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'second-bucket' }));
    expect((await s3.send(new S3.HeadBucketCommand({ Bucket: 'first-bucket' }))).BucketRegion).toBe('us-east-1');
    const listed = await s3.send(new S3.ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toEqual(expect.arrayContaining(['first-bucket', 'second-bucket']));
    expect(listed.Buckets!.every((b) => b.CreationDate instanceof Date)).toBe(true);
    expect(await failure(s3.send(new S3.CreateBucketCommand({ Bucket: 'first-bucket' })))).toMatchObject({ name: 'BucketAlreadyOwnedByYou', status: 409 });
    expect(await failure(s3.send(new S3.CreateBucketCommand({ Bucket: 'Bad_Name' })))).toMatchObject({ name: 'InvalidBucketName', status: 400 });
    expect(await failure(s3.send(new S3.HeadBucketCommand({ Bucket: 'no-such-bucket' })))).toMatchObject({ name: 'NotFound', status: 404 });
    await s3.send(new S3.PutObjectCommand({ Bucket: 'second-bucket', Key: 'k', Body: 'x' }));
    expect(await failure(s3.send(new S3.DeleteBucketCommand({ Bucket: 'second-bucket' })))).toMatchObject({ name: 'BucketNotEmpty', status: 409 });
    await s3.send(new S3.DeleteObjectCommand({ Bucket: 'second-bucket', Key: 'k' }));
    await s3.send(new S3.DeleteBucketCommand({ Bucket: 'second-bucket' }));
    expect(await failure(s3.send(new S3.DeleteBucketCommand({ Bucket: 'second-bucket' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
    expect((await s3.send(new S3.ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).not.toContain('second-bucket');
  });

  it('objects: put, get, head (ETag, Last-Modified, Content-Type, metadata), delete; NoSuchKey', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'objects' }));
    const key = 'dir/with space/ünïcødé+plus%.txt';
    const put = await s3.send(new S3.PutObjectCommand({ Bucket: 'objects', Key: key, Body: 'hello world', ContentType: 'text/plain',
      Metadata: { owner: 'kim' } }));
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: key }));
    expect(await text(got)).toBe('hello world');
    expect(got).toMatchObject({ ETag: put.ETag, ContentType: 'text/plain', ContentLength: 11, Metadata: { owner: 'kim' } });
    const head = await s3.send(new S3.HeadObjectCommand({ Bucket: 'objects', Key: key }));
    expect(head).toMatchObject({ ETag: put.ETag, ContentLength: 11, ContentType: 'text/plain', Metadata: { owner: 'kim' } });
    expect(Math.abs(head.LastModified!.getTime() - Date.now())).toBeLessThan(60_000);
    await s3.send(new S3.PutObjectCommand({ Bucket: 'objects', Key: 'empty', Body: new Uint8Array(0) }));
    expect((await (await s3.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: 'empty' }))).Body!.transformToByteArray()).length).toBe(0);
    await s3.send(new S3.DeleteObjectCommand({ Bucket: 'objects', Key: key }));
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket: 'objects', Key: key })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await failure(s3.send(new S3.HeadObjectCommand({ Bucket: 'objects', Key: key })))).toMatchObject({ name: 'NotFound', status: 404 });
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket: 'no-such-bucket', Key: key })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });

  it('a streamed body (aws-chunked with a CRC32 trailer, as the SDK sends streams) and a binary body round-trip byte for byte', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'bodies' }));
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7919) % 256);
    const chunks = [bytes.subarray(0, 100_000), bytes.subarray(100_000, 250_000), bytes.subarray(250_000)];
    const put = await s3.send(new S3.PutObjectCommand({ Bucket: 'bodies', Key: 'streamed', Body: Readable.from(chunks.map((c) => Buffer.from(c))),
      ContentLength: bytes.length }));
    expect(put.ChecksumCRC32).toBeDefined();
    // Buffer.equals: vitest's toEqual walks a large typed array element by element, slowly.
    const same = async (Key: string) => Buffer.from(await (await s3.send(new S3.GetObjectCommand({ Bucket: 'bodies', Key }))).Body!.transformToByteArray()).equals(bytes);
    expect(await same('streamed')).toBe(true);
    await s3.send(new S3.PutObjectCommand({ Bucket: 'bodies', Key: 'binary', Body: bytes, ChecksumAlgorithm: 'CRC32C' }));
    expect(await same('binary')).toBe(true);
    for (const algorithm of ['SHA1', 'SHA256'] as const) {
      await s3.send(new S3.PutObjectCommand({ Bucket: 'bodies', Key: algorithm, Body: 'checked', ChecksumAlgorithm: algorithm }));
    }
  });

  it('concurrent PUTs of one key from many clients: each answers 200, and the object is one of their bodies, whole', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'contended' }));
    const bodies = Array.from({ length: 8 }, (_, i) => String(i).repeat(10_000 + i));
    await Promise.all(bodies.map((Body) => t.s3().send(new S3.PutObjectCommand({ Bucket: 'contended', Key: 'one', Body, ServerSideEncryption: 'AES256' }))));
    expect(bodies).toContain(await text(await s3.send(new S3.GetObjectCommand({ Bucket: 'contended', Key: 'one' }))));
  });

  it('Range GETs (206, Content-Range), an unsatisfiable range is InvalidRange 416; If-None-Match 304, If-Match 412', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'ranges' }));
    const put = await s3.send(new S3.PutObjectCommand({ Bucket: 'ranges', Key: 'digits', Body: '0123456789', ServerSideEncryption: 'AES256' }));
    const part = await s3.send(new S3.GetObjectCommand({ Bucket: 'ranges', Key: 'digits', Range: 'bytes=2-5' }));
    expect(await text(part)).toBe('2345');
    expect(part).toMatchObject({ ContentRange: 'bytes 2-5/10', ContentLength: 4, $metadata: { httpStatusCode: 206 } });
    expect(await text(await s3.send(new S3.GetObjectCommand({ Bucket: 'ranges', Key: 'digits', Range: 'bytes=-3' })))).toBe('789');
    expect(await text(await s3.send(new S3.GetObjectCommand({ Bucket: 'ranges', Key: 'digits', Range: 'bytes=7-' })))).toBe('789');
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket: 'ranges', Key: 'digits', Range: 'bytes=10-12' })))).toMatchObject({ name: 'InvalidRange', status: 416 });
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket: 'ranges', Key: 'digits', IfNoneMatch: put.ETag })))).toMatchObject({ status: 304 });
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket: 'ranges', Key: 'digits', IfMatch: '"0000"' })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect(await text(await s3.send(new S3.GetObjectCommand({ Bucket: 'ranges', Key: 'digits', IfMatch: put.ETag })))).toBe('0123456789');
    const future = new Date(Date.now() + 3_600_000);
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket: 'ranges', Key: 'digits', IfModifiedSince: future })))).toMatchObject({ status: 304 });
    const past = new Date(Date.now() - 3_600_000);
    expect(await failure(s3.send(new S3.HeadObjectCommand({ Bucket: 'ranges', Key: 'digits', IfUnmodifiedSince: past })))).toMatchObject({ status: 412 });
  });

  it('ListObjectsV2: prefix, delimiter (CommonPrefixes), MaxKeys pages with continuation tokens, StartAfter', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'listing' }));
    const keys = ['a/1', 'a/2', 'a/b/3', 'b/4', 'c'];
    for (const Key of keys) await s3.send(new S3.PutObjectCommand({ Bucket: 'listing', Key, Body: Key }));
    const all = await s3.send(new S3.ListObjectsV2Command({ Bucket: 'listing' }));
    expect(all.Contents?.map((o) => o.Key)).toEqual(keys);
    expect(all).toMatchObject({ KeyCount: 5, IsTruncated: false, Name: 'listing' });
    expect(all.Contents![0]).toMatchObject({ Size: 3, StorageClass: 'STANDARD' });
    const prefixed = await s3.send(new S3.ListObjectsV2Command({ Bucket: 'listing', Prefix: 'a/' }));
    expect(prefixed.Contents?.map((o) => o.Key)).toEqual(['a/1', 'a/2', 'a/b/3']);
    const grouped = await s3.send(new S3.ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    expect(grouped.Contents?.map((o) => o.Key)).toEqual(['c']);
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/']);
    const nested = await s3.send(new S3.ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', Prefix: 'a/' }));
    expect(nested.Contents?.map((o) => o.Key)).toEqual(['a/1', 'a/2']);
    expect(nested.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/b/']);
    const paged: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new S3.ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 2, ContinuationToken: token }));
      paged.push(...page.Contents!.map((o) => o.Key!));
      expect(page.KeyCount).toBeLessThanOrEqual(2);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(paged).toEqual(keys);
    expect((await s3.send(new S3.ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'b/4' }))).Contents?.map((o) => o.Key)).toEqual(['c']);
  });

  it('versioning: Put/GetBucketVersioning, versions read by VersionId, delete markers, ListObjectVersions', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'versions' }));
    expect((await s3.send(new S3.GetBucketVersioningCommand({ Bucket: 'versions' }))).Status).toBeUndefined();
    await s3.send(new S3.PutBucketVersioningCommand({ Bucket: 'versions', VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await s3.send(new S3.GetBucketVersioningCommand({ Bucket: 'versions' }))).Status).toBe('Enabled');
    const v1 = await s3.send(new S3.PutObjectCommand({ Bucket: 'versions', Key: 'doc', Body: 'one' }));
    const v2 = await s3.send(new S3.PutObjectCommand({ Bucket: 'versions', Key: 'doc', Body: 'two' }));
    expect(v1.VersionId).toBeDefined();
    expect(v2.VersionId).not.toBe(v1.VersionId);
    expect(await text(await s3.send(new S3.GetObjectCommand({ Bucket: 'versions', Key: 'doc', VersionId: v1.VersionId })))).toBe('one');
    const marker = await s3.send(new S3.DeleteObjectCommand({ Bucket: 'versions', Key: 'doc' }));
    expect(marker.DeleteMarker).toBe(true);
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket: 'versions', Key: 'doc' })))).toMatchObject({ name: 'NoSuchKey' });
    const listed = await s3.send(new S3.ListObjectVersionsCommand({ Bucket: 'versions' }));
    expect(listed.Versions?.map((v) => v.VersionId)).toEqual([v2.VersionId, v1.VersionId]);
    expect(listed.DeleteMarkers).toEqual([expect.objectContaining({ Key: 'doc', VersionId: marker.VersionId, IsLatest: true })]);
    await s3.send(new S3.DeleteObjectCommand({ Bucket: 'versions', Key: 'doc', VersionId: marker.VersionId }));
    expect(await text(await s3.send(new S3.GetObjectCommand({ Bucket: 'versions', Key: 'doc' })))).toBe('two');
    // A value outside the schema's enumeration in a request body is MalformedXML (S3 API Reference, "Error responses"; src/s3/request-shapes.ts).
    expect(await failure(s3.send(new S3.PutBucketVersioningCommand({ Bucket: 'versions', VersioningConfiguration: { Status: 'On' as 'Enabled' } }))))
      .toMatchObject({ name: 'MalformedXML', status: 400 });
  });

  it('DeleteObjects: deletes each key, reports each (Quiet leaves out the successes)', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'batch' }));
    for (const Key of ['x', 'y', 'z']) await s3.send(new S3.PutObjectCommand({ Bucket: 'batch', Key, Body: Key }));
    const result = await s3.send(new S3.DeleteObjectsCommand({ Bucket: 'batch', Delete: { Objects: [{ Key: 'x' }, { Key: 'y' }] } }));
    expect(result.Deleted?.map((d) => d.Key)).toEqual(['x', 'y']);
    expect(result.Errors ?? []).toEqual([]);
    const quiet = await s3.send(new S3.DeleteObjectsCommand({ Bucket: 'batch', Delete: { Objects: [{ Key: 'z' }], Quiet: true } }));
    expect(quiet.Deleted ?? []).toEqual([]);
    expect((await s3.send(new S3.ListObjectsV2Command({ Bucket: 'batch' }))).KeyCount).toBe(0);
  });

  // Every bucket's base level is SSE-S3 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html;
  // API Reference, GetBucketEncryption: "By default, all buckets have a default encryption configuration that uses … SSE-S3").
  it('bucket encryption: a new bucket answers the SSE-S3 base rule and encrypts PUTs, copies and uploads without SSE headers with it', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'base-level' }));
    expect((await s3.send(new S3.GetBucketEncryptionCommand({ Bucket: 'base-level' }))).ServerSideEncryptionConfiguration!.Rules)
      .toEqual([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }]);
    expect((await s3.send(new S3.PutObjectCommand({ Bucket: 'base-level', Key: 'k', Body: 'no headers' }))).ServerSideEncryption).toBe('AES256');
    expect((await s3.send(new S3.HeadObjectCommand({ Bucket: 'base-level', Key: 'k' }))).ServerSideEncryption).toBe('AES256');
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'base-level', Key: 'k' }));
    expect(got.ServerSideEncryption).toBe('AES256');
    expect(await text(got)).toBe('no headers');
    expect((await s3.send(new S3.CopyObjectCommand({ Bucket: 'base-level', Key: 'copy', CopySource: 'base-level/k' }))).ServerSideEncryption).toBe('AES256');
    const upload = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'base-level', Key: 'parts' }));
    expect(upload.ServerSideEncryption).toBe('AES256');
    await s3.send(new S3.AbortMultipartUploadCommand({ Bucket: 'base-level', Key: 'parts', UploadId: upload.UploadId }));
  });

  it('bucket encryption: Put/GetBucketEncryption (with BucketKeyEnabled) applies to PUTs without SSE headers', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'defaults' }));
    const key = await t.kms().send(new Kms.CreateKeyCommand({}));
    await s3.send(new S3.PutBucketEncryptionCommand({ Bucket: 'defaults', ServerSideEncryptionConfiguration: { Rules: [{
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.KeyMetadata!.Arn }, BucketKeyEnabled: true }] } }));
    const config = await s3.send(new S3.GetBucketEncryptionCommand({ Bucket: 'defaults' }));
    expect(config.ServerSideEncryptionConfiguration?.Rules).toEqual([{
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.KeyMetadata!.Arn }, BucketKeyEnabled: true }]);
    const put = await s3.send(new S3.PutObjectCommand({ Bucket: 'defaults', Key: 'k', Body: 'secret' }));
    expect(put).toMatchObject({ ServerSideEncryption: 'aws:kms', BucketKeyEnabled: true });
    expect(put.SSEKMSKeyId).toContain(key.KeyMetadata!.KeyId);
    const got = await s3.send(new S3.GetObjectCommand({ Bucket: 'defaults', Key: 'k' }));
    expect(got).toMatchObject({ ServerSideEncryption: 'aws:kms', BucketKeyEnabled: true });
    expect(await text(got)).toBe('secret');
    expect(await failure(s3.send(new S3.PutBucketEncryptionCommand({ Bucket: 'defaults', ServerSideEncryptionConfiguration: { Rules: [{
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'rot13' as 'AES256' } }] } })))).toMatchObject({ name: 'MalformedXML', status: 400 });
  });

  it('SSE-S3, SSE-KMS (key, context, bucket key) and SSE-C through the headers; the stored bytes are ciphertext', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'sse' }));
    const key = await t.kms().send(new Kms.CreateKeyCommand({}));
    const sseS3 = await s3.send(new S3.PutObjectCommand({ Bucket: 'sse', Key: 's3', Body: 'plain words', ServerSideEncryption: 'AES256' }));
    expect(sseS3.ServerSideEncryption).toBe('AES256');
    const context = Buffer.from(JSON.stringify({ project: 'x' })).toString('base64');
    const sseKms = await s3.send(new S3.PutObjectCommand({ Bucket: 'sse', Key: 'kms', Body: 'kms words', ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: key.KeyMetadata!.KeyId, SSEKMSEncryptionContext: context }));
    expect(sseKms.ServerSideEncryption).toBe('aws:kms');
    expect(sseKms.SSEKMSKeyId).toContain(key.KeyMetadata!.KeyId);
    const head = await s3.send(new S3.HeadObjectCommand({ Bucket: 'sse', Key: 'kms' }));
    expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: sseKms.SSEKMSKeyId });
    expect(await text(await s3.send(new S3.GetObjectCommand({ Bucket: 'sse', Key: 'kms' })))).toBe('kms words');
    const bucketKey = await s3.send(new S3.PutObjectCommand({ Bucket: 'sse', Key: 'bk', Body: 'bk words', ServerSideEncryption: 'aws:kms', BucketKeyEnabled: true }));
    expect(bucketKey.BucketKeyEnabled).toBe(true);
    expect(await failure(s3.send(new S3.PutObjectCommand({ Bucket: 'sse', Key: 'bad', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: 'not base64 json' }))))
      .toMatchObject({ name: 'InvalidArgument', status: 400 });

    const customer = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: sseCustomerKey(7).toString('base64') };
    const sseC = await s3.send(new S3.PutObjectCommand({ Bucket: 'sse', Key: 'c', Body: 'customer words', ...customer }));
    expect(sseC.SSECustomerAlgorithm).toBe('AES256');
    expect(sseC.SSECustomerKeyMD5).toBeDefined();
    const read = await s3.send(new S3.GetObjectCommand({ Bucket: 'sse', Key: 'c', ...customer }));
    expect(await text(read)).toBe('customer words');
    expect(read.SSECustomerKeyMD5).toBe(sseC.SSECustomerKeyMD5);
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket: 'sse', Key: 'c' })))).toMatchObject({ name: 'InvalidRequest', status: 400 });
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket: 'sse', Key: 'c', SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: sseCustomerKey(8).toString('base64') })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect((await s3.send(new S3.HeadObjectCommand({ Bucket: 'sse', Key: 'c', ...customer }))).ContentLength).toBe(14);

    const stored = readdirSync(t.dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name)).toString('latin1'));
    expect(stored.length).toBeGreaterThan(0);
    for (const words of ['plain words', 'kms words', 'bk words', 'customer words']) expect(stored.some((file) => file.includes(words)), words).toBe(false);
  });

  it('SSE-C over plain HTTP is refused (InvalidRequest) on a server listening beyond loopback, as S3 refuses it without TLS', async () => {
    const open = await startTestService(undefined, { host: '0.0.0.0' });
    const client = open.s3();
    await client.send(new S3.CreateBucketCommand({ Bucket: 'exposed' }));
    expect(await failure(client.send(new S3.PutObjectCommand({ Bucket: 'exposed', Key: 'c', Body: 'x', SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: sseCustomerKey(1).toString('base64') })))).toMatchObject({ name: 'InvalidRequest', status: 400 });
    await client.send(new S3.PutObjectCommand({ Bucket: 'exposed', Key: 's3', Body: 'x', ServerSideEncryption: 'AES256' }));
  });

  it('CopyObject: re-encrypts to the destination\'s headers; an SSE-C source needs the copy-source key; REPLACE takes new metadata', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'copies' }));
    await s3.send(new S3.PutObjectCommand({ Bucket: 'copies', Key: 'src/one two', Body: 'to copy', Metadata: { a: '1' } }));
    const copied = await s3.send(new S3.CopyObjectCommand({ Bucket: 'copies', Key: 'dst', CopySource: `copies/${encodeURIComponent('src/one two')}`,
      ServerSideEncryption: 'aws:kms' }));
    expect(copied.CopyObjectResult?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(copied.ServerSideEncryption).toBe('aws:kms');
    const dst = await s3.send(new S3.GetObjectCommand({ Bucket: 'copies', Key: 'dst' }));
    expect(await text(dst)).toBe('to copy');
    expect(dst.Metadata).toEqual({ a: '1' });
    await s3.send(new S3.CopyObjectCommand({ Bucket: 'copies', Key: 'replaced', CopySource: 'copies/dst', MetadataDirective: 'REPLACE', Metadata: { b: '2' } }));
    expect((await s3.send(new S3.HeadObjectCommand({ Bucket: 'copies', Key: 'replaced' }))).Metadata).toEqual({ b: '2' });

    const key = sseCustomerKey(3).toString('base64');
    await s3.send(new S3.PutObjectCommand({ Bucket: 'copies', Key: 'secret', Body: 'sse-c source', SSECustomerAlgorithm: 'AES256', SSECustomerKey: key }));
    expect(await failure(s3.send(new S3.CopyObjectCommand({ Bucket: 'copies', Key: 'fail', CopySource: 'copies/secret' })))).toMatchObject({ status: 400 });
    await s3.send(new S3.CopyObjectCommand({ Bucket: 'copies', Key: 'opened', CopySource: 'copies/secret',
      CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: key, ServerSideEncryption: 'AES256' }));
    expect(await text(await s3.send(new S3.GetObjectCommand({ Bucket: 'copies', Key: 'opened' })))).toBe('sse-c source');
    expect(await failure(s3.send(new S3.CopyObjectCommand({ Bucket: 'copies', Key: 'x', CopySource: 'copies/none' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
  });

  it('multipart: create, upload parts, complete (the object is the parts in order); abort; EntityTooSmall, InvalidPart, NoSuchUpload', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'multipart' }));
    const partSize = 5 * 1024 * 1024;
    const first = new Uint8Array(partSize).fill(1);
    const last = new Uint8Array(1000).fill(2);
    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'multipart', Key: 'big', ServerSideEncryption: 'aws:kms' }));
    const p1 = await s3.send(new S3.UploadPartCommand({ Bucket: 'multipart', Key: 'big', UploadId, PartNumber: 1, Body: first }));
    const p2 = await s3.send(new S3.UploadPartCommand({ Bucket: 'multipart', Key: 'big', UploadId, PartNumber: 2, Body: last }));
    expect(await failure(s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'multipart', Key: 'big', UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0000"' }, { PartNumber: 2, ETag: p2.ETag }] } })))).toMatchObject({ name: 'InvalidPart', status: 400 });
    const done = await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'multipart', Key: 'big', UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
    expect(done).toMatchObject({ Bucket: 'multipart', Key: 'big', ServerSideEncryption: 'aws:kms' });
    const whole = await (await s3.send(new S3.GetObjectCommand({ Bucket: 'multipart', Key: 'big' }))).Body!.transformToByteArray();
    expect(whole.length).toBe(partSize + 1000);
    expect(whole[partSize - 1]).toBe(1);
    expect(whole[partSize]).toBe(2);
    const tail = await s3.send(new S3.GetObjectCommand({ Bucket: 'multipart', Key: 'big', Range: `bytes=${partSize - 2}-${partSize + 1}` }));
    expect([...await tail.Body!.transformToByteArray()]).toEqual([1, 1, 2, 2]);

    const small = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'multipart', Key: 'small' }));
    const s1 = await s3.send(new S3.UploadPartCommand({ Bucket: 'multipart', Key: 'small', UploadId: small.UploadId, PartNumber: 1, Body: 'tiny' }));
    const s2 = await s3.send(new S3.UploadPartCommand({ Bucket: 'multipart', Key: 'small', UploadId: small.UploadId, PartNumber: 2, Body: 'tail' }));
    expect(await failure(s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'multipart', Key: 'small', UploadId: small.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: s1.ETag }, { PartNumber: 2, ETag: s2.ETag }] } })))).toMatchObject({ name: 'EntityTooSmall', status: 400 });
    await s3.send(new S3.AbortMultipartUploadCommand({ Bucket: 'multipart', Key: 'small', UploadId: small.UploadId }));
    expect(await failure(s3.send(new S3.UploadPartCommand({ Bucket: 'multipart', Key: 'small', UploadId: small.UploadId, PartNumber: 3, Body: 'x' }))))
      .toMatchObject({ name: 'NoSuchUpload', status: 404 });
    expect(await failure(s3.send(new S3.GetObjectCommand({ Bucket: 'multipart', Key: 'small' })))).toMatchObject({ name: 'NoSuchKey' });
  });

  it('bucket policy: Put/GetBucketPolicy round-trips the document; none is NoSuchBucketPolicy; a malformed one MalformedPolicy', async () => {
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'policies' }));
    expect(await failure(s3.send(new S3.GetBucketPolicyCommand({ Bucket: 'policies' })))).toMatchObject({ name: 'NoSuchBucketPolicy', status: 404 });
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::policies/*', Condition: { Null: { 's3:x-amz-server-side-encryption': 'true' } } }] });
    await s3.send(new S3.PutBucketPolicyCommand({ Bucket: 'policies', Policy: policy }));
    expect((await s3.send(new S3.GetBucketPolicyCommand({ Bucket: 'policies' }))).Policy).toBe(policy);
    expect(await failure(s3.send(new S3.PutObjectCommand({ Bucket: 'policies', Key: 'plain', Body: 'x' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    await s3.send(new S3.PutObjectCommand({ Bucket: 'policies', Key: 'encrypted', Body: 'x', ServerSideEncryption: 'AES256' }));
    expect(await failure(s3.send(new S3.PutBucketPolicyCommand({ Bucket: 'policies', Policy: '{"Statement": 3}' })))).toMatchObject({ name: 'MalformedPolicy', status: 400 });
  });

  it('virtual-hosted style: <bucket>.localhost reaches the same buckets as path style', async () => {
    const { port } = t.service;
    // The SDK puts the bucket in the Host; localhost's subdomains resolve to loopback by name only in some resolvers, so the SDK is pointed at 127.0.0.1 with the Host it would send.
    const hosted = t.s3(undefined, { forcePathStyle: false, endpoint: `http://localhost:${port}` });
    hosted.middlewareStack.add((next) => async (args) => {
      const request = args.request as { hostname: string; headers: Record<string, string> };
      request.headers.host = `${request.hostname}:${port}`;
      request.hostname = '127.0.0.1';
      return next(args);
    }, { step: 'finalizeRequest', priority: 'high', name: 'connectToLoopback' });
    await hosted.send(new S3.CreateBucketCommand({ Bucket: 'hosted' }));
    await hosted.send(new S3.PutObjectCommand({ Bucket: 'hosted', Key: 'a/b.txt', Body: 'virtual' }));
    expect(await text(await s3.send(new S3.GetObjectCommand({ Bucket: 'hosted', Key: 'a/b.txt' })))).toBe('virtual');
    expect(await text(await hosted.send(new S3.GetObjectCommand({ Bucket: 'hosted', Key: 'a/b.txt' })))).toBe('virtual');
    expect((await hosted.send(new S3.ListObjectsV2Command({ Bucket: 'hosted' }))).Contents?.map((o) => o.Key)).toEqual(['a/b.txt']);
    expect(t.log.some((line) => line.includes('s3:PutObject') && line.includes(` arn:aws:iam::${ACCOUNT}:root 200 `))).toBe(true);
  });
});
