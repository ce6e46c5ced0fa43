import { describe, expect, it } from 'vitest';
import { compareBytes, isAllZero } from '../../src/core/validate.js';

describe('byte helpers', () => {
  it('isAllZero finds a single non-zero byte at any position, for any offset and length', () => {
    const backing = new Uint8Array(64);
    for (let offset = 0; offset < 5; offset++) {
      for (let length = 0; length <= 40; length++) {
        const view = backing.subarray(offset, offset + length);
        expect(isAllZero(view)).toBe(true);
        for (let i = 0; i < length; i++) {
          view[i] = 0x80;
          expect(isAllZero(view), `offset ${offset}, length ${length}, byte ${i}`).toBe(false);
          view[i] = 0;
        }
        backing[offset + length] = 1; // just past the view: not its business
        expect(isAllZero(view)).toBe(true);
        backing[offset + length] = 0;
      }
    }
  });

  it('compareBytes orders lexicographically, a prefix first', () => {
    const b = (...v: number[]) => new Uint8Array(v);
    expect(compareBytes(b(1, 2), b(1, 3))).toBeLessThan(0);
    expect(compareBytes(b(2), b(1, 9))).toBeGreaterThan(0);
    expect(compareBytes(b(1), b(1, 0))).toBeLessThan(0);
    expect(compareBytes(b(1, 2), b(1, 2))).toBe(0);
  });
});
