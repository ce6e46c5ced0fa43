import { describe, expect, it } from 'vitest';
import { compareBytes, concatBytes, constantTimeEqualText, isAllZero } from '../../src/core/bytes.js';

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

  it('concatBytes joins parts in order into a new buffer, empty parts and none included', () => {
    const parts = [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])];
    const joined = concatBytes(parts);
    expect([...joined]).toEqual([1, 2, 3]);
    joined[0] = 9;
    expect(parts[0]![0]).toBe(1); // a copy, not a view of a part
    expect(concatBytes([]).length).toBe(0);
  });

  it('constantTimeEqualText: equal only for the same text, whatever differs (a character, the length, a non-ASCII character)', () => {
    expect(constantTimeEqualText('abc', 'abc')).toBe(true);
    expect(constantTimeEqualText('', '')).toBe(true);
    expect(constantTimeEqualText('abc', 'abd')).toBe(false);
    expect(constantTimeEqualText('abc', 'ab')).toBe(false);
    expect(constantTimeEqualText('ab', 'abc')).toBe(false);
    expect(constantTimeEqualText('é', 'e')).toBe(false);
    expect(constantTimeEqualText('é', 'é')).toBe(true);
  });
});
