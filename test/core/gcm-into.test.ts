import { describe, expect, it } from 'vitest';
import { AuthenticationError, gcm } from '../../src/index.js';
import { openInto, sealInto } from '../../src/core/gcm.js';
import { wasm } from '../../src/core/wasm-runtime.js';
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

describe('sealInto / openInto misuse and failure', () => {
  it('an output too small, or an offset outside it, is refused before anything is written', () => {
    const [key, iv, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(40)];
    const sealed = gcm(key, iv).encrypt(plaintext);
    for (const [size, offset] of [[55, 0], [56, 1], [56, -1], [100, 0.5], [100, Number.NaN]] as const) {
      const out = new Uint8Array(size).fill(9);
      expect(() => sealInto(key, iv, new Uint8Array(0), plaintext, out, offset), `seal ${size} @ ${offset}`).toThrow(/offset: expected room for 56 bytes/);
      expect(out.every((b) => b === 9)).toBe(true);
    }
    expect(sealInto(key, iv, new Uint8Array(0), plaintext, new Uint8Array(57), 1)).toBe(57);
    for (const [size, offset] of [[39, 0], [40, 1], [40, -1]] as const) {
      const out = new Uint8Array(size).fill(9);
      expect(() => openInto(key, iv, new Uint8Array(0), sealed, out, offset), `open ${size} @ ${offset}`).toThrow(/offset: expected room for 40 bytes/);
      expect(out.every((b) => b === 9)).toBe(true);
    }
    expect(() => sealInto(key, iv, new Uint8Array(0), plaintext, 'out' as never, 0)).toThrow(/output: expected a Uint8Array/);
    expect(() => sealInto(key, iv, new Uint8Array(0), 'text' as never, new Uint8Array(56), 0)).toThrow(/plaintext: expected a Uint8Array/);
    expect(() => openInto(key, iv, new Uint8Array(0), 'sealed' as never, new Uint8Array(40), 0)).toThrow(/ciphertext: expected a Uint8Array/);
    expect(() => openInto(key, iv, new Uint8Array(0), sealed.subarray(0, 15), new Uint8Array(0), 0)).toThrow(/at least the 16-byte tag/);
  });

  it('an empty plaintext seals to its tag alone, which is checked: every flipped bit of it fails', () => {
    const [key, iv, aad] = [rng.bytes(32), rng.bytes(12), rng.bytes(20)];
    const tag = new Uint8Array(16);
    expect(sealInto(key, iv, aad, new Uint8Array(0), tag, 0)).toBe(16);
    expect(Buffer.from(tag).equals(gcm(key, iv, aad).encrypt(new Uint8Array(0)))).toBe(true);
    openInto(key, iv, aad, tag, new Uint8Array(0), 0);
    expect(gcm(key, iv, aad).decrypt(tag)).toHaveLength(0);
    for (let bit = 0; bit < 128; bit++) {
      const forged = tag.slice();
      forged[bit >> 3]! ^= 1 << (bit & 7);
      expect(() => openInto(key, iv, aad, forged, new Uint8Array(0), 0), `bit ${bit}`).toThrow(AuthenticationError);
      expect(() => gcm(key, iv, aad).decrypt(forged), `bit ${bit}`).toThrow(AuthenticationError);
    }
  });

  it('an output that fails while being written (say, storage that gives out) leaves no key schedule or text in WASM memory', () => {
    const [key, iv, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(300)];
    const sealed = gcm(key, iv).encrypt(plaintext);
    class FailingOutput extends Uint8Array {
      override set(): void {
        throw new Error('the output gave out');
      }
    }
    const before = Buffer.from(wasm().bytes());
    expect(() => sealInto(key, iv, new Uint8Array(0), plaintext, new FailingOutput(316), 0)).toThrow('the output gave out');
    expect(() => openInto(key, iv, new Uint8Array(0), sealed, new FailingOutput(300), 0)).toThrow('the output gave out');
    const after = Buffer.from(wasm().bytes());
    expect(after.subarray(0, before.length).equals(before) && after.subarray(before.length).every((b) => b === 0)).toBe(true);
  });
});
