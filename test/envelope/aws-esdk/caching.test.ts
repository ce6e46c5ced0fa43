// The caching materials manager: data keys reused within the limits of age, messages and bytes,
// per encryption context and suite; unwrapped keys reused for the same message keys; nothing
// cached for streams of unknown length; messages from cached keys still interoperate.

import { buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { describe, expect, it } from 'vitest';
import {
  awsEsdkEncryptStream, CachingMaterialsManager, decryptAwsEsdkMessage, encryptAwsEsdkMessage, InvalidInputError, type Keyring,
} from '../../../src/index.js';
import { decodeHeader } from '../../../src/envelope/aws-esdk/header-codec.js';
import { rawAesPair } from '../../helpers/aws-esdk-keyrings.js';
import { SeededRandom } from '../../helpers/seeded-random.js';

const rng = new SeededRandom(777);

/** A keyring that counts its calls. */
function counting(keyring: Keyring) {
  const calls = { encrypt: 0, decrypt: 0 };
  const wrapped: Keyring = {
    onEncrypt: (r) => (calls.encrypt++, keyring.onEncrypt(r)),
    onDecrypt: (r) => (calls.decrypt++, keyring.onDecrypt(r)),
  };
  return { keyring: wrapped, calls };
}

const firstEdk = (message: Uint8Array) => decodeHeader(message)!.header.encryptedDataKeys[0]!.ciphertext;

describe('caching materials manager', () => {
  it('reuses one data key for up to maxMessagesEncrypted messages, then asks the keyring again; each message still has its own key', async () => {
    const { ours, theirs } = rawAesPair();
    const { keyring, calls } = counting(ours);
    const cache = new CachingMaterialsManager({ keyring, maxAge: 60_000, maxMessagesEncrypted: 3 });
    const messages: Uint8Array[] = [];
    const plaintexts: Uint8Array[] = [];
    for (let i = 0; i < 7; i++) {
      plaintexts.push(rng.bytes(100 + i));
      messages.push((await encryptAwsEsdkMessage(plaintexts[i]!, { materialsManager: cache, encryptionContext: { app: 'a' } })).message);
    }
    expect(calls.encrypt).toBe(3); // messages 1-3, 4-6, 7
    const edks = messages.map((m) => Buffer.from(firstEdk(m)).toString('hex'));
    expect(new Set(edks.slice(0, 3)).size).toBe(1);
    expect(edks[3]).not.toBe(edks[2]);
    expect(new Set(messages.map((m) => Buffer.from(decodeHeader(m)!.header.messageId).toString('hex'))).size).toBe(7);
    const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    for (let i = 0; i < 7; i++) expect(Buffer.from((await esdk.decrypt(theirs, messages[i]!)).plaintext).equals(Buffer.from(plaintexts[i]!))).toBe(true);
  });

  it('maxBytesEncrypted and maxAge end an entry; another context or suite is another entry; a message above the byte limit is not cached', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { keyring, calls } = counting(rawAesPair().ours);
    const cache = new CachingMaterialsManager({ keyring, maxAge: 1000, maxBytesEncrypted: 250, clock: { now: () => new Date(now) } });
    const encrypt = (size: number, encryptionContext = { a: '1' }, suiteId = 0x0478) =>
      encryptAwsEsdkMessage(new Uint8Array(size), { materialsManager: cache, encryptionContext, suiteId });
    await encrypt(100);
    await encrypt(100);
    expect(calls.encrypt).toBe(1);
    await encrypt(100); // 300 bytes > 250
    expect(calls.encrypt).toBe(2);
    await encrypt(10, { a: '2' });
    await encrypt(10, { a: '1' }, 0x0578);
    expect(calls.encrypt).toBe(4);
    now += 999;
    await encrypt(10); // the entry made for the third message, 999 ms old
    expect(calls.encrypt).toBe(4);
    now += 1;
    await encrypt(10);
    expect(calls.encrypt).toBe(5);
    await encrypt(300);
    await encrypt(300);
    expect(calls.encrypt).toBe(7);
  });

  it('signed suites: a cached entry signs each message with its key pair, and every message verifies', async () => {
    const { ours } = rawAesPair();
    const cache = new CachingMaterialsManager({ keyring: ours, maxAge: 60_000 });
    for (let i = 0; i < 3; i++) {
      const plaintext = rng.bytes(50);
      const { message } = await encryptAwsEsdkMessage(plaintext, { materialsManager: cache, suiteId: 0x0578 });
      expect((await decryptAwsEsdkMessage(message, { keyring: ours })).plaintext).toEqual(plaintext);
    }
  });

  it('streams of unknown length bypass the cache', async () => {
    const { keyring, calls } = counting(rawAesPair().ours);
    const cache = new CachingMaterialsManager({ keyring, maxAge: 60_000 });
    for (let i = 0; i < 2; i++) {
      const stream = new Blob([new Uint8Array(10)]).stream().pipeThrough(awsEsdkEncryptStream({ materialsManager: cache }));
      for await (const _ of stream as unknown as AsyncIterable<Uint8Array>) { /* drain */ }
    }
    expect(calls.encrypt).toBe(2);
  });

  it('decryption reuses the unwrapped key for the same message keys and context, until maxAge', async () => {
    let now = 0;
    const { ours } = rawAesPair();
    const { keyring, calls } = counting(ours);
    const cache = new CachingMaterialsManager({ keyring, maxAge: 500, clock: { now: () => new Date(now) } });
    const one = (await encryptAwsEsdkMessage(rng.bytes(10), { keyring: ours, encryptionContext: { m: '1' } })).message;
    const two = (await encryptAwsEsdkMessage(rng.bytes(10), { keyring: ours, encryptionContext: { m: '2' } })).message;
    for (const message of [one, one, two, one]) await decryptAwsEsdkMessage(message, { materialsManager: cache });
    expect(calls.decrypt).toBe(2);
    now = 500;
    await decryptAwsEsdkMessage(one, { materialsManager: cache });
    expect(calls.decrypt).toBe(3);
    // A cached key never opens a message whose header was changed: the header still authenticates.
    const changed = one.slice();
    changed[changed.length - 1]! ^= 1;
    await expect(decryptAwsEsdkMessage(changed, { materialsManager: cache })).rejects.toThrow();
  });

  it('checks its options; clear() zeroes what it held', async () => {
    const { ours } = rawAesPair();
    for (const [options, field] of [
      [{ keyring: ours, maxAge: 0 }, 'maxAge'],
      [{ keyring: ours }, 'maxAge'],
      [{ keyring: ours, maxAge: 1, maxMessagesEncrypted: 2 ** 32 + 1 }, 'maxMessagesEncrypted'],
      [{ keyring: ours, maxAge: 1, maxBytesEncrypted: 0 }, 'maxBytesEncrypted'],
      [{ keyring: ours, maxAge: 1, capacity: 0 }, 'capacity'],
      [{ keyring: ours, maxAge: 1, partition: '' }, 'partition'],
      [{ maxAge: 1 }, 'keyring'],
    ] as const) {
      expect(() => new CachingMaterialsManager(options as never), field).toThrow(expect.objectContaining({ name: 'InvalidInputError', field }));
    }
    const cache = new CachingMaterialsManager({ keyring: ours, maxAge: 60_000, capacity: 1 });
    const held = (cache as unknown as { entries: Map<string, { encryption?: { dataKey: Uint8Array } }> }).entries;
    await encryptAwsEsdkMessage(new Uint8Array(1), { materialsManager: cache, encryptionContext: { a: '1' } });
    const first = [...held.values()][0]!.encryption!.dataKey;
    await encryptAwsEsdkMessage(new Uint8Array(1), { materialsManager: cache, encryptionContext: { a: '2' } });
    expect(held.size).toBe(1);
    expect(first.every((b) => b === 0)).toBe(true); // evicted by capacity: zeroed
    const second = [...held.values()][0]!.encryption!.dataKey;
    expect(second.some((b) => b !== 0)).toBe(true);
    cache.clear();
    expect(held.size).toBe(0);
    expect(second.every((b) => b === 0)).toBe(true);
    expect(() => new CachingMaterialsManager({ keyring: ours, materialsManager: cache, maxAge: 1 })).toThrow(InvalidInputError);
  });
});
