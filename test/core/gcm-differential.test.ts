// AES-256-GCM against node:crypto: random keys, IVs, AADs and lengths, the edges around block
// and buffer boundaries, and random streaming splits on both sides.
import { describe, expect, it } from 'vitest';
import { createGcmDecryptor as makeDecryptor, createGcmEncryptor as makeEncryptor, gcm as gcmCipher, type GcmOptions } from '../../src/index.js';
import { IO_BUFFER_BYTES } from '../../src/core/wasm-runtime.js';
import { concat } from '../helpers/bytes.js';
import { nodeGcmEncrypt } from '../helpers/node-reference.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const MiB = 1024 * 1024;
const EDGE_LENGTHS = [0, 1, 15, 16, 17, 31, 32, 4095, 4096, 4097, 65535, 65536, 65537, IO_BUFFER_BYTES * 2 + 1, MiB];

function streamIn(cipher: { update(c: Uint8Array): Uint8Array; final(): Uint8Array }, data: Uint8Array, rng: SeededRandom): Uint8Array {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const piece of rng.splits(data.length)) {
    out.push(cipher.update(data.subarray(at, at + piece)));
    at += piece;
  }
  out.push(cipher.final());
  return concat(out);
}

describe.each([false, true])('AES-256-GCM matches node:crypto (constantTime: %s)', (constantTime) => {
  const gcm = (key: Uint8Array, iv: Uint8Array, aad?: Uint8Array, options?: GcmOptions) => gcmCipher(key, iv, aad, { constantTime, ...options });
  const createGcmEncryptor = (key: Uint8Array, iv: Uint8Array, aad?: Uint8Array) => makeEncryptor(key, iv, aad, { constantTime });
  const createGcmDecryptor = (key: Uint8Array, iv: Uint8Array, aad?: Uint8Array) => makeDecryptor(key, iv, aad, { constantTime });

  it('at the edge lengths, with 12-byte and other IVs and AAD of edge lengths', () => {
    const rng = new SeededRandom(1);
    for (const length of EDGE_LENGTHS) {
      for (const ivLength of [12, 1, 16, 64]) {
        const key = rng.bytes(32);
        const iv = rng.bytes(ivLength);
        const aad = rng.bytes(EDGE_LENGTHS[rng.int(EDGE_LENGTHS.length - 1)]!);
        const plaintext = rng.bytes(length);
        const expected = nodeGcmEncrypt(key, iv, aad, plaintext);
        const sealed = gcm(key, iv, aad).encrypt(plaintext);
        expect(Buffer.from(sealed).equals(expected), `length ${length}, iv ${ivLength}`).toBe(true);
        expect(Buffer.from(gcm(key, iv, aad).decrypt(sealed)).equals(plaintext)).toBe(true);
      }
    }
  });

  it('for 2,000 (600 constant-time) random keys, IVs, AADs and lengths up to 1 MiB', () => {
    const rng = new SeededRandom(2);
    for (let i = 0; i < (constantTime ? 600 : 2000); i++) {
      const key = rng.bytes(32);
      const iv = rng.bytes(rng.int(4) === 0 ? 1 + rng.int(100) : 12);
      const aad = rng.bytes(rng.length(300));
      const plaintext = rng.bytes(rng.length(MiB));
      const expected = nodeGcmEncrypt(key, iv, aad, plaintext);
      const sealed = gcm(key, iv, aad).encrypt(plaintext);
      if (!Buffer.from(sealed).equals(expected)) {
        expect.fail(`case ${i} (seed 2): iv ${iv.length}, aad ${aad.length}, text ${plaintext.length}`);
      }
      const opened = gcm(key, iv, aad).decrypt(sealed);
      if (!Buffer.from(opened).equals(plaintext)) expect.fail(`case ${i} (seed 2): decrypt mismatch`);
    }
  });

  it('with truncated tags of 12 to 16 bytes', () => {
    const rng = new SeededRandom(3);
    for (let tagLength = 12; tagLength <= 16; tagLength++) {
      const [key, iv, aad, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(20), rng.bytes(1000)];
      const sealed = gcm(key, iv, aad, { tagLength }).encrypt(plaintext);
      expect(Buffer.from(sealed).equals(nodeGcmEncrypt(key, iv, aad, plaintext, tagLength))).toBe(true);
      expect(Buffer.from(gcm(key, iv, aad, { tagLength }).decrypt(sealed)).equals(plaintext)).toBe(true);
    }
  });

  it('when streamed in random splits, encrypting and decrypting', () => {
    const rng = new SeededRandom(4);
    for (let i = 0; i < 300; i++) {
      const [key, iv, aad] = [rng.bytes(32), rng.bytes(rng.int(3) === 0 ? 33 : 12), rng.bytes(rng.length(100))];
      const plaintext = rng.bytes(rng.length(300_000));
      const expected = nodeGcmEncrypt(key, iv, aad, plaintext);
      const sealed = streamIn(createGcmEncryptor(key, iv, aad), plaintext, rng);
      if (!Buffer.from(sealed).equals(expected)) expect.fail(`case ${i} (seed 4): streamed encryption differs`);
      const opened = streamIn(createGcmDecryptor(key, iv, aad), sealed, rng);
      if (!Buffer.from(opened).equals(plaintext)) expect.fail(`case ${i} (seed 4): streamed decryption differs`);
    }
  });
});
