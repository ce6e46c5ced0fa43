// A piece of a GCM message's ciphertext decrypted on its own, at its block's counter, against
// node:crypto's whole-message encryption: every block-aligned offset into messages of edge lengths,
// 12-byte and other IVs, and the counter's 32-bit wrap.
import { describe, expect, it } from 'vitest';
import { counterAfter, decryptCiphertextRange } from '../../src/core/gcm-ciphertext-range.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { nodeGcmEncrypt } from '../helpers/node-reference.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(2020);

describe('decryptCiphertextRange', () => {
  it('gives the plaintext of any block-aligned piece of a message node:crypto encrypted', () => {
    for (const ivLength of [12, 1, 16, 60]) {
      for (const size of [1, 16, 17, 255, 4096, 65_537, 300_001]) {
        const key = rng.bytes(32);
        const iv = rng.bytes(ivLength);
        const plaintext = rng.bytes(size);
        const ciphertext = nodeGcmEncrypt(key, iv, new Uint8Array(0), plaintext).subarray(0, size);
        for (let round = 0; round < 8; round++) {
          const offset = rng.int(Math.ceil(size / 16)) * 16;
          const end = offset + rng.int(size - offset + 1);
          const piece = decryptCiphertextRange(key, iv, offset, ciphertext.subarray(offset, end));
          expect(Buffer.from(piece).equals(Buffer.from(plaintext.subarray(offset, end))), `iv ${ivLength}, size ${size}, ${offset}-${end}`).toBe(true);
        }
      }
    }
  });

  it('wraps the 32-bit counter as inc32 does (SP 800-38D §6.2)', () => {
    const j0 = new Uint8Array(16).fill(0xab);
    j0.set([0xff, 0xff, 0xff, 0xfe], 12);
    expect([...counterAfter(j0, 3).subarray(12)]).toEqual([0, 0, 0, 1]);
    expect([...counterAfter(j0, 3).subarray(0, 12)]).toEqual([...j0.subarray(0, 12)]);
    expect([...j0.subarray(12)]).toEqual([0xff, 0xff, 0xff, 0xfe]); // the block given is not changed
  });

  it('refuses an offset that is not a whole number of blocks, and a bad key', () => {
    const key = rng.bytes(32);
    for (const offset of [1, 15, -16, 1.5, Number.NaN]) {
      expect(() => decryptCiphertextRange(key, rng.bytes(12), offset, new Uint8Array(16))).toThrow(InvalidInputError);
    }
    expect(() => decryptCiphertextRange(rng.bytes(16), rng.bytes(12), 0, new Uint8Array(16))).toThrow(/key/);
  });
});
