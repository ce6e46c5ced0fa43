// GetObjectTagging over the service with the unmodified @aws-sdk/client-s3: an empty TagSet (the store
// keeps no tags), authorized as S3 authorizes it — s3:GetObjectTagging for the current version,
// s3:GetObjectVersionTagging with a versionId, no SSE-C key and no KMS call
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTagging.html; Service Authorization
// Reference, "Actions defined by Amazon S3"). Writing tags (PutObjectTagging, x-amz-tagging) is
// NotImplemented (501), never silently dropped.

import * as S3 from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { failure, ROOT, startTestService, userAllowed as allowed, type TestService } from './service-fixture.js';
import { sendSigned } from './signed-request.js';

describe('GetObjectTagging over the service', () => {
  let t: TestService;
  let s3: S3.S3Client;
  let versions: string[];
  /** An IAM user whose only permissions are `actions` on every object of the bucket. */
  const userAllowed = async (name: string, actions: string[]) => t.s3(await allowed(t, name, actions, 'arn:aws:s3:::tagged/*'));

  beforeAll(async () => {
    t = await startTestService();
    s3 = t.s3();
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'tagged' }));
    await s3.send(new S3.PutBucketVersioningCommand({ Bucket: 'tagged', VersioningConfiguration: { Status: 'Enabled' } }));
    versions = [];
    for (const Body of ['first', 'second']) versions.push((await s3.send(new S3.PutObjectCommand({ Bucket: 'tagged', Key: 'doc', Body }))).VersionId!);
  });

  it('answers an empty TagSet with the version it describes: the latest, or the one asked for', async () => {
    const latest = await s3.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc' }));
    expect(latest).toMatchObject({ TagSet: [], VersionId: versions[1] });
    expect(latest.$metadata.httpStatusCode).toBe(200);
    const older = await s3.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc', VersionId: versions[0] }));
    expect(older).toMatchObject({ TagSet: [], VersionId: versions[0] });
    const raw = await sendSigned(t.service.url, { service: 's3', method: 'GET', path: '/tagged/doc?tagging', credentials: ROOT });
    expect(raw.status).toBe(200);
    expect(raw.body).toMatch(/<Tagging xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"><TagSet><\/TagSet><\/Tagging>/);
    expect(t.log.some((line) => line.includes('s3:GetObjectTagging') && line.includes(' 200 '))).toBe(true);
  });

  it('of an SSE-C or SSE-KMS object, needs neither the customer key nor kms:Decrypt', async () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    await s3.send(new S3.PutObjectCommand({ Bucket: 'tagged', Key: 'sealed', Body: 'x', SSECustomerAlgorithm: 'AES256', SSECustomerKey: key }));
    expect((await s3.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'sealed' }))).TagSet).toEqual([]);
    await s3.send(new S3.PutObjectCommand({ Bucket: 'tagged', Key: 'kms', Body: 'x', ServerSideEncryption: 'aws:kms' }));
    const reader = await userAllowed('tag-reader', ['s3:GetObjectTagging']);
    expect((await reader.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'kms' }))).TagSet).toEqual([]);
    expect(await failure(reader.send(new S3.GetObjectCommand({ Bucket: 'tagged', Key: 'kms' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('needs s3:GetObjectTagging, or s3:GetObjectVersionTagging with a versionId (not s3:GetObject nor s3:GetObjectTaggingVersion)', async () => {
    const reader = await userAllowed('object-reader', ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTaggingVersion']);
    expect(await failure(reader.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(await failure(reader.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc', VersionId: versions[0] }))))
      .toMatchObject({ name: 'AccessDenied', status: 403 });
    const current = await userAllowed('current-tags', ['s3:GetObjectTagging']);
    expect((await current.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc' }))).TagSet).toEqual([]);
    const denied = await failure(current.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc', VersionId: versions[0] })));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(denied.message).toContain('s3:GetObjectVersionTagging');
    const versioned = await userAllowed('version-tags', ['s3:GetObjectVersionTagging']);
    expect((await versioned.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc', VersionId: versions[0] }))).VersionId).toBe(versions[0]);
    expect(await failure(versioned.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('errors: unknown key or version NoSuchKey (404), unknown bucket NoSuchBucket (404)', async () => {
    expect(await failure(s3.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'absent' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await failure(s3.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc', VersionId: 'no-such-version' }))))
      .toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await failure(s3.send(new S3.GetObjectTaggingCommand({ Bucket: 'absent', Key: 'doc' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });

  it('writing tags is NotImplemented (501) and changes nothing: PutObjectTagging, and x-amz-tagging on PUT, copy and multipart creation', async () => {
    const tagging = { TagSet: [{ Key: 'team', Value: 'a' }] };
    expect(await failure(s3.send(new S3.PutObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc', Tagging: tagging }))))
      .toMatchObject({ name: 'NotImplemented', status: 501 });
    expect(await failure(s3.send(new S3.PutObjectCommand({ Bucket: 'tagged', Key: 'new', Body: 'x', Tagging: 'team=a' }))))
      .toMatchObject({ name: 'NotImplemented', status: 501 });
    expect(await failure(s3.send(new S3.CopyObjectCommand({ Bucket: 'tagged', Key: 'new', CopySource: 'tagged/doc', TaggingDirective: 'REPLACE', Tagging: 'team=a' }))))
      .toMatchObject({ name: 'NotImplemented', status: 501 });
    expect(await failure(s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'tagged', Key: 'new', Tagging: 'team=a' }))))
      .toMatchObject({ name: 'NotImplemented', status: 501 });
    expect(await failure(s3.send(new S3.HeadObjectCommand({ Bucket: 'tagged', Key: 'new' })))).toMatchObject({ status: 404 });
    expect((await s3.send(new S3.GetObjectTaggingCommand({ Bucket: 'tagged', Key: 'doc' }))).TagSet).toEqual([]);
  });
});
