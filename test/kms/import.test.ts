import { createCipheriv, createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytes, makeKms, rejectsWith, text } from './fixtures.js';

type Kms = ReturnType<typeof makeKms>['kms'];

/** The customer's side of BYOK: wrap 32 bytes of material with the returned RSA public key. */
async function wrapForImport(publicKey: Uint8Array, material: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('spki', new Uint8Array(publicKey), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, key, new Uint8Array(material)));
}

async function importInto(kms: Kms, keyId: string, material: Uint8Array, extra: object = {}) {
  const params = await kms.getParametersForImport({ KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
  await kms.importKeyMaterial({ KeyId: keyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: await wrapForImport(params.PublicKey, material), ...extra });
}

/** The blob format of src/kms/ciphertext-blob.ts, written out independently: header, then AES-256-GCM with AAD = header || canonical context. */
function canonicalContext(context: Record<string, string>): Buffer {
  const pairs = Object.entries(context).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]).sort((a, b) => Buffer.compare(a[0]!, b[0]!));
  const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
  return Buffer.concat([u16(pairs.length), ...pairs.flatMap(([k, v]) => [u16(k!.length), k!, u16(v!.length), v!])]);
}

describe('the ciphertext blob format (v1), read and written by node:crypto with material imported into the key', () => {
  it('GenerateDataKey and Encrypt blobs open with node:crypto, and a blob node:crypto seals decrypts, with or without a context', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Origin: 'EXTERNAL' });
    const material = crypto.getRandomValues(new Uint8Array(32));
    await importInto(kms, key.KeyId, material);
    const keyIdBytes = Buffer.from(key.KeyId.replace(/-/g, ''), 'hex');
    for (const context of [undefined, { tenant: 'a', 'é': 'ü', b: '' }]) {
      const aadAfter = canonicalContext(context ?? {});
      const dataKey = await kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: context });
      const sealed = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('format'), EncryptionContext: context });
      for (const [blob, plaintext] of [[dataKey.CiphertextBlob, dataKey.Plaintext], [sealed.CiphertextBlob, bytes('format')]] as const) {
        const header = Buffer.from(blob.subarray(0, 33));
        expect(header[0]).toBe(1);
        expect(header.subarray(1, 17)).toEqual(keyIdBytes);
        expect(header.readUInt32BE(17)).toBe(1);
        const decipher = createDecipheriv('aes-256-gcm', material, header.subarray(21, 33));
        decipher.setAAD(Buffer.concat([header, aadAfter]));
        decipher.setAuthTag(blob.subarray(blob.length - 16));
        expect(Buffer.concat([decipher.update(blob.subarray(33, blob.length - 16)), decipher.final()])).toEqual(Buffer.from(plaintext));
      }
      const header = Buffer.concat([Buffer.from([1]), keyIdBytes, Buffer.from([0, 0, 0, 1]), crypto.getRandomValues(new Uint8Array(12))]);
      const cipher = createCipheriv('aes-256-gcm', material, header.subarray(21, 33));
      cipher.setAAD(Buffer.concat([header, aadAfter]));
      const body = Buffer.concat([cipher.update('from node:crypto'), cipher.final(), cipher.getAuthTag()]);
      const { Plaintext } = await kms.decrypt({ CiphertextBlob: new Uint8Array(Buffer.concat([header, body])), EncryptionContext: context });
      expect(text(Plaintext)).toBe('from node:crypto');
    }
  });
});

describe('imported key material (BYOK)', () => {
  it('an EXTERNAL key waits in PendingImport, then works with the imported material', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Origin: 'EXTERNAL' });
    expect(key).toMatchObject({ Origin: 'EXTERNAL', KeyState: 'PendingImport', Enabled: false });
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }), 'KMSInvalidStateException');
    await rejectsWith(kms.enableKey({ KeyId: key.KeyId }), 'KMSInvalidStateException');
    const params = await kms.getParametersForImport({ KeyId: key.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    expect(params.ParametersValidTo.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    const material = crypto.getRandomValues(new Uint8Array(32));
    await kms.importKeyMaterial({ KeyId: key.KeyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: await wrapForImport(params.PublicKey, material) });
    expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('byok') });
    expect(text((await kms.decrypt({ CiphertextBlob })).Plaintext)).toBe('byok');
    await rejectsWith(kms.rotateKeyOnDemand({ KeyId: key.KeyId }), 'UnsupportedOperationException');
    await rejectsWith(kms.enableKeyRotation({ KeyId: key.KeyId }), 'UnsupportedOperationException');
  });

  it('deleteImportedKeyMaterial returns the key to PendingImport; only the same material can come back', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Origin: 'EXTERNAL' });
    const material = crypto.getRandomValues(new Uint8Array(32));
    await importInto(kms, key.KeyId, material);
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('kept') });
    await kms.deleteImportedKeyMaterial({ KeyId: key.KeyId });
    expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.KeyState).toBe('PendingImport');
    await rejectsWith(kms.decrypt({ CiphertextBlob }), 'KMSInvalidStateException');
    await rejectsWith(importInto(kms, key.KeyId, crypto.getRandomValues(new Uint8Array(32))), 'IncorrectKeyMaterialException');
    await importInto(kms, key.KeyId, material);
    expect(text((await kms.decrypt({ CiphertextBlob })).Plaintext)).toBe('kept');
  });

  it('material imported with ValidTo expires by the clock', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Origin: 'EXTERNAL' });
    await rejectsWith(importInto(kms, key.KeyId, new Uint8Array(32).fill(1), { ExpirationModel: 'KEY_MATERIAL_EXPIRES' }), 'ValidationException');
    await importInto(kms, key.KeyId, new Uint8Array(32).fill(1), { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: new Date('2026-01-10T00:00:00Z') });
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') });
    clock.advanceDays(10);
    expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.KeyState).toBe('PendingImport');
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }), 'KMSInvalidStateException');
  });

  it('refuses wrong tokens, expired tokens, wrongly wrapped or sized material, and AWS_KMS keys', async () => {
    const { kms, clock } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Origin: 'EXTERNAL' });
    const params = await kms.getParametersForImport({ KeyId: key.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const wrapped = await wrapForImport(params.PublicKey, new Uint8Array(32).fill(7));
    await rejectsWith(kms.importKeyMaterial({ KeyId: key.KeyId, ImportToken: bytes('forged'), EncryptedKeyMaterial: wrapped }), 'InvalidImportTokenException');
    await rejectsWith(kms.importKeyMaterial({ KeyId: key.KeyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: await wrapForImport(params.PublicKey, new Uint8Array(16)) }), 'ValidationException');
    const tampered = wrapped.slice();
    tampered[10]! ^= 1;
    await rejectsWith(kms.importKeyMaterial({ KeyId: key.KeyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: tampered }), 'InvalidCiphertextException');
    clock.advanceDays(1.01);
    await rejectsWith(kms.importKeyMaterial({ KeyId: key.KeyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrapped }), 'ExpiredImportTokenException');
    await rejectsWith(kms.getParametersForImport({ KeyId: key.KeyId, WrappingAlgorithm: 'RSAES_PKCS1_V1_5' as never, WrappingKeySpec: 'RSA_2048' }), 'ValidationException');
    await rejectsWith(kms.getParametersForImport({ KeyId: key.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_1024' as never }), 'ValidationException');
    await rejectsWith(kms.getParametersForImport({ KeyId: key.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'toString' as never }), 'ValidationException');
    const { KeyMetadata: generated } = await kms.createKey();
    await rejectsWith(kms.getParametersForImport({ KeyId: generated.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }), 'UnsupportedOperationException');
    await rejectsWith(kms.deleteImportedKeyMaterial({ KeyId: generated.KeyId }), 'UnsupportedOperationException');
  });

  it('offers 3072- and 4096-bit wrapping keys', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey({ Origin: 'EXTERNAL' });
    for (const [spec, minimumBytes] of [['RSA_3072', 384], ['RSA_4096', 512]] as const) {
      const params = await kms.getParametersForImport({ KeyId: key.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: spec });
      expect(params.PublicKey.length).toBeGreaterThan(minimumBytes);
    }
  }, 60_000);
});
