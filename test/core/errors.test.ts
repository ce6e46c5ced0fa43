// Bad input gets a typed error naming the field, and leaves the cipher as it was.
import { describe, expect, it } from 'vitest';
import {
  CipherStateError, createGcmDecryptor, createGcmEncryptor, gcm, InvalidInputError, sectorTweak, xts,
} from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(30);
const key32 = rng.bytes(32);
const key64 = rng.bytes(64);
const iv = rng.bytes(12);
const notBytes: unknown[] = ['0123456789abcdef0123456789abcdef', Array.from(key32), key32.buffer, new Uint16Array(16), null, undefined, 42];

function expectField(field: string, action: () => unknown, message?: RegExp): void {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
    expect((error as Error).message.startsWith(`${field}: `)).toBe(true);
    if (message) expect((error as Error).message).toMatch(message);
    return;
  }
  expect.fail(`expected InvalidInputError for ${field}`);
}

const anyGcm = gcm as (...args: unknown[]) => ReturnType<typeof gcm>;
const anyXts = xts as (key: unknown) => ReturnType<typeof xts>;

describe('GCM input checks', () => {
  it('key: must be a 32-byte Uint8Array', () => {
    for (const length of [0, 16, 24, 31, 33, 64]) expectField('key', () => gcm(rng.bytes(length), iv), /expected 32 bytes/);
    for (const value of notBytes) expectField('key', () => anyGcm(value, iv), /expected a Uint8Array/);
  });

  it('iv: must be a non-empty Uint8Array', () => {
    expectField('iv', () => gcm(key32, new Uint8Array(0)), /must not be empty/);
    for (const value of notBytes) expectField('iv', () => anyGcm(key32, value), /expected a Uint8Array/);
  });

  it('aad: a Uint8Array when given', () => {
    for (const value of notBytes.filter((v) => v !== undefined)) expectField('aad', () => anyGcm(key32, iv, value));
  });

  it('tagLength: an integer from 12 to 16', () => {
    for (const tagLength of [0, 4, 8, 11, 17, 12.5, '16', Number.NaN]) {
      expectField('tagLength', () => anyGcm(key32, iv, undefined, { tagLength }));
      expectField('tagLength', () => createGcmDecryptor(key32, iv, undefined, { tagLength: tagLength as number }));
    }
  });

  it('plaintext and ciphertext: Uint8Arrays; ciphertext at least a tag long', () => {
    const cipher = gcm(key32, iv);
    for (const value of notBytes) {
      expectField('plaintext', () => cipher.encrypt(value as Uint8Array));
      expectField('ciphertext', () => cipher.decrypt(value as Uint8Array));
    }
    expectField('ciphertext', () => cipher.decrypt(new Uint8Array(15)), /at least the 16-byte tag/);
  });

  it('accepts Buffers, and subarrays that start mid-buffer', () => {
    const buffer = Buffer.from(rng.bytes(100));
    const view = buffer.subarray(7, 77);
    const sealed = gcm(Buffer.from(key32), Buffer.from(iv)).encrypt(view);
    expect(Buffer.from(gcm(key32, iv).decrypt(sealed)).equals(view)).toBe(true);
  });
});

describe('GCM stream state', () => {
  it('refuses use after final() or dispose(), and a bad chunk leaves the stream usable', () => {
    const encryptor = createGcmEncryptor(key32, iv);
    expectField('plaintext', () => encryptor.update('text' as unknown as Uint8Array));
    const first = encryptor.update(new Uint8Array([1, 2, 3]));
    const tag = encryptor.final();
    expect(Buffer.from(gcm(key32, iv).encrypt(new Uint8Array([1, 2, 3]))).equals(Buffer.concat([first, tag]))).toBe(true);
    expect(() => encryptor.update(new Uint8Array(1))).toThrow(CipherStateError);
    expect(() => encryptor.final()).toThrow(CipherStateError);

    const disposed = createGcmDecryptor(key32, iv);
    disposed.dispose();
    disposed.dispose();
    expect(() => disposed.update(new Uint8Array(1))).toThrow(CipherStateError);
    expect(() => disposed.final()).toThrow(CipherStateError);
  });

  it('a decryptor that ends before the tag is complete says so', () => {
    const decryptor = createGcmDecryptor(key32, iv);
    expectField('ciphertext', () => decryptor.update('text' as unknown as Uint8Array));
    decryptor.update(new Uint8Array(10));
    expectField('ciphertext', () => decryptor.final(), /ended before the 16-byte tag/);
  });
});

describe('XTS input checks', () => {
  it('key: 64 bytes whose halves differ', () => {
    for (const length of [0, 32, 48, 63, 65]) expectField('key', () => xts(rng.bytes(length)), /expected 64 bytes/);
    for (const value of notBytes) expectField('key', () => anyXts(value));
    const half = rng.bytes(32);
    expectField('key', () => xts(new Uint8Array([...half, ...half])), /halves .* must differ/);
  });

  it('tweak: 16 bytes; data: 16 bytes to 2^20 blocks', () => {
    const cipher = xts(key64);
    for (const length of [0, 8, 15, 17]) expectField('tweak', () => cipher.encrypt(rng.bytes(16), rng.bytes(length)));
    for (const length of [0, 1, 15]) {
      expectField('data', () => cipher.encrypt(rng.bytes(length), rng.bytes(16)), /at least 16 bytes/);
      expectField('data', () => cipher.decryptSector(rng.bytes(length), 0n), /at least 16 bytes/);
    }
    expectField('data', () => cipher.encrypt(new Uint8Array(2 ** 24 + 16), rng.bytes(16)), /at most 2\^20 blocks/);
    for (const value of notBytes) expectField('data', () => cipher.encrypt(value as Uint8Array, rng.bytes(16)));
    // The failed calls left the cipher usable.
    const [data, tweak] = [rng.bytes(100), rng.bytes(16)];
    expect(Buffer.from(cipher.decrypt(cipher.encrypt(data, tweak), tweak)).equals(data)).toBe(true);
  });

  it('sector numbers: bigints from 0 to 2^128 - 1; sector sizes: multiples of 16; whole sectors', () => {
    const cipher = xts(key64);
    for (const sector of [-1n, 2n ** 128n, 5, '5']) {
      expectField('sectorNumber', () => cipher.encryptSector(rng.bytes(512), sector as bigint));
      expectField('sectorNumber', () => sectorTweak(sector as bigint));
      expectField('sectorNumber', () => cipher.encryptSectors(rng.bytes(512), sector as bigint, 512));
    }
    for (const size of [0, 8, 100, 4100, 2 ** 24 + 16]) expectField('sectorSize', () => cipher.encryptSectors(rng.bytes(4096), 0n, size));
    expectField('data', () => cipher.encryptSectors(rng.bytes(4097), 0n), /whole number of 4096-byte sectors/);
  });

  it('refuses use after dispose()', () => {
    const cipher = xts(key64);
    cipher.dispose();
    cipher.dispose();
    expect(() => cipher.encrypt(rng.bytes(16), rng.bytes(16))).toThrow(CipherStateError);
    expect(() => cipher.decryptSectors(rng.bytes(4096), 0n)).toThrow(CipherStateError);
  });
});
