import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore } from '../../src/index.js';
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
    expect(text((await new ObjectStore({ kms, dir }).getObject({ Bucket: 'late', Key: 'k' })).Body)).toBe('loaded');
  });

  it('a call whose metadata save fails leaves nothing behind, and later saves write again', async () => {
    const dir = tempDir();
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const store = new ObjectStore({ kms, dir });
    await store.createBucket({ Bucket: 'logs' });
    await store.putObject({ Bucket: 'logs', Key: 'kept', Body: 'old' });
    const bodies = () => readdirSync(join(dir, 'objects')).sort();
    const bodiesBefore = bodies();
    const metadata = join(dir, 's3-state.json');
    rmSync(metadata);
    mkdirSync(metadata); // a directory where the metadata file goes: every save fails at its rename
    await expect(store.putObject({ Bucket: 'logs', Key: 'a', Body: 'first' })).rejects.toThrow();
    await expect(store.putObject({ Bucket: 'logs', Key: 'kept', Body: 'new' })).rejects.toThrow();
    await expect(store.deleteObject({ Bucket: 'logs', Key: 'kept' })).rejects.toThrow();
    await expect(store.createBucket({ Bucket: 'more-logs' })).rejects.toThrow();
    await expect(store.putBucketVersioning({ Bucket: 'logs', VersioningConfiguration: { Status: 'Enabled' } })).rejects.toThrow();
    await expect(store.putBucketEncryption({ Bucket: 'logs', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } })).rejects.toThrow();
    await expect(store.getObject({ Bucket: 'logs', Key: 'a' })).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect(text((await store.getObject({ Bucket: 'logs', Key: 'kept' })).Body)).toBe('old');
    await expect(store.putObject({ Bucket: 'more-logs', Key: 'k', Body: 'x' })).rejects.toMatchObject({ name: 'NoSuchBucket' });
    expect((await store.getBucketVersioning({ Bucket: 'logs' })).Status).toBeUndefined();
    await expect(store.getBucketEncryption({ Bucket: 'logs' })).rejects.toMatchObject({ name: 'ServerSideEncryptionConfigurationNotFoundError' });
    expect(bodies()).toEqual(bodiesBefore);
    rmSync(metadata, { recursive: true });
    await store.putObject({ Bucket: 'logs', Key: 'b', Body: 'second' });
    await store.close();
    const reopened = new ObjectStore({ kms, dir });
    expect(text((await reopened.getObject({ Bucket: 'logs', Key: 'b' })).Body)).toBe('second');
    expect(text((await reopened.getObject({ Bucket: 'logs', Key: 'kept' })).Body)).toBe('old');
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
    expect(text((await second.getObject({ Bucket: 'archive', Key: 'default' })).Body)).toBe(`${marker} v2`);
    expect(text((await second.getObject({ Bucket: 'archive', Key: 'default', VersionId: v1.VersionId })).Body)).toBe(`${marker} v1`);
    expect(text((await second.getObject({ Bucket: 'archive', Key: 'sse-s3' })).Body)).toBe(marker);
    expect(text((await second.getObject({ Bucket: 'archive', Key: 'dsse', Range: 'bytes=0-15' })).Body)).toBe(marker.slice(0, 16));
    expect(text((await second.getObject({ Bucket: 'archive', Key: 'sse-c', ...sseC })).Body)).toBe(marker);
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
    const bodies = (store as unknown as { bodies: { write(id: string, bytes: Uint8Array): Promise<void> } }).bodies;
    bodies.write = async (id) => {
      writeFileSync(join(dir, 'objects', `${id}.bin.crash.tmp`), 'half');
      throw new Error('power cut');
    };
    await expect(store.putObject({ Bucket: 'fragile', Key: 'doc', Body: 'the new version', ServerSideEncryption: 'AES256' })).rejects.toThrow('power cut');
    await store.close();
    const restarted = new ObjectStore({ kms, dir });
    expect(text((await restarted.getObject({ Bucket: 'fragile', Key: 'doc' })).Body)).toBe('the old version');
    await restarted.putObject({ Bucket: 'fragile', Key: 'doc', Body: 'written after restart' });
    await restarted.close();
    expect(text((await new ObjectStore({ kms, dir }).getObject({ Bucket: 'fragile', Key: 'doc' })).Body)).toBe('written after restart');
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
    expect(text((await restarted.getObject({ Bucket: 'rotating', Key: 'old' })).Body)).toBe('under root 1');
    expect(text((await restarted.getObject({ Bucket: 'rotating', Key: 'new' })).Body)).toBe('under root 2');
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
    expect(text((await restarted.getObject({ Bucket: 'rotating', Key: 'after-failure' })).Body)).toBe('still root 1');
    expect(text((await restarted.getObject({ Bucket: 'rotating', Key: 'after-two' })).Body)).toBe('root 3');
  });
});

/** A directory store holding one object, still open. */
async function storeWithObject() {
  const dir = tempDir();
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const store = new ObjectStore({ kms, dir });
  await store.createBucket({ Bucket: 'kept' });
  await store.putObject({ Bucket: 'kept', Key: 'doc', Body: 'body', ServerSideEncryption: 'AES256' });
  return { dir, kms, store, file: join(dir, 's3-state.json') };
}

describe('ObjectStore metadata is authenticated', () => {

  const damages: Array<[string, (text: string) => string, RegExp]> = [
    ['truncated JSON', (t) => t.slice(0, t.length - 20), /does not authenticate/],
    ['a byte flipped in a MAC-covered field', (t) => t.replace('"kept"', '"kepu"'), /does not authenticate/],
    ['the MAC changed', (t) => t.replace(/hmac-sha256=(.)/, (_, c: string) => `hmac-sha256=${c === 'a' ? 'b' : 'a'}`), /does not authenticate/],
    ['the header removed (a plain JSON file once the store has a metadata key)', (t) => t.replace(/^.*\n/, ''), /has no kms-wasm metadata header/],
    ['garbage', () => '\u0000\u0000not json', /has no kms-wasm metadata header/],
  ];
  for (const [what, damage, message] of damages) {
    it(`${what}: a StoreIntegrityError (not a SyntaxError), and the file is left as it is`, async () => {
      const { dir, kms, store: writer, file } = await storeWithObject();
      await writer.close();
      const damaged = damage(readFileSync(file, 'utf8'));
      writeFileSync(file, damaged);
      const store = new ObjectStore({ kms, dir });
      await expect(store.getObject({ Bucket: 'kept', Key: 'doc' })).rejects.toMatchObject({ name: 'StoreIntegrityError', file, message });
      await expect(store.createBucket({ Bucket: 'another' })).rejects.toMatchObject({ name: 'StoreIntegrityError' });
      expect(readFileSync(file, 'utf8')).toBe(damaged);
      expect(readdirSync(join(dir, 'objects'))).toHaveLength(1); // nothing cleaned up on the word of damaged metadata
      await store.close();
    });
  }

  it('a store written by kms-wasm 0.1 (plain JSON, no metadata key) is adopted once and authenticated from then on', async () => {
    const { dir, kms, store: writer, file } = await storeWithObject();
    await writer.close();
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^.*\n/, ''));
    rmSync(join(dir, 's3-state.key'));
    const store = new ObjectStore({ kms, dir });
    expect(text((await store.getObject({ Bucket: 'kept', Key: 'doc' })).Body)).toBe('body');
    await store.close();
    expect(readFileSync(file, 'utf8')).toMatch(/^kms-wasm-metadata v2 hmac-sha256=[0-9a-f]{64}\n\{/);
    expect(statSync(join(dir, 's3-state.key')).mode & 0o777).toBe(0o600);
  });
});

describe('ObjectStore residue', () => {
  it('on open, removes temporary files (bodies and metadata), bodies no version names and parts of uploads that died with their store', async () => {
    const { dir, kms, store } = await storeWithObject();
    const { UploadId } = await store.createMultipartUpload({ Bucket: 'kept', Key: 'big' });
    await store.uploadPart({ Bucket: 'kept', Key: 'big', UploadId, PartNumber: 1, Body: new Uint8Array(5 * 1024 * 1024) });
    await store.close(); // the upload lived in this store object only
    const objects = join(dir, 'objects');
    const named = readdirSync(objects).sort();
    expect(named).toHaveLength(2); // the object's body and the part
    writeFileSync(join(objects, `${crypto.randomUUID()}.bin.${crypto.randomUUID()}.tmp`), 'a write cut short');
    writeFileSync(join(objects, `${crypto.randomUUID()}.bin`), 'a body whose version was never recorded');
    for (const file of ['s3-state.json', 's3-state.key', 'sse-s3-root.key']) writeFileSync(join(dir, `${file}.${crypto.randomUUID()}.tmp`), 'cut short');
    const reopened = new ObjectStore({ kms, dir });
    expect(text((await reopened.getObject({ Bucket: 'kept', Key: 'doc' })).Body)).toBe('body');
    expect(readdirSync(objects)).toHaveLength(1);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(named).toContain(readdirSync(objects)[0]);
    await reopened.close();
  });
});
