import { describe, expect, it } from 'vitest';
import { base64ToBytes, base64ToBytesOrUndefined, bytesToBase64 } from '../../src/core/base64.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(64);

describe('base64', () => {
  it('matches Buffer both ways, at every length mod 3 and across the chunk size, up to arrays too large to spread', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 47, 48, 0x8000 - 1, 0x8000, 0x8000 + 1, 3 * 0x8000 + 2, 1 << 20]) {
      const bytes = rng.bytes(length);
      const text = bytesToBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(bytesToBase64(bytes, false)).toBe(text); // btoa, as in browsers
      if (length > 2) expect(bytesToBase64(bytes.subarray(1, length - 1))).toBe(Buffer.from(bytes.subarray(1, length - 1)).toString('base64')); // a view into a larger buffer
      expect(Buffer.from(base64ToBytes(text)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('refuses what is not base64, or answers undefined where asked to', () => {
    expect(() => base64ToBytes('not base64!')).toThrow();
    expect(base64ToBytesOrUndefined('not base64!')).toBeUndefined();
    expect(base64ToBytesOrUndefined(undefined)).toBeUndefined();
    expect(base64ToBytesOrUndefined(42)).toBeUndefined();
    expect(base64ToBytesOrUndefined('AAEC')).toEqual(new Uint8Array([0, 1, 2]));
  });
});
