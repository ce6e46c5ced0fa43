// The envelope API used wrongly, and at its limits: each misuse gets a typed error naming what is
// wrong and leaves nothing half done; a header that would not fit its length fields is refused
// rather than written wrapped around; KMS-wrapped keys are tried in turn.
import { describe, expect, it } from 'vitest';
import {
  decryptMessage, encryptMessage, FramedDecryptor, FramedEncryptor, InvalidInputError, KeyManagementService, kmsDataKeyResolver,
  kmsEncryptionMaterials, MessageFormatError, type EncryptionMaterials,
} from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(2125);

function fixture() {
  const dataKey = rng.bytes(32);
  const materials: EncryptionMaterials = { dataKey: dataKey.slice(), encryptionContext: { k: 'v' }, wrappedKeys: [{ providerId: 'test', keyId: 'k', blob: rng.bytes(8) }] };
  return { materials, resolve: async () => dataKey.slice() };
}

describe('envelope misuse', () => {
  it('the encryptor refuses bad materials and options, naming the field', () => {
    const { materials } = fixture();
    const refuses = (m: unknown, options: unknown, field: string) => {
      let error: unknown;
      try {
        new FramedEncryptor(m as EncryptionMaterials, options as { frameBytes: number });
      } catch (e) {
        error = e;
      }
      expect(error, field).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
      return (error as Error).message;
    };
    refuses(undefined, {}, 'dataKey');
    refuses({ ...materials, wrappedKeys: undefined }, {}, 'wrappedKeys');
    expect(refuses({ ...materials, wrappedKeys: 'aws-kms' }, {}, 'wrappedKeys')).toMatch(/at least one wrapped copy of the data key/);
    for (const frameBytes of [0, 1.5, 16 * 1024 * 1024 + 1, Number.NaN, '64']) {
      expect(refuses(materials, { frameBytes }, 'frameBytes')).toBe(`frameBytes: expected an integer from 1 to 16777216, got ${String(frameBytes)}`);
    }
    expect(() => new FramedEncryptor(materials, { frameBytes: 16 * 1024 * 1024 })).not.toThrow();
    expect(() => new FramedEncryptor(materials, { frameBytes: 1 })).not.toThrow();
  });

  it('materials without an encryption context encrypt with an empty one', async () => {
    const { materials, resolve } = fixture();
    const message = encryptMessage({ dataKey: materials.dataKey, wrappedKeys: materials.wrappedKeys } as EncryptionMaterials, rng.bytes(5));
    const decryptor = new FramedDecryptor(resolve);
    await decryptor.update(message);
    await decryptor.final();
    expect(decryptor.header?.encryptionContext).toEqual({});
  });

  it('the encryptor refuses chunks that are not bytes, and any use after final() or dispose()', () => {
    const { materials } = fixture();
    const encryptor = new FramedEncryptor({ ...materials, dataKey: materials.dataKey.slice() });
    expect(() => encryptor.update('text' as never)).toThrow(/^chunk: expected a Uint8Array, got string$/);
    expect(() => encryptor.final([1, 2] as never)).toThrow(/^chunk: expected a Uint8Array, got object$/);
    encryptor.final();
    expect(() => encryptor.update(new Uint8Array(1))).toThrow(/^message: this message was finished or disposed$/);
    const disposed = new FramedEncryptor({ ...materials, dataKey: materials.dataKey.slice() });
    disposed.dispose();
    expect(() => disposed.final()).toThrow(/finished or disposed/);
  });

  it('the encryptor refuses to number a frame, final or not, FFFFFFFF (the final-frame marker), and writes the frame before it', async () => {
    const { materials, resolve } = fixture();
    const encryptor = new FramedEncryptor(materials, { frameBytes: 1 });
    const header = encryptor.update(new Uint8Array(0));
    (encryptor as unknown as { frameNumber: number }).frameNumber = 0xfffffffe;
    expect(() => encryptor.update(new Uint8Array(2))).toThrow(/^plaintext: too many frames for one message/);
    const last = encryptor.update(new Uint8Array(1)); // frame FFFFFFFE: still allowed
    expect(last).toHaveLength(4 + 1 + 16);
    expect([...last.subarray(0, 4)]).toEqual([0xff, 0xff, 0xff, 0xfe]);
    expect(() => encryptor.final(), 'a final frame numbered FFFFFFFF').toThrow(/too many frames/);
    await expect(decryptMessage(resolve, header)).rejects.toThrow(MessageFormatError);
    // One number earlier, the final frame fits: FFFFFFFE.
    const fits = new FramedEncryptor({ ...fixture().materials }, { frameBytes: 1 });
    fits.update(new Uint8Array(0));
    (fits as unknown as { frameNumber: number }).frameNumber = 0xfffffffe;
    expect([...fits.final().subarray(0, 8)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);
  });

  it('the decryptor refuses chunks that are not bytes, and a message that ends inside its header says so', async () => {
    const { materials, resolve } = fixture();
    const message = encryptMessage(materials, rng.bytes(10));
    const decryptor = new FramedDecryptor(resolve);
    await expect(decryptor.update('text' as never)).rejects.toThrow(/^chunk: expected a Uint8Array, got string$/);
    await decryptor.update(message.subarray(0, 30));
    expect(decryptor.header).toBeUndefined();
    await expect(decryptor.final()).rejects.toThrow(/ended inside its header/);
    await expect(decryptMessage(resolve, new Uint8Array(0))).rejects.toThrow(/ended inside its header/);
    await expect(decryptMessage(resolve, message.subarray(0, 4))).rejects.toThrow(/ended inside its header/);
  });

  it('a header changed in its encryption context, or opened with another data key, is refused as such before any frame', async () => {
    const { materials, resolve } = fixture();
    const message = encryptMessage(materials, rng.bytes(10));
    const changed = message.slice();
    const value = Buffer.from(message).indexOf(Buffer.from([0x00, 0x01, 0x76])) + 2; // the context's value "v", after its 2-byte length
    expect(value).toBeGreaterThan(1);
    changed[value]! ^= 0x01; // "v" becomes "w"
    const refusal = { name: 'AuthenticationError', message: 'the envelope header does not authenticate: it was changed, or the data key is not its own' };
    await expect(decryptMessage(resolve, changed)).rejects.toMatchObject(refusal);
    await expect(decryptMessage(async () => rng.bytes(32), message)).rejects.toMatchObject(refusal);
  });

  it('a header cut anywhere, even inside a wrapped key with more than a tag\'s worth of it in, waits for the rest: every two-way split decrypts', async () => {
    const dataKey = rng.bytes(32);
    const materials: EncryptionMaterials = { dataKey: dataKey.slice(), encryptionContext: { purpose: 'split' },
      wrappedKeys: [{ providerId: 'aws-kms', keyId: 'arn:aws:kms:us-east-1:111122223333:key/split', blob: rng.bytes(200) }, { providerId: 'raw', keyId: 'second', blob: rng.bytes(60) }] };
    const plaintext = rng.bytes(100);
    const message = encryptMessage(materials, plaintext);
    for (let cut = 1; cut < message.length - plaintext.length; cut++) {
      const decryptor = new FramedDecryptor(async () => dataKey.slice());
      const released = [await decryptor.update(message.subarray(0, cut)), await decryptor.update(message.subarray(cut)), await decryptor.final()];
      expect(Buffer.concat(released).equals(plaintext), `cut at ${cut}`).toBe(true);
    }
  });

  it('bytes sent after a complete message, in a later chunk, are refused and nothing more is released', async () => {
    const { materials, resolve } = fixture();
    const message = encryptMessage(materials, rng.bytes(10));
    const decryptor = new FramedDecryptor(resolve);
    expect(await decryptor.update(message)).toHaveLength(10);
    await expect(decryptor.update(new Uint8Array([0, 0, 0, 1]))).rejects.toThrow(/follows the final frame/);
    await expect(decryptor.final()).rejects.toThrow(/already failed/);
  });

  it('a wrapped key field of 65,536 bytes cannot be written (its length field holds 65,535)', () => {
    const { materials } = fixture();
    const blob = (n: number) => [{ providerId: 'test', keyId: 'k', blob: new Uint8Array(n) }];
    expect(() => new FramedEncryptor({ ...materials, wrappedKeys: blob(65_536) })).toThrow(/longer than 65535/);
    expect(() => new FramedEncryptor({ ...materials, wrappedKeys: [{ providerId: 'p'.repeat(65_536), keyId: 'k', blob: new Uint8Array(1) }] })).toThrow(/longer than 65535/);
    expect(() => new FramedEncryptor({ ...materials, wrappedKeys: blob(65_535) })).not.toThrow();
  });
});

describe('KMS keyring with several wrapped keys', () => {
  it('tries each KMS-wrapped key in turn: one the caller may not use is skipped; if none opens, the last refusal is thrown', async () => {
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const alice = { principal: 'arn:aws:iam::111122223333:user/alice' };
    const forAlice = JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: alice.principal }, Action: 'kms:Decrypt', Resource: '*' }] });
    const rootOnly = (await kms.createKey()).KeyMetadata;
    const shared = (await kms.createKey({ Policy: forAlice })).KeyMetadata;
    const first = await kmsEncryptionMaterials(kms, { KeyId: rootOnly.KeyId, EncryptionContext: { purpose: 'test' } });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: shared.KeyId, Plaintext: first.dataKey, EncryptionContext: { purpose: 'test' } });
    const materials = { ...first, wrappedKeys: [...first.wrappedKeys, { providerId: 'other', keyId: 'x', blob: new Uint8Array(1) }, { providerId: 'aws-kms', keyId: shared.Arn, blob: CiphertextBlob }] };
    const message = encryptMessage({ ...materials, dataKey: materials.dataKey.slice() }, new TextEncoder().encode('either key'));
    expect(new TextDecoder().decode(await decryptMessage(kmsDataKeyResolver(kms, alice), message))).toBe('either key');
    expect(new TextDecoder().decode(await decryptMessage(kmsDataKeyResolver(kms), message))).toBe('either key');
    await expect(decryptMessage(kmsDataKeyResolver(kms, { principal: 'arn:aws:iam::111122223333:user/eve' }), message))
      .rejects.toMatchObject({ name: 'AccessDeniedException' });
    const noKms = encryptMessage({ ...fixture().materials }, new Uint8Array(1));
    await expect(decryptMessage(kmsDataKeyResolver(kms), noKms)).rejects.toMatchObject({ name: 'MessageFormatError', message: 'the message has no data key wrapped by KMS' });
  });
});
