// The Encryption SDK keyrings: what each writes into an encrypted data key (as the specification
// lays it out), which keys each will unwrap, and how each fails.

import { describe, expect, it } from 'vitest';
import {
  AuthenticationError, AwsKmsKeyring, decryptAwsEsdkMessage, encryptAwsEsdkMessage, gcm, InvalidInputError, KeyManagementService, KeyringError,
  MultiKeyring, RawAesKeyring, RawRsaKeyring,
} from '../../../src/index.js';
import { serializeEncryptionContext } from '../../../src/envelope/aws-esdk/header-codec.js';
import { algorithmSuite } from '../../../src/envelope/aws-esdk/algorithm-suites.js';
import { kmsClientFor, rawAesPair, rawRsaPair } from '../../helpers/aws-esdk-keyrings.js';
import { SeededRandom } from '../../helpers/seeded-random.js';
import { ALICE } from '../../kms/fixtures.js';

const rng = new SeededRandom(314);
const suite = algorithmSuite(0x0478)!;
const context = { who: 'keyring test' };

/** The cause chain of a KeyringError, flattened: what each attempt met. */
const causes = (error: unknown): unknown[] => ((error as { cause?: AggregateError }).cause?.errors ?? []);

describe('raw AES keyring', () => {
  it('writes namespace, name ‖ tag bits ‖ IV length ‖ IV, and the data key sealed under the context (raw-aes-keyring.md)', async () => {
    const wrappingKey = rng.bytes(32);
    const keyring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'name', wrappingKey });
    const { dataKey, encryptedDataKeys } = await keyring.onEncrypt({ suite, encryptionContext: context });
    const [edk] = encryptedDataKeys;
    expect(edk!.providerId).toBe('ns');
    const info = edk!.providerInfo;
    expect(new TextDecoder().decode(info.subarray(0, 4))).toBe('name');
    expect([...info.subarray(4, 12)]).toEqual([0, 0, 0, 128, 0, 0, 0, 12]);
    const iv = info.subarray(12);
    expect(iv).toHaveLength(12);
    expect(gcm(wrappingKey, iv, serializeEncryptionContext(context)).decrypt(edk!.ciphertext)).toEqual(dataKey);
    expect(await keyring.onDecrypt({ suite, encryptionContext: context, encryptedDataKeys })).toEqual(dataKey);
  });

  it('another key or another context does not unwrap (KeyringError with the authentication failure); another name or namespace is not its own', async () => {
    const wrappingKey = rng.bytes(32);
    const keyring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'name', wrappingKey });
    const { encryptedDataKeys } = await keyring.onEncrypt({ suite, encryptionContext: context });
    const otherKey = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'name', wrappingKey: rng.bytes(32) });
    for (const [who, request] of [[otherKey, { suite, encryptionContext: context, encryptedDataKeys }], [keyring, { suite, encryptionContext: { who: 'else' }, encryptedDataKeys }]] as const) {
      const error = await who.onDecrypt(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeyringError);
      expect(causes(error)[0]).toBeInstanceOf(AuthenticationError);
    }
    for (const names of [{ keyNamespace: 'ns', keyName: 'other' }, { keyNamespace: 'other', keyName: 'name' }, { keyNamespace: 'ns', keyName: 'nam' }]) {
      expect(await new RawAesKeyring({ ...names, wrappingKey }).onDecrypt({ suite, encryptionContext: context, encryptedDataKeys })).toBeUndefined();
    }
  });

  it('checks its options and keeps its own copy of the wrapping key', async () => {
    const wrappingKey = rng.bytes(32);
    const keyring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey });
    const { message } = await encryptAwsEsdkMessage(rng.bytes(5), { keyring });
    wrappingKey.fill(0);
    expect((await decryptAwsEsdkMessage(message, { keyring })).plaintext).toHaveLength(5);
    for (const [options, field] of [
      [{ keyNamespace: 'ns', keyName: 'k', wrappingKey: rng.bytes(16) }, 'wrappingKey'],
      [{ keyNamespace: 'aws-kms', keyName: 'k', wrappingKey: rng.bytes(32) }, 'keyNamespace'],
      [{ keyNamespace: '', keyName: 'k', wrappingKey: rng.bytes(32) }, 'keyNamespace'],
      [{ keyNamespace: 'ns', keyName: '', wrappingKey: rng.bytes(32) }, 'keyName'],
    ] as const) {
      expect(() => new RawAesKeyring(options), field).toThrow(expect.objectContaining({ name: 'InvalidInputError', field }));
    }
  });
});

describe('raw RSA keyring', () => {
  it('a public-key-only keyring encrypts; decrypting needs the private key', async () => {
    const { ours } = await rawRsaPair('rsa-ns', 'rsa-name');
    const { message, messageHeader } = await encryptAwsEsdkMessage(rng.bytes(50), { keyring: ours, encryptionContext: context });
    const [edk] = messageHeader.encryptedDataKeys;
    expect(edk!.providerId).toBe('rsa-ns');
    expect(new TextDecoder().decode(edk!.providerInfo)).toBe('rsa-name');
    expect(edk!.ciphertext).toHaveLength(256);
    const publicOnly = new RawRsaKeyring({ keyNamespace: 'rsa-ns', keyName: 'rsa-name', publicKey: (ours as unknown as { publicKey: CryptoKey }).publicKey });
    await expect(decryptAwsEsdkMessage(message, { keyring: publicOnly })).rejects.toBeInstanceOf(KeyringError);
    expect((await decryptAwsEsdkMessage(message, { keyring: ours })).plaintext).toHaveLength(50);
    const otherName = await rawRsaPair('rsa-ns', 'other');
    await expect(decryptAwsEsdkMessage(message, { keyring: otherName.ours })).rejects.toBeInstanceOf(KeyringError);
  });

  it('refuses keys that are not RSA-OAEP with SHA-256', async () => {
    const sha1 = await crypto.subtle.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-1' }, false, ['encrypt', 'decrypt']);
    expect(() => new RawRsaKeyring({ keyNamespace: 'n', keyName: 'k', publicKey: sha1.publicKey })).toThrow(InvalidInputError);
    expect(() => new RawRsaKeyring({ keyNamespace: 'n', keyName: 'k', publicKey: sha1.privateKey })).toThrow(InvalidInputError);
    expect(() => new RawRsaKeyring({ keyNamespace: 'n', keyName: 'k' })).toThrow(InvalidInputError);
  });
});

describe('AWS KMS keyring', () => {
  async function setUp() {
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const [a, b] = [(await kms.createKey({})).KeyMetadata.Arn, (await kms.createKey({})).KeyMetadata.Arn];
    return { kms, a, b };
  }

  it('generator GenerateDataKey, other keys Encrypt; provider id aws-kms, the key ARN as provider info', async () => {
    const { kms, a, b } = await setUp();
    const client = kmsClientFor(kms);
    const keyring = new AwsKmsKeyring({ client, generatorKeyId: a, keyIds: [b] });
    const { message, messageHeader } = await encryptAwsEsdkMessage(rng.bytes(20), { keyring, encryptionContext: context });
    expect(client.calls).toEqual(['GenerateDataKey', 'Encrypt']);
    expect(messageHeader.encryptedDataKeys.map((k) => [k.providerId, new TextDecoder().decode(k.providerInfo)])).toEqual([['aws-kms', a], ['aws-kms', b]]);
    // Either key alone decrypts; a keyring naming neither ignores the message's keys.
    expect((await decryptAwsEsdkMessage(message, { keyring: new AwsKmsKeyring({ client: kms, keyIds: [b] }) })).plaintext).toHaveLength(20);
    const { b: c } = await setUp();
    await expect(decryptAwsEsdkMessage(message, { keyring: new AwsKmsKeyring({ client: kms, keyIds: [c] }) })).rejects.toThrow(/no keyring could unwrap/);
    expect((await decryptAwsEsdkMessage(message, { keyring: new AwsKmsKeyring({ client: kms, discovery: true }) })).plaintext).toHaveLength(20);
  });

  it('a KMS answer naming another key than the one asked is refused', async () => {
    const { kms, a, b } = await setUp();
    const { message } = await encryptAwsEsdkMessage(rng.bytes(20), { keyring: new AwsKmsKeyring({ client: kms, generatorKeyId: a }) });
    const lying = { ...kmsClientFor(kms), decrypt: async (r: Parameters<KeyManagementService['decrypt']>[0]) => ({ ...(await kms.decrypt(r)), KeyId: b }) };
    const error = await decryptAwsEsdkMessage(message, { keyring: new AwsKmsKeyring({ client: lying, generatorKeyId: a }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyringError);
    expect(String(causes(error)[0])).toMatch(/answered with key/);
  });

  it('runs as the bound caller: a principal the key policy does not allow is denied by KMS', async () => {
    const { kms, a } = await setUp();
    const { message } = await encryptAwsEsdkMessage(rng.bytes(20), { keyring: new AwsKmsKeyring({ client: kms, generatorKeyId: a }) });
    const asAlice = new AwsKmsKeyring({ client: kms, caller: { principal: ALICE }, generatorKeyId: a });
    await expect(encryptAwsEsdkMessage(rng.bytes(1), { keyring: asAlice })).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const error = await decryptAwsEsdkMessage(message, { keyring: asAlice }).catch((e: unknown) => e);
    expect(causes(error)[0]).toMatchObject({ name: 'AccessDeniedException' });
  });

  it('checks its options', () => {
    const client = { generateDataKey: async () => ({}), encrypt: async () => ({}), decrypt: async () => ({}) };
    for (const [options, field] of [
      [{ client: {} }, 'client'],
      [{ client }, 'generatorKeyId'],
      [{ client, generatorKeyId: '' }, 'generatorKeyId'],
      [{ client, keyIds: [''] }, 'keyIds'],
      [{ client, discovery: true, keyIds: ['arn:aws:kms:us-east-1:111122223333:key/x'] }, 'discovery'],
    ] as const) {
      expect(() => new AwsKmsKeyring(options as never), field).toThrow(expect.objectContaining({ name: 'InvalidInputError', field }));
    }
  });
});

describe('multi-keyring', () => {
  it('the generator makes the key, children wrap it; any one of them decrypts', async () => {
    const [a, b] = [rawAesPair(), await rawRsaPair()];
    const keyring = new MultiKeyring({ generator: a.ours, children: [b.ours] });
    const plaintext = rng.bytes(30);
    const { message, messageHeader } = await encryptAwsEsdkMessage(plaintext, { keyring });
    expect(messageHeader.encryptedDataKeys).toHaveLength(2);
    for (const one of [a.ours, b.ours, new MultiKeyring({ children: [rawAesPair().ours, b.ours] })]) {
      expect((await decryptAwsEsdkMessage(message, { keyring: one })).plaintext).toEqual(plaintext);
    }
    await expect(encryptAwsEsdkMessage(plaintext, { keyring: new MultiKeyring({ children: [a.ours] }) })).rejects.toBeInstanceOf(KeyringError);
    expect(() => new MultiKeyring({})).toThrow(InvalidInputError);
    expect(() => new MultiKeyring({ children: [{} as never] })).toThrow(InvalidInputError);
  });
});
