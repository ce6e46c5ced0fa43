import { describe, expect, it } from 'vitest';
import { AuthenticationError, gcm } from '../../src/index.js';
import { openInto, sealInto } from '../../src/core/gcm.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(91);

describe('sealInto / openInto', () => {
  it('write what gcm() gives at an offset of a larger array, and read it back', () => {
    const [key, iv, aad, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(9), rng.bytes(1000)];
    const out = new Uint8Array(5 + plaintext.length + 16 + 3).fill(0xee);
    expect(sealInto(key, iv, aad, plaintext, out, 5)).toBe(5 + plaintext.length + 16);
    expect(Buffer.from(out.subarray(5, 5 + plaintext.length + 16)).equals(gcm(key, iv, aad).encrypt(plaintext))).toBe(true);
    expect([out[4], out.at(-1)]).toEqual([0xee, 0xee]);
    const back = new Uint8Array(plaintext.length + 2);
    openInto(key, iv, aad, out.subarray(5, 5 + plaintext.length + 16), back, 1);
    expect(Buffer.from(back.subarray(1, 1 + plaintext.length)).equals(plaintext)).toBe(true);
  });

  it('openInto refuses a changed tag, leaving zeros where the plaintext went and the rest untouched', () => {
    const [key, iv, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(300)];
    const sealed = gcm(key, iv).encrypt(plaintext);
    sealed[sealed.length - 1] = sealed[sealed.length - 1]! ^ 1;
    const out = new Uint8Array(302).fill(7);
    expect(() => openInto(key, iv, new Uint8Array(0), sealed, out, 1)).toThrow(AuthenticationError);
    expect(out.subarray(1, 301).every((b) => b === 0)).toBe(true);
    expect([out[0], out[301]]).toEqual([7, 7]);
  });
});
