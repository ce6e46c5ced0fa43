import { describe, expect, it } from 'vitest';
import { gcm } from '../../src/index.js';
import { BOB, bytes, makeKms, rejectsWith, text } from './fixtures.js';

async function setup() {
  const fixture = makeKms();
  const { KeyMetadata: key } = await fixture.kms.createKey({ Description: 'data' });
  return { ...fixture, key };
}

describe('encrypt and decrypt', () => {
  it('round-trip, and a blob decrypts without a KeyId', async () => {
    const { kms, key } = await setup();
    const context = { bucket: 'photos', 'aws:s3:arn': 'arn:aws:s3:::photos/cat.jpg' };
    const { CiphertextBlob, KeyId } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('secret'), EncryptionContext: context });
    expect(KeyId).toBe(key.Arn);
    const opened = await kms.decrypt({ CiphertextBlob, EncryptionContext: { 'aws:s3:arn': 'arn:aws:s3:::photos/cat.jpg', bucket: 'photos' } });
    expect(text(opened.Plaintext)).toBe('secret');
    expect(opened.KeyId).toBe(key.Arn);
    expect(text((await kms.decrypt({ CiphertextBlob: (await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') })).CiphertextBlob })).Plaintext)).toBe('x');
  });

  it('binds the encryption context: a different, missing or extra pair is InvalidCiphertextException', async () => {
    const { kms, key } = await setup();
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('secret'), EncryptionContext: { a: '1' } });
    for (const EncryptionContext of [{ a: '2' }, {}, undefined, { a: '1', b: '2' }, { A: '1' }] as Array<Record<string, string> | undefined>) {
      await rejectsWith(kms.decrypt({ CiphertextBlob, EncryptionContext }), 'InvalidCiphertextException');
    }
  });

  it('flipping any byte of a blob fails with InvalidCiphertextException (or names a key that is not there)', async () => {
    const { kms, key } = await setup();
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('0123456789abcdef') });
    for (let i = 0; i < CiphertextBlob.length; i++) {
      const tampered = CiphertextBlob.slice();
      tampered[i]! ^= 0x01;
      await rejectsWith(kms.decrypt({ CiphertextBlob: tampered }), 'InvalidCiphertextException');
    }
    await rejectsWith(kms.decrypt({ CiphertextBlob: CiphertextBlob.subarray(0, 40) }), 'InvalidCiphertextException');
    await rejectsWith(kms.decrypt({ CiphertextBlob: new Uint8Array([...CiphertextBlob, 0]) }), 'InvalidCiphertextException');
  });

  it('blobs of several keys, interleaved, each open under their own key; one moved to another key id is refused', async () => {
    const { kms, key } = await setup();
    const { KeyMetadata: other } = await kms.createKey();
    const blobs = [];
    for (let i = 0; i < 4; i++) {
      for (const k of [key, other]) blobs.push({ k, ...(await kms.encrypt({ KeyId: k.KeyId, Plaintext: bytes(`${k.KeyId} ${i}`) })) });
    }
    for (const { k, CiphertextBlob } of [...blobs, ...blobs.reverse()]) {
      const opened = await kms.decrypt({ CiphertextBlob });
      expect([opened.KeyId, text(opened.Plaintext).split(' ')[0]]).toEqual([k.Arn, k.KeyId]);
    }
    const moved = blobs[0]!.CiphertextBlob.slice();
    moved.set(Buffer.from(blobs[1]!.k.KeyId.replace(/-/g, ''), 'hex'), 1);
    expect(blobs[1]!.k.KeyId).not.toBe(blobs[0]!.k.KeyId);
    await rejectsWith(kms.decrypt({ CiphertextBlob: moved }), 'InvalidCiphertextException');
    const noKey = moved.slice();
    noKey.fill(0, 1, 17);
    await expect(kms.decrypt({ CiphertextBlob: noKey })).rejects.toMatchObject({ name: 'InvalidCiphertextException', message: expect.stringMatching(/does not exist/) });
  });

  it('refuses what cannot be one of its blobs before looking at any key, so even a caller with no access learns only that', async () => {
    const { kms, key } = await setup();
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') });
    const bob = { principal: BOB };
    await rejectsWith(kms.decrypt({ CiphertextBlob }, bob), 'AccessDeniedException');
    const otherVersion = CiphertextBlob.slice();
    otherVersion[0] = 2;
    // The smallest blob holds one byte of ciphertext (Plaintext is 1–4096 bytes): one byte less cannot be a blob.
    for (const notABlob of [CiphertextBlob.subarray(0, CiphertextBlob.length - 1), CiphertextBlob.subarray(0, 20), otherVersion]) {
      await rejectsWith(kms.decrypt({ CiphertextBlob: notABlob }, bob), 'InvalidCiphertextException');
      await expect(kms.decrypt({ CiphertextBlob: notABlob })).rejects.toThrow(/CiphertextBlob/);
    }
  });

  it('a KeyId that is not the blob\'s key is IncorrectKeyException', async () => {
    const { kms, key } = await setup();
    const { KeyMetadata: other } = await kms.createKey();
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') });
    await rejectsWith(kms.decrypt({ CiphertextBlob, KeyId: other.KeyId }), 'IncorrectKeyException');
    expect(text((await kms.decrypt({ CiphertextBlob, KeyId: key.Arn })).Plaintext)).toBe('x');
  });

  it('checks sizes and types', async () => {
    const { kms, key } = await setup();
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: new Uint8Array(0) }), 'ValidationException');
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: new Uint8Array(4097) }), 'ValidationException');
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: new Uint8Array(4096) });
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: 'text' as unknown as Uint8Array }), 'ValidationException');
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { a: 1 } as unknown as Record<string, string> }), 'ValidationException');
    await rejectsWith(kms.decrypt({ CiphertextBlob: 'blob' as unknown as Uint8Array }), 'ValidationException');
    // Pairs are counted in 16 bits in the canonical form: one more is refused, not wrapped around.
    const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, '']));
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: pairs(0xffff) });
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: pairs(0x10000) }), 'ValidationException');
  });
});

describe('data keys', () => {
  it('generateDataKey: AES_256, AES_128 or NumberOfBytes 1–1024, wrapped under the key and bound to the context', async () => {
    const { kms, key } = await setup();
    for (const [request, length] of [[{ KeySpec: 'AES_256' }, 32], [{ KeySpec: 'AES_128' }, 16], [{ NumberOfBytes: 1 }, 1], [{ NumberOfBytes: 1024 }, 1024]] as const) {
      const dataKey = await kms.generateDataKey({ KeyId: key.KeyId, ...request, EncryptionContext: { purpose: 'test' } });
      expect(dataKey.Plaintext.length).toBe(length);
      expect((await kms.decrypt({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { purpose: 'test' } })).Plaintext).toEqual(dataKey.Plaintext);
    }
    for (const bad of [{}, { KeySpec: 'AES_256', NumberOfBytes: 32 }, { KeySpec: 'AES_512' }, { NumberOfBytes: 0 }, { NumberOfBytes: 1025 }]) {
      await rejectsWith(kms.generateDataKey({ KeyId: key.KeyId, ...(bad as object) }), 'ValidationException');
    }
  });

  it('generateDataKeyWithoutPlaintext returns only the wrapped key, which decrypts to 32 fresh bytes', async () => {
    const { kms, key } = await setup();
    const result = await kms.generateDataKeyWithoutPlaintext({ KeyId: key.KeyId, KeySpec: 'AES_256' });
    expect(result).not.toHaveProperty('Plaintext');
    const a = (await kms.decrypt({ CiphertextBlob: result.CiphertextBlob })).Plaintext;
    const b = (await kms.decrypt({ CiphertextBlob: (await kms.generateDataKeyWithoutPlaintext({ KeyId: key.KeyId, KeySpec: 'AES_256' })).CiphertextBlob })).Plaintext;
    expect(a.length).toBe(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('envelope encryption: a data key encrypts the data, the KMS keeps only the wrapped key', async () => {
    const { kms, key } = await setup();
    const context = { file: 'report.pdf' };
    const { Plaintext: dataKey, CiphertextBlob: wrappedKey } = await kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: context });
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = gcm(dataKey, iv).encrypt(bytes('quarterly numbers'));
    dataKey.fill(0);
    const { Plaintext: unwrapped } = await kms.decrypt({ CiphertextBlob: wrappedKey, EncryptionContext: context });
    expect(text(gcm(unwrapped, iv).decrypt(sealed))).toBe('quarterly numbers');
  });

  it('reEncrypt moves a blob to another key and context without returning the plaintext', async () => {
    const { kms, key } = await setup();
    const { KeyMetadata: other } = await kms.createKey();
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('moving'), EncryptionContext: { v: '1' } });
    const moved = await kms.reEncrypt({ CiphertextBlob, SourceEncryptionContext: { v: '1' }, DestinationKeyId: other.KeyId, DestinationEncryptionContext: { v: '2' } });
    expect(moved).not.toHaveProperty('Plaintext');
    expect(moved.SourceKeyId).toBe(key.Arn);
    expect(moved.KeyId).toBe(other.Arn);
    expect(text((await kms.decrypt({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { v: '2' } })).Plaintext)).toBe('moving');
    await rejectsWith(kms.reEncrypt({ CiphertextBlob, DestinationKeyId: other.KeyId }), 'InvalidCiphertextException');
    await rejectsWith(kms.reEncrypt({ CiphertextBlob, SourceEncryptionContext: { v: '1' }, SourceKeyId: other.KeyId, DestinationKeyId: other.KeyId }), 'IncorrectKeyException');
  });

  it('generateRandom returns 1–1024 random bytes', async () => {
    const { kms } = makeKms();
    expect((await kms.generateRandom({ NumberOfBytes: 64 })).Plaintext.length).toBe(64);
    await rejectsWith(kms.generateRandom({ NumberOfBytes: 0 }), 'ValidationException');
    await rejectsWith(kms.generateRandom({ NumberOfBytes: 2000 }), 'ValidationException');
  });
});
