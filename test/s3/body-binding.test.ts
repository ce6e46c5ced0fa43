// An attacker who can write the store's directory (or the in-memory bodies and records) moves
// encrypted bodies between objects, buckets and versions. Every SSE mode binds a body to its bucket,
// key and version (src/s3/body-binding.ts): each move must fail with AuthenticationError and release
// no plaintext, and the untouched objects must still read. Parts of multipart objects: multipart-part-binding.test.ts.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, KeyManagementService, ObjectStore, S3EncryptionClient } from '../../src/node.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { sseModes } from '../helpers/sse-modes.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const rng = new SeededRandom(2121);
const tempDir = temporaryDirectories('kms-wasm-swap-');
const ACCOUNT = '111122223333';

const customerKey = Buffer.from(rng.bytes(32));
const customerHeaders = {
  SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey.toString('base64'),
  SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64'),
};

const MODES = sseModes(customerHeaders);

interface Record { versionId: string; bodyId: string }
interface Internals { buckets: Map<string, { objects: Map<string, Record[]> }>; bodies: { bodies: Map<string, Uint8Array> } }
const internals = (s3: ObjectStore) => s3 as unknown as Internals;
const versionsOf = (s3: ObjectStore, bucket: string, key: string) => internals(s3).buckets.get(bucket)!.objects.get(key)!;
const latest = (s3: ObjectStore, bucket: string, key: string) => versionsOf(s3, bucket, key).at(-1)!;

function setup(dir?: string) {
  const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1' });
  return { kms, s3: new ObjectStore({ kms, dir }) };
}

/** Two frames and a bit, so ranged reads of later frames are tried too. */
const bodyFor = (label: string) => Buffer.concat([Buffer.from(`${label}:`), Buffer.from(rng.bytes(140_000))]);

/** The GET (whole and ranged) fails with AuthenticationError, so nothing of the plaintext comes back. */
async function expectRefused(s3: ObjectStore, request: Parameters<ObjectStore['getObject']>[0]) {
  await expect(s3.getObject(request)).rejects.toThrow(AuthenticationError);
  await expect(s3.getObject({ ...request, Range: 'bytes=70000-70010' })).rejects.toThrow(AuthenticationError);
}

async function expectBody(s3: ObjectStore, request: Parameters<ObjectStore['getObject']>[0], body: Uint8Array) {
  expect(Buffer.from((await (await s3.getObject(request)).Body.transformToByteArray())).equals(body)).toBe(true);
}

describe.each(MODES)('body binding, $mode', ({ put, get }) => {
  it('two objects\' bodies swapped in memory: both GETs fail; swapped back, both read', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'swap' });
    const a = bodyFor('a');
    const b = bodyFor('b');
    await s3.putObject({ Bucket: 'swap', Key: 'a', Body: a, ...put });
    await s3.putObject({ Bucket: 'swap', Key: 'b', Body: b, ...put });
    const { bodies } = internals(s3).bodies;
    const [idA, idB] = [latest(s3, 'swap', 'a').bodyId, latest(s3, 'swap', 'b').bodyId];
    const [storedA, storedB] = [bodies.get(idA)!, bodies.get(idB)!];
    bodies.set(idA, storedB);
    bodies.set(idB, storedA);
    await expectRefused(s3, { Bucket: 'swap', Key: 'a', ...get });
    await expectRefused(s3, { Bucket: 'swap', Key: 'b', ...get });
    // The error tells whoever investigates which object was read and whose body was found there.
    const [versionA, versionB] = [latest(s3, 'swap', 'a').versionId, latest(s3, 'swap', 'b').versionId];
    await expect(s3.getObject({ Bucket: 'swap', Key: 'b', ...get })).rejects.toThrow(
      `not that of arn:aws:s3:::swap/b version ${versionB}: it was written for arn:aws:s3:::swap/a version ${versionA}`);
    bodies.set(idA, storedA);
    bodies.set(idB, storedB);
    await expectBody(s3, { Bucket: 'swap', Key: 'a', ...get }, a);
    await expectBody(s3, { Bucket: 'swap', Key: 'b', ...get }, b);
  });

  it('the same key in another bucket: its body (or its whole record) moved over fails', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'left' });
    await s3.createBucket({ Bucket: 'right' });
    await s3.putObject({ Bucket: 'left', Key: 'k', Body: bodyFor('left'), ...put });
    await s3.putObject({ Bucket: 'right', Key: 'k', Body: bodyFor('right'), ...put });
    const { bodies } = internals(s3).bodies;
    bodies.set(latest(s3, 'left', 'k').bodyId, bodies.get(latest(s3, 'right', 'k').bodyId)!);
    await expectRefused(s3, { Bucket: 'left', Key: 'k', ...get });
    // The record with its metadata too (SSE settings, key check, body id): still another object's body.
    internals(s3).buckets.get('left')!.objects.set('k', versionsOf(s3, 'right', 'k'));
    await expectRefused(s3, { Bucket: 'left', Key: 'k', ...get });
  });

  it('records swapped with their bodies (the metadata file edited): both GETs fail', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'records' });
    await s3.putObject({ Bucket: 'records', Key: 'a', Body: bodyFor('a'), ...put });
    await s3.putObject({ Bucket: 'records', Key: 'b', Body: bodyFor('b'), ...put });
    const { objects } = internals(s3).buckets.get('records')!;
    const [a, b] = [objects.get('a')!, objects.get('b')!];
    objects.set('a', b);
    objects.set('b', a);
    await expectRefused(s3, { Bucket: 'records', Key: 'a', ...get });
    await expectRefused(s3, { Bucket: 'records', Key: 'b', ...get });
  });

  it('an older version\'s body copied to a newer version of the same key, or to a forged version: GETs of it fail', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'history' });
    await s3.putBucketVersioning({ Bucket: 'history', VersioningConfiguration: { Status: 'Enabled' } });
    const v1Body = bodyFor('v1');
    const v1 = await s3.putObject({ Bucket: 'history', Key: 'doc', Body: v1Body, ...put });
    const v2 = await s3.putObject({ Bucket: 'history', Key: 'doc', Body: bodyFor('v2'), ...put });
    const { bodies } = internals(s3).bodies;
    const [first, second] = versionsOf(s3, 'history', 'doc');
    const secondBody = bodies.get(second!.bodyId)!;
    bodies.set(second!.bodyId, bodies.get(first!.bodyId)!);
    await expectRefused(s3, { Bucket: 'history', Key: 'doc', ...get });
    await expectRefused(s3, { Bucket: 'history', Key: 'doc', VersionId: v2.VersionId, ...get });
    await expectBody(s3, { Bucket: 'history', Key: 'doc', VersionId: v1.VersionId, ...get }, v1Body);
    bodies.set(second!.bodyId, secondBody);
    // A version record the store never wrote, pointing at v1's body: the body names v1, not it.
    versionsOf(s3, 'history', 'doc').push({ ...first!, versionId: 'forged-version' });
    await expectRefused(s3, { Bucket: 'history', Key: 'doc', ...get });
    await expectRefused(s3, { Bucket: 'history', Key: 'doc', VersionId: 'forged-version', ...get });
  });

  it('in a directory store: body files swapped on disk are refused by the binding; records swapped in the metadata file by its MAC', async () => {
    const dir = tempDir();
    const { kms, s3 } = setup(dir);
    await s3.createBucket({ Bucket: 'disk' });
    await s3.putObject({ Bucket: 'disk', Key: 'a', Body: bodyFor('a'), ...put });
    await s3.putObject({ Bucket: 'disk', Key: 'b', Body: bodyFor('b'), ...put });
    const file = (key: string) => join(dir, 'objects', `${latest(s3, 'disk', key).bodyId}.bin`);
    const [fileA, fileB] = [file('a'), file('b')];
    const swapFiles = () => {
      renameSync(fileA, join(dir, 'objects', 'swapping'));
      renameSync(fileB, fileA);
      renameSync(join(dir, 'objects', 'swapping'), fileB);
    };
    await s3.close(); // one writer per directory: the first store lets go before the next opens it
    swapFiles();
    const reopened = new ObjectStore({ kms, dir });
    await expectRefused(reopened, { Bucket: 'disk', Key: 'a', ...get });
    await expectRefused(reopened, { Bucket: 'disk', Key: 'b', ...get });
    await reopened.close();
    // The files back in place, then the records swapped (each pointing at its own body file, under the other's key):
    // the journal's MACs refuse the edit before any body is read.
    swapFiles();
    const journalPath = join(dir, 's3-journal.log');
    const swapped = readFileSync(journalPath, 'utf8').replaceAll('"key":"a"', '"key":"@"').replaceAll('"key":"b"', '"key":"a"').replaceAll('"key":"@"', '"key":"b"');
    expect(swapped).not.toBe(readFileSync(journalPath, 'utf8'));
    writeFileSync(journalPath, swapped);
    const edited = new ObjectStore({ kms, dir });
    await expect(edited.getObject({ Bucket: 'disk', Key: 'a', ...get })).rejects.toMatchObject({ name: 'StoreIntegrityError' });
  });
});

describe('body binding: what KMS and users see', () => {
  it('KMS sees only AWS\'s encryption context (the object ARN, and the caller\'s pairs); the version pair stays in the store', async () => {
    const { kms, s3 } = setup();
    await s3.createBucket({ Bucket: 'contexts' });
    await s3.putBucketVersioning({ Bucket: 'contexts', VersioningConfiguration: { Status: 'Enabled' } });
    const context = Buffer.from(JSON.stringify({ department: 'audit' })).toString('base64');
    await s3.putObject({ Bucket: 'contexts', Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: context });
    await s3.getObject({ Bucket: 'contexts', Key: 'k' });
    const records = [...await kms.listAuditRecords({ EventName: 'GenerateDataKey' }), ...await kms.listAuditRecords({ EventName: 'Decrypt' })];
    expect(records).toHaveLength(2);
    for (const record of records) expect(record.encryptionContext).toEqual({ 'aws:s3:arn': 'arn:aws:s3:::contexts/k', department: 'audit' });
  });

  it('a caller cannot set the binding pairs through SSEKMSEncryptionContext', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'reserved' });
    for (const key of ['aws:s3:arn', 'kms-wasm:s3:version-id', 'kms-wasm:s3:part']) {
      const context = Buffer.from(JSON.stringify({ [key]: 'mine' })).toString('base64');
      await expect(s3.putObject({ Bucket: 'reserved', Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: context }))
        .rejects.toMatchObject({ name: 'InvalidArgument' });
    }
    await expect(s3.getObject({ Bucket: 'reserved', Key: 'k' })).rejects.toMatchObject({ name: 'NoSuchKey' });
  });
});

describe('client-side encryption (S3EncryptionClient): what binds an object', () => {
  async function clients() {
    const { kms, s3 } = setup();
    await s3.createBucket({ Bucket: 'cse' });
    const { KeyMetadata } = await kms.createKey();
    return { kms, s3, cseKms: new S3EncryptionClient({ s3, kms, kmsKeyId: KeyMetadata.KeyId }), cseC: new S3EncryptionClient({ s3, masterKey: rng.bytes(32) }) };
  }

  it('a body moved without its metadata fails GCM in CSE-KMS and CSE-C (its data key and IV are another object\'s)', async () => {
    const { s3, cseKms, cseC } = await clients();
    for (const client of [cseKms, cseC]) {
      await client.putObject({ Bucket: 'cse', Key: 'a', Body: bodyFor('a') });
      await client.putObject({ Bucket: 'cse', Key: 'b', Body: bodyFor('b') });
      const { bodies } = internals(s3).bodies;
      bodies.set(latest(s3, 'cse', 'a').bodyId, bodies.get(latest(s3, 'cse', 'b').bodyId)!);
      await expect(client.getObject({ Bucket: 'cse', Key: 'a' })).rejects.toThrow(AuthenticationError);
    }
  });

  it('CSE-KMS: an object swapped with its metadata is refused when the GET names the encryption context it was stored with, before KMS is asked', async () => {
    const { kms, s3, cseKms } = await clients();
    const contextOf = (key: string) => ({ bucket: 'cse', key });
    const a = bodyFor('a');
    await cseKms.putObject({ Bucket: 'cse', Key: 'a', Body: a, EncryptionContext: contextOf('a') });
    await cseKms.putObject({ Bucket: 'cse', Key: 'b', Body: bodyFor('b'), EncryptionContext: contextOf('b') });
    expect(Buffer.from((await (await cseKms.getObject({ Bucket: 'cse', Key: 'a', EncryptionContext: { key: 'a', bucket: 'cse' } })).Body.transformToByteArray())).equals(a)).toBe(true);
    const { objects } = internals(s3).buckets.get('cse')!;
    const [recordsA, recordsB] = [objects.get('a')!, objects.get('b')!];
    objects.set('a', recordsB);
    objects.set('b', recordsA);
    const decrypts = (await kms.listAuditRecords({ EventName: 'Decrypt' })).length;
    for (const key of ['a', 'b']) {
      await expect(cseKms.getObject({ Bucket: 'cse', Key: key, EncryptionContext: contextOf(key) })).rejects.toThrow(AuthenticationError);
    }
    // A context that is a part of the stored one, or more than it, does not match either.
    objects.set('a', recordsA);
    await expect(cseKms.getObject({ Bucket: 'cse', Key: 'a', EncryptionContext: { key: 'a' } })).rejects.toThrow(AuthenticationError);
    await expect(cseKms.getObject({ Bucket: 'cse', Key: 'a', EncryptionContext: { ...contextOf('a'), extra: '' } })).rejects.toThrow(AuthenticationError);
    expect((await kms.listAuditRecords({ EventName: 'Decrypt' })).length).toBe(decrypts);
  });

  it('CSE-C has no authenticated context to check: a GET that names one is refused', async () => {
    const { cseC } = await clients();
    await cseC.putObject({ Bucket: 'cse', Key: 'c', Body: 'x' });
    await expect(cseC.getObject({ Bucket: 'cse', Key: 'c', EncryptionContext: { key: 'c' } })).rejects.toMatchObject({ name: 'InvalidArgument' });
  });
});
