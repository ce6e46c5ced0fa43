// ObjectStore reads the time from its `clock` option (as KeyManagementService does), so every
// timestamp it answers with — bucket CreationDate, LastModified of objects, delete markers and
// copies — is the injected clock's, exactly.
import { describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore } from '../../src/index.js';
import { movableClock } from '../helpers/movable-clock.js';

describe('ObjectStore with an injected clock', () => {
  it('stamps buckets, objects, delete markers and copies with the clock\'s time', async () => {
    const clock = movableClock('2031-05-06T07:08:09.000Z');
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1', clock });
    const s3 = new ObjectStore({ kms, clock });
    await s3.createBucket({ Bucket: 'timed' });
    expect((await s3.listBuckets()).Buckets).toEqual([{ Name: 'timed', CreationDate: new Date('2031-05-06T07:08:09.000Z') }]);

    clock.set('2031-05-06T08:00:00.000Z');
    await s3.putBucketVersioning({ Bucket: 'timed', VersioningConfiguration: { Status: 'Enabled' } });
    await s3.putObject({ Bucket: 'timed', Key: 'a', Body: 'first', ServerSideEncryption: 'aws:kms' });
    expect((await s3.headObject({ Bucket: 'timed', Key: 'a' })).LastModified).toEqual(new Date('2031-05-06T08:00:00.000Z'));

    clock.set('2031-05-07T00:00:00.000Z');
    const copy = await s3.copyObject({ Bucket: 'timed', Key: 'b', CopySource: 'timed/a' });
    expect(copy.CopyObjectResult.LastModified).toEqual(new Date('2031-05-07T00:00:00.000Z'));
    const listed = await s3.listObjectsV2({ Bucket: 'timed' });
    expect(listed.Contents.map((o) => [o.Key, o.LastModified.toISOString()])).toEqual([
      ['a', '2031-05-06T08:00:00.000Z'], ['b', '2031-05-07T00:00:00.000Z']]);

    clock.set('2031-05-08T12:30:00.000Z');
    await s3.deleteObject({ Bucket: 'timed', Key: 'a' });
    const versions = await s3.listObjectVersions({ Bucket: 'timed', Prefix: 'a' });
    expect(versions.DeleteMarkers.map((m) => m.LastModified.toISOString())).toEqual(['2031-05-08T12:30:00.000Z']);
    expect(versions.Versions.map((v) => v.LastModified.toISOString())).toEqual(['2031-05-06T08:00:00.000Z']);
  });

  it('stamps multipart parts (ListParts LastModified) with the clock\'s time', async () => {
    const clock = movableClock('2032-01-02T03:04:05.000Z');
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1', clock });
    const s3 = new ObjectStore({ kms, clock });
    await s3.createBucket({ Bucket: 'parts' });
    const { UploadId } = await s3.createMultipartUpload({ Bucket: 'parts', Key: 'k' });
    await s3.uploadPart({ Bucket: 'parts', Key: 'k', UploadId, PartNumber: 1, Body: 'one' });
    clock.set('2032-01-02T04:00:00.000Z');
    await s3.uploadPart({ Bucket: 'parts', Key: 'k', UploadId, PartNumber: 2, Body: 'two' });
    const { Parts } = await s3.listParts({ Bucket: 'parts', Key: 'k', UploadId });
    expect(Parts.map((p) => p.LastModified.toISOString())).toEqual(['2032-01-02T03:04:05.000Z', '2032-01-02T04:00:00.000Z']);
  });
});
