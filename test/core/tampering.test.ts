// Any change to what GCM authenticates must make decryption fail loudly and release nothing.
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, createGcmDecryptor, gcm, InvalidInputError } from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(20);
const key = rng.bytes(32);
const iv = rng.bytes(12);
const aad = rng.bytes(21);
const plaintext = rng.bytes(45);
// Sealed by node:crypto, not by the code under test (nor while the file loads: mutation testing
// counts code run then as run by every test).
const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
const sealed = new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));

function flipped(bytes: Uint8Array, index: number, mask = 0x01): Uint8Array {
  const copy = bytes.slice();
  copy[index]! ^= mask;
  return copy;
}

function expectRejected(k: Uint8Array, n: Uint8Array, a: Uint8Array | undefined, data: Uint8Array): void {
  for (const constantTime of [false, true]) {
    let released: Uint8Array | undefined;
    expect(() => { released = gcm(k, n, a, { constantTime }).decrypt(data); }).toThrow(AuthenticationError);
    expect(released).toBeUndefined();
    const stream = createGcmDecryptor(k, n, a, { constantTime });
    stream.update(data);
    expect(() => stream.final()).toThrow(AuthenticationError);
  }
}

describe('GCM tampering', () => {
  it('the untouched message decrypts (so the rejections below are meaningful)', () => {
    expect(Buffer.from(gcm(key, iv, aad).decrypt(sealed)).equals(plaintext)).toBe(true);
  });

  it('flipping any bit of any ciphertext byte fails', () => {
    for (let i = 0; i < plaintext.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) expectRejected(key, iv, aad, flipped(sealed, i, mask));
    }
  });

  it('flipping any byte of the tag fails', () => {
    for (let i = plaintext.length; i < sealed.length; i++) expectRejected(key, iv, aad, flipped(sealed, i));
  });

  it('flipping any byte of the IV fails', () => {
    for (let i = 0; i < iv.length; i++) expectRejected(key, flipped(iv, i), aad, sealed);
  });

  it('flipping any byte of the AAD, dropping it, or adding to it fails', () => {
    for (let i = 0; i < aad.length; i++) expectRejected(key, iv, flipped(aad, i), sealed);
    expectRejected(key, iv, undefined, sealed);
    expectRejected(key, iv, aad.subarray(1), sealed);
    expectRejected(key, iv, new Uint8Array([...aad, 0]), sealed);
  });

  it('a different key fails', () => {
    expectRejected(flipped(key, 31), iv, aad, sealed);
  });

  it('truncating or extending the message fails', () => {
    expectRejected(key, iv, aad, sealed.subarray(1));
    expectRejected(key, iv, aad, sealed.subarray(0, sealed.length - 1));
    expectRejected(key, iv, aad, new Uint8Array([...sealed, 0]));
    expect(() => gcm(key, iv, aad).decrypt(sealed.subarray(0, 15))).toThrow(InvalidInputError);
  });

  it('a truncated tag is refused unless that tag length was asked for', () => {
    const short = gcm(key, iv, aad, { tagLength: 12 }).encrypt(plaintext);
    expect(() => gcm(key, iv, aad).decrypt(short)).toThrow(AuthenticationError);
    expect(Buffer.from(gcm(key, iv, aad, { tagLength: 12 }).decrypt(short)).equals(plaintext)).toBe(true);
    expect(() => gcm(key, iv, aad, { tagLength: 12 }).decrypt(sealed)).toThrow(AuthenticationError);
  });
});
