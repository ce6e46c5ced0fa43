import { describe, expect, it } from 'vitest';
import { xts } from '../../src/index.js';
import { hex, toHex } from '../helpers/bytes.js';
import { loadGroups, type IndCpaVector } from '../helpers/wycheproof.js';

const groups = loadGroups<IndCpaVector>('wycheproof_aes_xts_test.json').filter((g) => g.keySize === 512);
const vectors = groups.flatMap((g) => g.tests);

/** Wycheproof gives the tweak as a little-endian number of ivSize bits; XTS wants all 16 bytes. */
function tweakOf(iv: string): Uint8Array {
  const tweak = new Uint8Array(16);
  tweak.set(hex(iv));
  return tweak;
}

describe('AES-256-XTS: Wycheproof (512-bit keys)', () => {
  it('has every 512-bit group', () => {
    expect(vectors.length).toBe(41);
  });

  for (const v of vectors) {
    it(`tcId ${v.tcId} ${v.result}: ${v.comment}`, () => {
      const cipher = xts(hex(v.key));
      const tweak = tweakOf(v.iv);
      if (v.result === 'valid') {
        expect(toHex(cipher.encrypt(hex(v.msg), tweak))).toBe(v.ct);
        expect(toHex(cipher.decrypt(hex(v.ct), tweak))).toBe(v.msg);
      } else {
        expect(() => cipher.decrypt(hex(v.ct), tweak)).toThrow();
      }
      cipher.dispose();
    });
  }
});
