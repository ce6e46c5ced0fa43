// The S3 Encryption Client (s3-encryption-client.ts, cse-metadata.ts) against what a misuser or
// someone with write access to the bucket does: metadata rewritten (tag length, IV, wrap and content
// algorithms, x-amz-matdesc), a context that is not the object's, a CSE-C client given a context, the
// wrong kind of client, and the stored format opened with node:crypto as AWS's clients would.
import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, encryptMessage, KeyManagementService, ObjectStore, S3EncryptionClient } from '../../src/index.js';
import { cseMetadata, FRAMED_CEK_ALG, GCM_CEK_ALG, KMS_WRAP_ALG } from '../../src/s3/cse-metadata.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(121);
const BUCKET = 'client-side';

async function setup() {
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const s3 = new ObjectStore({ kms });
  await s3.createBucket({ Bucket: BUCKET });
  const { KeyMetadata: key } = await kms.createKey();
  return { kms, s3, key, kmsClient: new S3EncryptionClient({ s3, kms, kmsKeyId: key.KeyId }) };
}

/** AES-256-GCM open with node:crypto: `sealed` is ciphertext ‖ 16-byte tag. */
function gcmOpen(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad?: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

const text = async (output: { Body: { transformToByteArray(): Promise<Uint8Array> } }) => Buffer.from(await output.Body.transformToByteArray()).toString();
const stored = async (s3: ObjectStore, Key: string) => {
  const object = await s3.getObject({ Bucket: BUCKET, Key });
  return { body: await object.Body.transformToByteArray(), metadata: object.Metadata };
};
const decrypts = async (kms: KeyManagementService) => (await kms.listAuditRecords({ EventName: 'Decrypt' })).length;
const zeroed = (bytes: Uint8Array) => bytes.length > 0 && bytes.every((b) => b === 0);

/** The KMS, keeping every plaintext data key it hands out (GenerateDataKey, Decrypt) so a test can see whether the client zeroed it. */
function keepingDataKeys(kms: KeyManagementService) {
  const handedOut: Uint8Array[] = [];
  const recorded = new Proxy(kms, {
    get: (target, name) => {
      const value = Reflect.get(target, name, target);
      if (name !== 'generateDataKey' && name !== 'decrypt') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        const output = await value.apply(target, args);
        handedOut.push(output.Plaintext);
        return output;
      };
    },
  });
  return { recorded, handedOut };
}

describe('S3EncryptionClient format', () => {
  it('CSE-KMS and CSE-C objects open with node:crypto as AWS\'s clients open them: KMS or the master key (AAD the content algorithm) unwraps, AES-GCM with x-amz-iv decrypts', async () => {
    const { kms, s3, kmsClient } = await setup();
    await kmsClient.putObject({ Bucket: BUCKET, Key: 'kms', Body: 'déjà vu', EncryptionContext: { project: 'apollo' } });
    const viaKms = await stored(s3, 'kms');
    expect(viaKms.metadata).toMatchObject({ 'x-amz-cek-alg': 'AES/GCM/NoPadding', 'x-amz-wrap-alg': 'kms+context', 'x-amz-tag-len': '128', 'x-amz-unencrypted-content-length': '9' });
    const matdesc = JSON.parse(viaKms.metadata['x-amz-matdesc']!);
    const { Plaintext } = await kms.decrypt({ CiphertextBlob: Buffer.from(viaKms.metadata['x-amz-key-v2']!, 'base64'), EncryptionContext: matdesc });
    expect(Plaintext).toHaveLength(32); // AES_256
    expect(gcmOpen(Plaintext, Buffer.from(viaKms.metadata['x-amz-iv']!, 'base64'), viaKms.body).toString()).toBe('déjà vu');

    const masterKey = rng.bytes(32);
    await new S3EncryptionClient({ s3, masterKey }).putObject({ Bucket: BUCKET, Key: 'master', Body: rng.bytes(100) });
    const viaMaster = await stored(s3, 'master');
    expect(viaMaster.metadata).toMatchObject({ 'x-amz-wrap-alg': 'AES/GCM', 'x-amz-matdesc': '{}', 'x-amz-unencrypted-content-length': '100' });
    const wrapped = Buffer.from(viaMaster.metadata['x-amz-key-v2']!, 'base64');
    expect(wrapped).toHaveLength(12 + 32 + 16);
    const dataKey = gcmOpen(masterKey, wrapped.subarray(0, 12), wrapped.subarray(12), 'AES/GCM/NoPadding');
    expect(gcmOpen(dataKey, Buffer.from(viaMaster.metadata['x-amz-iv']!, 'base64'), viaMaster.body)).toHaveLength(100);
  });

  it('cseMetadata writes the v2 fields, the IV and tag length only for an AES/GCM body', () => {
    const wrapped = new Uint8Array([1, 2, 3]);
    const iv = new Uint8Array(12).fill(7);
    expect(cseMetadata({ wrapped, wrapAlg: KMS_WRAP_ALG, matdesc: { a: 'b' }, cekAlg: GCM_CEK_ALG, plaintextBytes: 5, iv })).toEqual({
      'x-amz-key-v2': 'AQID', 'x-amz-cek-alg': 'AES/GCM/NoPadding', 'x-amz-wrap-alg': 'kms+context', 'x-amz-matdesc': '{"a":"b"}',
      'x-amz-iv': 'BwcHBwcHBwcHBwcH', 'x-amz-tag-len': '128', 'x-amz-unencrypted-content-length': '5',
    });
    expect(cseMetadata({ wrapped, wrapAlg: KMS_WRAP_ALG, matdesc: {}, cekAlg: FRAMED_CEK_ALG, plaintextBytes: 0 })).toEqual({
      'x-amz-key-v2': 'AQID', 'x-amz-cek-alg': 'kms-wasm/framed-envelope-v1', 'x-amz-wrap-alg': 'kms+context', 'x-amz-matdesc': '{}',
      'x-amz-unencrypted-content-length': '0',
    });
  });

  it('reads a framed-envelope body (what the console uploads), whole or by range; an altered one fails as the envelope', async () => {
    const { kms, s3, key, kmsClient } = await setup();
    const plaintext = rng.bytes(70_000);
    const matdesc = { 'aws:x-amz-cek-alg': FRAMED_CEK_ALG };
    const { Plaintext, CiphertextBlob } = await kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: matdesc });
    const body = encryptMessage({ dataKey: Plaintext, encryptionContext: {}, wrappedKeys: [{ providerId: 'console', keyId: 'x-amz-key-v2', blob: new Uint8Array(0) }] }, plaintext);
    const Metadata = cseMetadata({ wrapped: CiphertextBlob, wrapAlg: KMS_WRAP_ALG, matdesc, cekAlg: FRAMED_CEK_ALG, plaintextBytes: plaintext.length });
    await s3.putObject({ Bucket: BUCKET, Key: 'framed', Body: body, Metadata });
    const whole = await kmsClient.getObject({ Bucket: BUCKET, Key: 'framed' });
    expect(Buffer.from(await whole.Body.transformToByteArray()).equals(plaintext)).toBe(true);
    expect(whole.ContentLength).toBe(70_000);
    expect(whole.ContentRange).toBeUndefined();
    await kmsClient.getObject({ Bucket: BUCKET, Key: 'framed', EncryptionContext: {} }); // the context it was stored with: none of the caller's
    const range = await kmsClient.getObject({ Bucket: BUCKET, Key: 'framed', Range: 'bytes=65530-65549' });
    expect(Buffer.from(await range.Body.transformToByteArray()).equals(plaintext.subarray(65530, 65550))).toBe(true);
    expect(range).toMatchObject({ ContentLength: 20, ContentRange: 'bytes 65530-65549/70000' });
    const altered = body.slice();
    altered[altered.length - 1]! ^= 1;
    await s3.putObject({ Bucket: BUCKET, Key: 'framed', Body: altered, Metadata });
    await expect(kmsClient.getObject({ Bucket: BUCKET, Key: 'framed' })).rejects.toThrow(/^framed: the object or its envelope was altered \(/);
    // The content algorithm is bound into the KMS context: called AES/GCM, the key no longer unwraps.
    await s3.putObject({ Bucket: BUCKET, Key: 'framed', Body: body, Metadata: { ...Metadata, 'x-amz-cek-alg': GCM_CEK_ALG, 'x-amz-iv': 'AAAAAAAAAAAAAAAA', 'x-amz-tag-len': '128' } });
    await expect(kmsClient.getObject({ Bucket: BUCKET, Key: 'framed', EncryptionContext: {} })).rejects.toThrow(/does not match/);
  });

  it('a Range is cut from the authenticated plaintext and reported as S3 reports it', async () => {
    const { kmsClient } = await setup();
    const body = rng.bytes(1000);
    await kmsClient.putObject({ Bucket: BUCKET, Key: 'r', Body: body });
    const part = await kmsClient.getObject({ Bucket: BUCKET, Key: 'r', Range: 'bytes=990-' });
    expect(Buffer.from(await part.Body.transformToByteArray()).equals(body.subarray(990))).toBe(true);
    expect(part).toMatchObject({ ContentLength: 10, ContentRange: 'bytes 990-999/1000' });
    const whole = await kmsClient.getObject({ Bucket: BUCKET, Key: 'r' });
    expect(whole.ContentLength).toBe(1000);
    expect(whole.ContentRange).toBeUndefined();
  });
});

describe('S3EncryptionClient against rewritten metadata', () => {
  it('refuses a GCM body whose IV, tag length or wrapped key is missing or not as v2 writes it, naming the object', async () => {
    const { s3, kmsClient } = await setup();
    await kmsClient.putObject({ Bucket: BUCKET, Key: 'g', Body: 'gcm body' });
    const { body, metadata } = await stored(s3, 'g');
    const { 'x-amz-iv': _iv, ...withoutIv } = metadata;
    const { 'x-amz-key-v2': _key, ...withoutKey } = metadata;
    for (const Metadata of [
      { ...metadata, 'x-amz-tag-len': '96' }, { ...metadata, 'x-amz-iv': Buffer.alloc(16).toString('base64') }, withoutIv, withoutKey,
      { ...metadata, 'x-amz-key-v2': '***' }, { ...metadata, 'x-amz-cek-alg': 'AES/CBC/PKCS5Padding' },
    ]) {
      await s3.putObject({ Bucket: BUCKET, Key: 'g2', Body: body, Metadata });
      await expect(kmsClient.getObject({ Bucket: BUCKET, Key: 'g2' })).rejects.toMatchObject({ name: 'InvalidRequest',
        message: expect.stringMatching(/^g2 was not stored by an S3 Encryption Client \(v2, AES\/GCM\/NoPadding or kms-wasm\/framed-envelope-v1\)/) });
    }
    await s3.putObject({ Bucket: BUCKET, Key: 'g2', Body: body, Metadata: metadata });
    expect(await text(await kmsClient.getObject({ Bucket: BUCKET, Key: 'g2' }))).toBe('gcm body');
    const tampered = body.slice();
    tampered[0]! ^= 1;
    await s3.putObject({ Bucket: BUCKET, Key: 'g2', Body: tampered, Metadata: metadata });
    await expect(kmsClient.getObject({ Bucket: BUCKET, Key: 'g2' })).rejects.toThrow(/^g2: the object or its IV was altered \(/);
    // Cut shorter than its tag (or emptied): the same refusal, naming the object, whole or opened by range.
    for (const cut of [body.subarray(0, 15), new Uint8Array(0)]) {
      await s3.putObject({ Bucket: BUCKET, Key: 'g2', Body: cut, Metadata: metadata });
      await expect(kmsClient.getObject({ Bucket: BUCKET, Key: 'g2' })).rejects.toMatchObject({ name: 'AuthenticationError',
        message: expect.stringMatching(/^g2: the object or its IV was altered \(.*shorter than its GCM tag/) });
      await expect(kmsClient.openObject({ Bucket: BUCKET, Key: 'g2' })).rejects.toMatchObject({ name: 'AuthenticationError', message: expect.stringMatching(/^g2: /) });
    }
  });

  it('a framed body emptied or cut inside its header is refused as a malformed envelope, whole or by range (no ranged GET of nothing)', async () => {
    const { kms, s3, key, kmsClient } = await setup();
    const matdesc = { 'aws:x-amz-cek-alg': FRAMED_CEK_ALG };
    const { Plaintext, CiphertextBlob } = await kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: matdesc });
    const message = encryptMessage({ dataKey: Plaintext, encryptionContext: {}, wrappedKeys: [{ providerId: 'console', keyId: 'x-amz-key-v2', blob: new Uint8Array(0) }] }, rng.bytes(100));
    const Metadata = cseMetadata({ wrapped: CiphertextBlob, wrapAlg: KMS_WRAP_ALG, matdesc, cekAlg: FRAMED_CEK_ALG, plaintextBytes: 100 });
    for (const body of [new Uint8Array(0), message.subarray(0, 10)]) {
      await s3.putObject({ Bucket: BUCKET, Key: 'cut', Body: body, Metadata });
      await expect(kmsClient.getObject({ Bucket: BUCKET, Key: 'cut' })).rejects.toMatchObject({ name: 'MessageFormatError', message: 'the message ended inside its header' });
      await expect(kmsClient.openObject({ Bucket: BUCKET, Key: 'cut' })).rejects.toMatchObject({ name: 'MessageFormatError', message: 'the message ends inside its header' });
    }
  });

  it('with EncryptionContext, refuses an object stored under any other context before asking KMS; key order does not matter', async () => {
    const { kms, s3, kmsClient } = await setup();
    await kmsClient.putObject({ Bucket: BUCKET, Key: 'c', Body: 'bound', EncryptionContext: { project: 'apollo', stage: 'prod' } });
    expect(await text(await kmsClient.getObject({ Bucket: BUCKET, Key: 'c', EncryptionContext: { stage: 'prod', project: 'apollo' } }))).toBe('bound');
    const before = await decrypts(kms);
    for (const EncryptionContext of [{ project: 'apollo' }, { project: 'apollo', stage: 'dev' }, { project: 'apollo', stage: 'prod', extra: 'x' }, {},
      { project: 'apollo', other: 'prod' }] as Record<string, string>[]) {
      await expect(kmsClient.getObject({ Bucket: BUCKET, Key: 'c', EncryptionContext })).rejects.toThrow(AuthenticationError);
    }
    await expect(kmsClient.getObject({ Bucket: BUCKET, Key: 'c', EncryptionContext: {} })).rejects.toThrow(/^the encryption context given does not match the one the object was stored with \(x-amz-matdesc\)$/);
    expect(await decrypts(kms)).toBe(before);
    // x-amz-matdesc rewritten: reordered it still matches; anything but a JSON object of the same pairs does not.
    const { body, metadata } = await stored(s3, 'c');
    const rewrite = async (matdesc: string | undefined) => {
      const { 'x-amz-matdesc': _matdesc, ...rest } = metadata;
      await s3.putObject({ Bucket: BUCKET, Key: 'c2', Body: body, Metadata: matdesc === undefined ? rest : { ...rest, 'x-amz-matdesc': matdesc } });
      return kmsClient.getObject({ Bucket: BUCKET, Key: 'c2', EncryptionContext: { project: 'apollo', stage: 'prod' } });
    };
    expect(await text(await rewrite(JSON.stringify({ stage: 'prod', 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding', project: 'apollo' })))).toBe('bound');
    for (const matdesc of ['null', '"text"', '[]', JSON.stringify({ project: 'apollo', stage: 'prod' })]) {
      await expect(rewrite(matdesc)).rejects.toThrow(AuthenticationError);
    }
    for (const matdesc of ['{not json', undefined]) {
      await expect(rewrite(matdesc)).rejects.toMatchObject({ name: 'InvalidRequest', message: 'x-amz-matdesc is not valid JSON' });
    }
    expect(await decrypts(kms)).toBe(before + 1);
  });

  it('the wrong kind of client, an unknown wrap algorithm and a CSE-C client given a context are refused by name', async () => {
    const { s3, kmsClient } = await setup();
    const masterClient = new S3EncryptionClient({ s3, masterKey: rng.bytes(32) });
    await masterClient.putObject({ Bucket: BUCKET, Key: 'm', Body: 'master' });
    await kmsClient.putObject({ Bucket: BUCKET, Key: 'k', Body: 'kms' });
    await expect(kmsClient.getObject({ Bucket: BUCKET, Key: 'm' })).rejects.toMatchObject({ name: 'InvalidRequest', message: 'the object was encrypted with CSE-C (a client master key); this client uses KMS' });
    await expect(masterClient.getObject({ Bucket: BUCKET, Key: 'k' })).rejects.toMatchObject({ name: 'InvalidRequest', message: 'the object was encrypted with CSE-KMS; this client holds a master key (CSE-C)' });
    await expect(masterClient.getObject({ Bucket: BUCKET, Key: 'm', EncryptionContext: {} })).rejects.toMatchObject({ name: 'InvalidArgument', message: 'EncryptionContext: only CSE-KMS objects carry an encryption context' });
    expect(await text(await masterClient.getObject({ Bucket: BUCKET, Key: 'm' }))).toBe('master');
    const { body, metadata } = await stored(s3, 'm');
    for (const [wrapAlg, named] of [['RSA-OAEP-SHA1', 'RSA-OAEP-SHA1'], [undefined, 'undefined']] as const) {
      const { 'x-amz-wrap-alg': _alg, ...rest } = metadata;
      await s3.putObject({ Bucket: BUCKET, Key: 'm2', Body: body, Metadata: wrapAlg ? { ...rest, 'x-amz-wrap-alg': wrapAlg } : rest });
      await expect(masterClient.getObject({ Bucket: BUCKET, Key: 'm2' })).rejects.toMatchObject({ name: 'InvalidRequest', message: `unsupported x-amz-wrap-alg ${named}` });
    }
    // The master key's AAD is the content algorithm: relabelled, the data key does not unwrap.
    await s3.putObject({ Bucket: BUCKET, Key: 'm2', Body: body, Metadata: { ...metadata, 'x-amz-cek-alg': FRAMED_CEK_ALG } });
    await expect(masterClient.getObject({ Bucket: BUCKET, Key: 'm2' })).rejects.toMatchObject({ name: 'AuthenticationError',
      message: 'the data key does not unwrap: this is not the master key the object was encrypted with' });
  });

  it('what the caller puts in Metadata cannot replace the v2 fields; the client sets aws:x-amz-cek-alg itself', async () => {
    const { s3, kmsClient } = await setup();
    await kmsClient.putObject({ Bucket: BUCKET, Key: 'meta', Body: 'x', Metadata: { 'x-amz-iv': 'AAAAAAAAAAAAAAAA', 'x-amz-key-v2': 'AAAA', note: 'kept' } });
    expect(await text(await kmsClient.getObject({ Bucket: BUCKET, Key: 'meta' }))).toBe('x');
    expect((await stored(s3, 'meta')).metadata.note).toBe('kept');
    await expect(kmsClient.putObject({ Bucket: BUCKET, Key: 'meta', Body: 'x', EncryptionContext: { 'aws:x-amz-cek-alg': 'AES/CBC/PKCS5Padding' } }))
      .rejects.toMatchObject({ name: 'InvalidArgument', message: 'EncryptionContext: aws:x-amz-cek-alg is set by the client' });
  });

  it('a request of the wrong shape is refused by field before any KMS call or store write; a body it cannot encrypt is named', async () => {
    const { kms, s3, kmsClient } = await setup();
    await kmsClient.putObject({ Bucket: BUCKET, Key: 'shape', Body: 'kept' });
    const calls = async () => (await kms.listAuditRecords()).length;
    const before = await calls();
    const invalid = { name: 'InvalidArgument', message: expect.stringMatching(/^EncryptionContext\.project: /) };
    await expect(kmsClient.putObject({ Bucket: BUCKET, Key: 'shape', Body: 'replaced', EncryptionContext: { project: 7 } } as never)).rejects.toMatchObject(invalid);
    await expect(kmsClient.getObject({ Bucket: BUCKET, Key: 'shape', EncryptionContext: { project: 7 } } as never)).rejects.toMatchObject(invalid);
    await expect(kmsClient.putObject({ Bucket: BUCKET, Body: 'no key' } as never)).rejects.toMatchObject({ name: 'InvalidArgument', message: expect.stringMatching(/^Key: /) });
    await expect(kmsClient.getObject({ Bucket: BUCKET, Key: 7 } as never)).rejects.toMatchObject({ name: 'InvalidArgument', message: expect.stringMatching(/^Key: /) });
    expect(await calls()).toBe(before);
    // The store takes streams and Blobs; the client encrypts whole bytes only, and says which field.
    await expect(kmsClient.putObject({ Bucket: BUCKET, Key: 'shape', Body: new Blob(['replaced']) })).rejects.toMatchObject({ name: 'InvalidInputError', message: 'Body: expected a Uint8Array, got object' });
    expect(await text(await kmsClient.getObject({ Bucket: BUCKET, Key: 'shape' }))).toBe('kept');
  });

  it('is built with an ObjectStore and either { kms, kmsKeyId } or a 32-byte masterKey', async () => {
    const { kms, s3 } = await setup();
    const invalid = (options: unknown, message: string) =>
      expect(() => new S3EncryptionClient(options as never)).toThrow(expect.objectContaining({ name: 'InvalidArgument', message }));
    invalid(undefined, 's3: an ObjectStore is required');
    invalid({ kms, kmsKeyId: 'alias/x' }, 's3: an ObjectStore is required');
    invalid({ s3 }, 'give { kms, kmsKeyId } for CSE-KMS or { masterKey } for CSE-C');
    invalid({ s3, kms }, 'give { kms, kmsKeyId } for CSE-KMS or { masterKey } for CSE-C');
    invalid({ s3, kmsKeyId: 'alias/x' }, 'give { kms, kmsKeyId } for CSE-KMS or { masterKey } for CSE-C');
    invalid({ s3, kms, kmsKeyId: 7 }, 'give { kms, kmsKeyId } for CSE-KMS or { masterKey } for CSE-C');
    expect(() => new S3EncryptionClient({ s3, masterKey: new Uint8Array(33) })).toThrow(/masterKey/);
  });
});

describe('S3EncryptionClient leaves no data key behind', () => {
  it('zeroes the data key KMS hands it once a put, a get (whole, ranged, or failed) or an openObject is done with it', async () => {
    const { kms, s3, key } = await setup();
    const { recorded, handedOut } = keepingDataKeys(kms);
    const client = new S3EncryptionClient({ s3, kms: recorded, kmsKeyId: key.KeyId });
    const lastKey = () => handedOut.at(-1)!;
    await client.putObject({ Bucket: BUCKET, Key: 'z', Body: 'zeroed after use' });
    expect(zeroed(lastKey()), 'GenerateDataKey\'s key after the put').toBe(true);
    expect(await text(await client.getObject({ Bucket: BUCKET, Key: 'z' }))).toBe('zeroed after use');
    expect(zeroed(lastKey()), 'after a get').toBe(true);
    await client.getObject({ Bucket: BUCKET, Key: 'z', Range: 'bytes=0-5' });
    expect(zeroed(lastKey()), 'after a ranged get').toBe(true);
    const { body, metadata } = await stored(s3, 'z');
    const tampered = body.slice();
    tampered[3]! ^= 1;
    await s3.putObject({ Bucket: BUCKET, Key: 'z2', Body: tampered, Metadata: metadata });
    await expect(client.getObject({ Bucket: BUCKET, Key: 'z2' })).rejects.toThrow(AuthenticationError);
    expect(zeroed(lastKey()), 'after a get that failed').toBe(true);
    const opened = await client.openObject({ Bucket: BUCKET, Key: 'z' });
    expect(Buffer.from(await opened.read(0, 6)).toString()).toBe('zeroed');
    opened.dispose();
    expect(zeroed(lastKey()), 'after openObject\'s dispose').toBe(true);

    // A framed body (the console's uploads): the reader zeroes its own copy; the client zeroes the one KMS returned.
    const matdesc = { 'aws:x-amz-cek-alg': FRAMED_CEK_ALG };
    const { Plaintext, CiphertextBlob } = await kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: matdesc });
    const framed = encryptMessage({ dataKey: Plaintext, encryptionContext: {}, wrappedKeys: [{ providerId: 'console', keyId: 'x-amz-key-v2', blob: new Uint8Array(0) }] }, rng.bytes(5000));
    await s3.putObject({ Bucket: BUCKET, Key: 'f', Body: framed, Metadata: cseMetadata({ wrapped: CiphertextBlob, wrapAlg: KMS_WRAP_ALG, matdesc, cekAlg: FRAMED_CEK_ALG, plaintextBytes: 5000 }) });
    expect((await client.getObject({ Bucket: BUCKET, Key: 'f' })).ContentLength).toBe(5000);
    expect(zeroed(lastKey()), 'after a framed get').toBe(true);
    const framedObject = await client.openObject({ Bucket: BUCKET, Key: 'f' });
    expect(zeroed(lastKey()), 'once a framed body is open (its reader holds the message key only)').toBe(true);
    expect((await framedObject.read(4990, 100)).length).toBe(10);
    framedObject.dispose();
  });
});
