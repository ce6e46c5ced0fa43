import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore } from '../../src/node.js';
import { AuthenticatedMetadata } from '../../src/kms/authenticated-metadata.js';
import type { ObjectBodies } from '../../src/s3/object-bodies.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const tempDir = temporaryDirectories('kms-wasm-s3-');
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('ObjectStore in a directory', () => {
  it('a store whose directory could not be read at first loads on a later call', async () => {
    const dir = join(tempDir(), 'store');
    writeFileSync(dir, 'a file where the store directory goes');
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const store = new ObjectStore({ kms, dir });
    await expect(store.createBucket({ Bucket: 'late' })).rejects.toThrow();
    rmSync(dir);
    await store.createBucket({ Bucket: 'late' });
    await store.putObject({ Bucket: 'late', Key: 'k', Body: 'loaded', ServerSideEncryption: 'AES256' });
    await store.close();
    expect(text((await (await new ObjectStore({ kms, dir }).getObject({ Bucket: 'late', Key: 'k' })).Body.transformToByteArray()))).toBe('loaded');
  });

  it('a deleted bucket stays deleted after reopening, and its name can be created again', async () => {
    const dir = tempDir();
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const store = new ObjectStore({ kms, dir });
    await store.createBucket({ Bucket: 'gone' });
    await store.createBucket({ Bucket: 'kept' });
    await store.putObject({ Bucket: 'gone', Key: 'k', Body: 'x' });
    await expect(store.deleteBucket({ Bucket: 'gone' })).rejects.toMatchObject({ name: 'BucketNotEmpty' });
    await store.deleteObject({ Bucket: 'gone', Key: 'k' });
    await store.deleteBucket({ Bucket: 'gone' });
    await store.close();
    const reopened = new ObjectStore({ kms, dir });
    expect((await reopened.listBuckets()).Buckets.map((b) => b.Name)).toEqual(['kept']);
    await reopened.createBucket({ Bucket: 'gone' });
    await reopened.close();
    expect((await new ObjectStore({ kms, dir }).listBuckets()).Buckets.map((b) => b.Name)).toEqual(['gone', 'kept']);
  });

  it('a call whose metadata save fails leaves nothing behind, and later saves write again', async () => {
    const dir = tempDir();
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const store = new ObjectStore({ kms, dir });
    await store.createBucket({ Bucket: 'logs' });
    await store.putObject({ Bucket: 'logs', Key: 'kept', Body: 'old' });
    const bodies = () => readdirSync(join(dir, 'objects')).sort();
    const bodiesBefore = bodies();
    const metadata = join(dir, 's3-journal.log');
    renameSync(metadata, `${metadata}.aside`);
    mkdirSync(metadata); // a directory where the journal goes: every append fails
    await expect(store.putObject({ Bucket: 'logs', Key: 'a', Body: 'first' })).rejects.toThrow();
    await expect(store.putObject({ Bucket: 'logs', Key: 'kept', Body: 'new' })).rejects.toThrow();
    await expect(store.deleteObject({ Bucket: 'logs', Key: 'kept' })).rejects.toThrow();
    await expect(store.createBucket({ Bucket: 'more-logs' })).rejects.toThrow();
    await expect(store.putBucketVersioning({ Bucket: 'logs', VersioningConfiguration: { Status: 'Enabled' } })).rejects.toThrow();
    await expect(store.putBucketEncryption({ Bucket: 'logs', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } })).rejects.toThrow();
    await expect(store.getObject({ Bucket: 'logs', Key: 'a' })).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect(text((await (await store.getObject({ Bucket: 'logs', Key: 'kept' })).Body.transformToByteArray()))).toBe('old');
    await expect(store.putObject({ Bucket: 'more-logs', Key: 'k', Body: 'x' })).rejects.toMatchObject({ name: 'NoSuchBucket' });
    expect((await store.getBucketVersioning({ Bucket: 'logs' })).Status).toBeUndefined();
    // The failed PutBucketEncryption left the bucket at the base level every bucket has: SSE-S3.
    expect((await store.getBucketEncryption({ Bucket: 'logs' })).ServerSideEncryptionConfiguration.Rules)
      .toEqual([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }]);
    expect(bodies()).toEqual(bodiesBefore);
    rmSync(metadata, { recursive: true });
    renameSync(`${metadata}.aside`, metadata);
    await store.putObject({ Bucket: 'logs', Key: 'b', Body: 'second' });
    await store.close();
    const reopened = new ObjectStore({ kms, dir });
    expect(text((await (await reopened.getObject({ Bucket: 'logs', Key: 'b' })).Body.transformToByteArray()))).toBe('second');
    expect(text((await (await reopened.getObject({ Bucket: 'logs', Key: 'kept' })).Body.transformToByteArray()))).toBe('old');
    await expect(reopened.getObject({ Bucket: 'logs', Key: 'a' })).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('persists buckets, settings and objects of every mode for a second store; the files hold no plaintext', async () => {
    const dir = tempDir();
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const first = new ObjectStore({ kms, dir });
    await first.createBucket({ Bucket: 'archive' });
    await first.putBucketEncryption({ Bucket: 'archive', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } });
    await first.putBucketVersioning({ Bucket: 'archive', VersioningConfiguration: { Status: 'Enabled' } });
    const marker = 'PLAINTEXT-MARKER-that-must-not-be-on-disk';
    const customerKey = Buffer.alloc(32, 7);
    const sseC = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64') };
    const v1 = await first.putObject({ Bucket: 'archive', Key: 'default', Body: `${marker} v1` });
    await first.putObject({ Bucket: 'archive', Key: 'default', Body: `${marker} v2` });
    await first.putObject({ Bucket: 'archive', Key: 'sse-s3', Body: marker, ServerSideEncryption: 'AES256' });
    await first.putObject({ Bucket: 'archive', Key: 'dsse', Body: marker, ServerSideEncryption: 'aws:kms:dsse' });
    await first.putObject({ Bucket: 'archive', Key: 'sse-c', Body: marker, ...sseC });

    for (const file of allFiles(dir)) {
      const bytes = readFileSync(file);
      expect(bytes.includes(marker), file).toBe(false);
      expect(bytes.includes(customerKey.toString('base64')), file).toBe(false);
      expect(statSync(file).mode & 0o077, file).toBe(0);
    }
    await first.close();

    const second = new ObjectStore({ kms, dir });
    expect(text((await (await second.getObject({ Bucket: 'archive', Key: 'default' })).Body.transformToByteArray()))).toBe(`${marker} v2`);
    expect(text((await (await second.getObject({ Bucket: 'archive', Key: 'default', VersionId: v1.VersionId })).Body.transformToByteArray()))).toBe(`${marker} v1`);
    expect(text((await (await second.getObject({ Bucket: 'archive', Key: 'sse-s3' })).Body.transformToByteArray()))).toBe(marker);
    expect(text((await (await second.getObject({ Bucket: 'archive', Key: 'dsse', Range: 'bytes=0-15' })).Body.transformToByteArray()))).toBe(marker.slice(0, 16));
    expect(text((await (await second.getObject({ Bucket: 'archive', Key: 'sse-c', ...sseC })).Body.transformToByteArray()))).toBe(marker);
    expect((await second.putObject({ Bucket: 'archive', Key: 'new', Body: 'x' })).ServerSideEncryption).toBe('aws:kms');
    expect((await second.getBucketVersioning({ Bucket: 'archive' })).Status).toBe('Enabled');
  });

  it('a crash while writing a new version leaves the old one readable', async () => {
    const dir = tempDir();
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const store = new ObjectStore({ kms, dir });
    await store.createBucket({ Bucket: 'fragile' });
    await store.putObject({ Bucket: 'fragile', Key: 'doc', Body: 'the old version', ServerSideEncryption: 'AES256' });
    // A power cut mid-write: the body write dies (and leaves a half-written temporary file behind).
    const bodies = (store as unknown as { bodies: ObjectBodies }).bodies;
    bodies.create = async (id) => ({
      write: async () => {
        writeFileSync(join(dir, 'objects', `${id}.bin.crash.tmp`), 'half');
        throw new Error('power cut');
      },
      commit: async () => undefined,
      abort: async () => undefined, // the crash leaves its temporary file
    });
    await expect(store.putObject({ Bucket: 'fragile', Key: 'doc', Body: 'the new version', ServerSideEncryption: 'AES256' })).rejects.toThrow('power cut');
    await store.close();
    const restarted = new ObjectStore({ kms, dir });
    expect(text((await (await restarted.getObject({ Bucket: 'fragile', Key: 'doc' })).Body.transformToByteArray()))).toBe('the old version');
    await restarted.putObject({ Bucket: 'fragile', Key: 'doc', Body: 'written after restart' });
    await restarted.close();
    expect(text((await (await new ObjectStore({ kms, dir }).getObject({ Bucket: 'fragile', Key: 'doc' })).Body.transformToByteArray()))).toBe('written after restart');
  });
});

describe('SSE-S3 root key rotation', () => {
  it('new objects use the new root key; older objects still decrypt, also after a restart', async () => {
    const dir = tempDir();
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const store = new ObjectStore({ kms, dir });
    await store.createBucket({ Bucket: 'rotating' });
    await store.putObject({ Bucket: 'rotating', Key: 'old', Body: 'under root 1', ServerSideEncryption: 'AES256' });
    expect(await store.rotateSseS3RootKey()).toEqual({ RootKeyId: 'root-2' });
    await store.putObject({ Bucket: 'rotating', Key: 'new', Body: 'under root 2', ServerSideEncryption: 'AES256' });
    const header = (bytes: Uint8Array) => Buffer.from(bytes.subarray(0, 300)).toString('latin1');
    expect(header((await store.storedBytes('rotating', 'old'))!)).toContain('root-1');
    expect(header((await store.storedBytes('rotating', 'new'))!)).toContain('root-2');
    expect(statSync(join(dir, 'sse-s3-root.key')).size).toBe(64);
    await store.close();
    const restarted = new ObjectStore({ kms, dir });
    expect(text((await (await restarted.getObject({ Bucket: 'rotating', Key: 'old' })).Body.transformToByteArray()))).toBe('under root 1');
    expect(text((await (await restarted.getObject({ Bucket: 'rotating', Key: 'new' })).Body.transformToByteArray()))).toBe('under root 2');
  });

  it('a root key is used only once stored: a failed rotation changes nothing, concurrent ones each persist theirs', async () => {
    const dir = tempDir();
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const store = new ObjectStore({ kms, dir });
    await store.createBucket({ Bucket: 'rotating' });
    const keyFile = join(dir, 'sse-s3-root.key');
    const rootKey = readFileSync(keyFile);
    rmSync(keyFile);
    mkdirSync(keyFile); // the key file cannot be replaced now
    await expect(store.rotateSseS3RootKey()).rejects.toThrow();
    await store.putObject({ Bucket: 'rotating', Key: 'after-failure', Body: 'still root 1', ServerSideEncryption: 'AES256' });
    rmSync(keyFile, { recursive: true });
    writeFileSync(keyFile, rootKey, { mode: 0o600 });
    const ids = await Promise.all([store.rotateSseS3RootKey(), store.rotateSseS3RootKey()]);
    expect(ids.map((r) => r.RootKeyId).sort()).toEqual(['root-2', 'root-3']);
    await store.putObject({ Bucket: 'rotating', Key: 'after-two', Body: 'root 3', ServerSideEncryption: 'AES256' });
    expect(statSync(keyFile).size).toBe(96);
    await store.close();
    const restarted = new ObjectStore({ kms, dir });
    expect(text((await (await restarted.getObject({ Bucket: 'rotating', Key: 'after-failure' })).Body.transformToByteArray()))).toBe('still root 1');
    expect(text((await (await restarted.getObject({ Bucket: 'rotating', Key: 'after-two' })).Body.transformToByteArray()))).toBe('root 3');
  });
});

/** A directory store holding one object, still open. */
async function storeWithObject() {
  const dir = tempDir();
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const store = new ObjectStore({ kms, dir });
  await store.createBucket({ Bucket: 'kept' });
  await store.putObject({ Bucket: 'kept', Key: 'doc', Body: 'body', ServerSideEncryption: 'AES256' });
  return { dir, kms, store, file: join(dir, 's3-journal.log') };
}

describe('ObjectStore records are authenticated', () => {
  /** A journal's lines (each with its newline). */
  const linesOf = (t: string) => t.split(/(?<=\n)/);
  const damages: Array<[string, (text: string) => string]> = [
    ['a byte changed in a record', (t) => t.replace('"kept"', '"kepu"')],
    ['a MAC changed', (t) => t.replace(/^(.)/, (c: string) => (c === 'a' ? 'b' : 'a'))],
    ['a record removed (the first: removing the last cannot be told from an older journal)', (t) => linesOf(t).slice(1).join('')],
    ['two records swapped', (t) => { const l = linesOf(t); return [l[1], l[0], ...l.slice(2)].join(''); }],
    ['the newlines removed (every record on one line)', (t) => t.replaceAll('\n', '')],
    ['the last newline changed into another byte', (t) => `${t.slice(0, -1)}x`],
    ['garbage', () => '\u0000\u0000not a journal\n'],
  ];
  for (const [what, damage] of damages) {
    it(`${what}: a StoreIntegrityError, and nothing is changed or cleaned up`, async () => {
      const { dir, kms, store: writer, file } = await storeWithObject();
      await writer.close();
      const damaged = damage(readFileSync(file, 'utf8'));
      expect(damaged).not.toBe(readFileSync(file, 'utf8'));
      writeFileSync(file, damaged);
      const store = new ObjectStore({ kms, dir });
      await expect(store.getObject({ Bucket: 'kept', Key: 'doc' })).rejects.toMatchObject({ name: 'StoreIntegrityError', file, message: expect.stringMatching(/does not authenticate/) });
      await expect(store.createBucket({ Bucket: 'another' })).rejects.toMatchObject({ name: 'StoreIntegrityError' });
      expect(readFileSync(file, 'utf8')).toBe(damaged);
      expect(readdirSync(join(dir, 'objects'))).toHaveLength(1); // nothing cleaned up on the word of a damaged journal
      await store.close();
    });
  }

  it('every single flipped byte of the journal is refused', async () => {
    const { dir, kms, store: writer, file } = await storeWithObject();
    await writer.putBucketVersioning({ Bucket: 'kept', VersioningConfiguration: { Status: 'Enabled' } });
    await writer.close();
    const journal = readFileSync(file);
    for (let i = 0; i < journal.length; i++) {
      const flipped = Buffer.from(journal);
      flipped[i]! ^= 0x01;
      writeFileSync(file, flipped);
      const store = new ObjectStore({ kms, dir });
      await expect(store.headObject({ Bucket: 'kept', Key: 'doc' }), `byte ${i}`).rejects.toMatchObject({ name: 'StoreIntegrityError' });
      await store.close();
    }
  });

  it('a torn final record (a crash mid-append: no newline, not authentic) is cut off; the records before it stay', async () => {
    const { dir, kms, store: writer, file } = await storeWithObject();
    await writer.close();
    const whole = readFileSync(file, 'utf8');
    for (const cut of [1, 30, 65, 90]) {
      writeFileSync(file, `${whole}${whole.split('\n')[1]!.slice(0, cut)}`);
      const store = new ObjectStore({ kms, dir });
      expect(await (await store.getObject({ Bucket: 'kept', Key: 'doc' })).Body.transformToString()).toBe('body');
      await store.putObject({ Bucket: 'kept', Key: `after-${cut}`, Body: 'next' });
      await store.close();
      const reopened = new ObjectStore({ kms, dir });
      expect(await (await reopened.getObject({ Bucket: 'kept', Key: `after-${cut}` })).Body.transformToString()).toBe('next');
      await reopened.deleteObject({ Bucket: 'kept', Key: `after-${cut}` });
      await reopened.close();
      writeFileSync(file, whole);
    }
    // A whole last record whose newline never made it to disk is kept.
    writeFileSync(file, whole.slice(0, -1));
    const store = new ObjectStore({ kms, dir });
    expect(await (await store.getObject({ Bucket: 'kept', Key: 'doc' })).Body.transformToString()).toBe('body');
    await store.close();
  });

  it('a journal removed from a store that has records is refused, not taken for a new store', async () => {
    const { dir, kms, store: writer, file } = await storeWithObject();
    await writer.close();
    rmSync(file);
    const store = new ObjectStore({ kms, dir });
    await expect(store.listObjectsV2({ Bucket: 'kept' })).rejects.toMatchObject({ name: 'StoreIntegrityError', message: expect.stringMatching(/is missing/) });
    expect(readdirSync(join(dir, 'objects'))).toHaveLength(1);
    await store.close();
  });

  // SSE-S3 became every bucket's base level (as on Amazon S3 since 5 January 2023); what was stored before stays as it was stored.
  it('an object an earlier release stored unencrypted stays readable as stored, shown without ServerSideEncryption; a new PUT of its key is SSE-S3', async () => {
    const dir = tempDir();
    const bodyId = crypto.randomUUID();
    mkdirSync(join(dir, 'objects'), { recursive: true });
    writeFileSync(join(dir, 'objects', `${bodyId}.bin`), 'stored in the clear');
    const version = { versionId: 'null', bodyId, size: 19, etag: '"0123456789abcdef0123456789abcdef"', lastModified: '2022-12-01T00:00:00.000Z', metadata: {} };
    writeFileSync(join(dir, 's3-state.json'), JSON.stringify({ buckets: [{ name: 'old', owner: '111122223333', created: '2022-12-01T00:00:00.000Z',
      objects: [['doc', [version]]] }] }));
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const store = new ObjectStore({ kms, dir });
    const got = await store.getObject({ Bucket: 'old', Key: 'doc' });
    expect(got.ServerSideEncryption).toBeUndefined();
    expect(await got.Body.transformToString()).toBe('stored in the clear');
    expect(await (await store.getObject({ Bucket: 'old', Key: 'doc', Range: 'bytes=10-12' })).Body.transformToString()).toBe('the');
    expect((await store.headObject({ Bucket: 'old', Key: 'doc' })).ServerSideEncryption).toBeUndefined();
    expect((await store.putObject({ Bucket: 'old', Key: 'doc', Body: 'written again, now sealed' })).ServerSideEncryption).toBe('AES256');
    expect((await store.headObject({ Bucket: 'old', Key: 'doc' })).ServerSideEncryption).toBe('AES256');
    expect(Buffer.from((await store.storedBytes('old', 'doc'))!).includes('written again')).toBe(false);
    await store.close();
  });

  it('a store written by kms-wasm 0.1 (one s3-state.json, plain or authenticated) is carried over to the journal', async () => {
    for (const legacyKey of [false, true]) {
      const { dir, kms, store: writer, file } = await storeWithObject();
      await writer.close();
      // The same records as 0.1 wrote them: buckets with their objects, in one JSON document.
      const records = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line.slice(65)) as Record<string, any>);
      const buckets = records.filter((r) => r.bucket).map((r) => ({ ...r.bucket, objects: [] as unknown[] }));
      for (const { put } of records.filter((r) => r.put)) buckets.find((b) => b.name === put.bucket)!.objects.push([put.key, [put.version]]);
      rmSync(file);
      if (!legacyKey) rmSync(join(dir, 's3-state.key'));
      if (legacyKey) await (await AuthenticatedMetadata.open(dir, 's3-state')).metadata.write({ buckets });
      else writeFileSync(join(dir, 's3-state.json'), JSON.stringify({ buckets }));
      const store = new ObjectStore({ kms, dir });
      expect(await (await store.getObject({ Bucket: 'kept', Key: 'doc' })).Body.transformToString()).toBe('body');
      await store.close();
      expect(readdirSync(dir)).not.toContain('s3-state.json');
      expect(readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64} \{"bucket"/);
      expect(statSync(join(dir, 's3-state.key')).mode & 0o777).toBe(0o600);
    }
  });
});

describe('ObjectStore residue', () => {
  it('on open, removes temporary files (bodies and metadata) and bodies that neither a version nor a live upload\'s part names', async () => {
    const { dir, kms, store } = await storeWithObject();
    const { UploadId } = await store.createMultipartUpload({ Bucket: 'kept', Key: 'big' });
    await store.uploadPart({ Bucket: 'kept', Key: 'big', UploadId, PartNumber: 1, Body: new Uint8Array(5 * 1024 * 1024) });
    await store.close(); // the upload is a journal record: it outlives this store object
    const objects = join(dir, 'objects');
    const named = readdirSync(objects).sort();
    expect(named).toHaveLength(2); // the object's body and the part
    writeFileSync(join(objects, `${crypto.randomUUID()}.bin.${crypto.randomUUID()}.tmp`), 'a write cut short');
    writeFileSync(join(objects, `${crypto.randomUUID()}.bin`), 'a body whose version was never recorded');
    for (const file of ['s3-journal.log', 's3-state.json', 's3-state.key', 'sse-s3-root.key']) writeFileSync(join(dir, `${file}.${crypto.randomUUID()}.tmp`), 'cut short');
    const reopened = new ObjectStore({ kms, dir });
    expect(text((await (await reopened.getObject({ Bucket: 'kept', Key: 'doc' })).Body.transformToByteArray()))).toBe('body');
    expect(readdirSync(objects).sort()).toEqual(named);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await reopened.close();
  });
});
