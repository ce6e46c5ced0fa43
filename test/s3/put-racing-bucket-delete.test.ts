// A PUT decides where its version goes when its body is written, on the state of that moment: a
// bucket deleted while the body streamed in makes the PUT fail (NoSuchBucket) and leaves nothing.
// (It used to add the version to the deleted bucket's record in memory and to the journal, which then
// named a bucket it had removed: the directory store refused to open again.)
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore } from '../../src/node.js';
import { heldBody } from '../helpers/held-body.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const tempDir = temporaryDirectories('kms-wasm-s3-race-');

describe.each([['in memory', false], ['in a directory', true]])('ObjectStore %s: a PUT racing DeleteBucket', (_, onDisk) => {
  it('fails with NoSuchBucket, leaves no body, and the store opens again', async () => {
    const dir = onDisk ? tempDir() : undefined;
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const store = new ObjectStore({ kms, dir });
    await store.createBucket({ Bucket: 'racing' });
    const { body, reading, release } = heldBody();
    const put = store.putObject({ Bucket: 'racing', Key: 'k', Body: body, ServerSideEncryption: 'AES256' });
    await reading;
    await store.deleteBucket({ Bucket: 'racing' });
    release();
    await expect(put).rejects.toMatchObject({ name: 'NoSuchBucket' });
    expect((await store.listBuckets()).Buckets).toEqual([]);
    if (!dir) return;
    await store.close();
    expect(readdirSync(join(dir, 'objects'))).toEqual([]);
    const reopened = new ObjectStore({ kms, dir });
    expect((await reopened.listBuckets()).Buckets).toEqual([]);
    await reopened.close();
  });
});
