// The checks every layer relies on, each tried the way a caller gets it wrong (or an attacker
// exploits it): a tag one byte short, a byte array from another realm, a Buffer "copy" that is a view.
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { requireBytes, requireIntegerInRange } from '../../src/core/validate.js';
import { compareBytes, constantTimeEqual, copyBytes } from '../../src/core/bytes.js';

describe('constantTimeEqual', () => {
  it('a tag cut short, or with a byte added, is never equal, even where the bytes it has agree (including empty against any)', () => {
    const tag = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    for (let length = 0; length < 16; length++) {
      expect(constantTimeEqual(tag.subarray(0, length), tag), `${length} of 16 bytes`).toBe(false);
      expect(constantTimeEqual(tag, tag.subarray(0, length)), `16 against ${length} bytes`).toBe(false);
    }
    expect(constantTimeEqual(new Uint8Array([...tag, 0]), tag)).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('any one bit changed at any position is a difference; equal arrays (distinct objects) are equal', () => {
    const a = Uint8Array.from({ length: 33 }, (_, i) => (i * 37) & 0xff);
    expect(constantTimeEqual(a, a.slice())).toBe(true);
    for (let i = 0; i < a.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const b = a.slice();
        b[i]! ^= bit;
        expect(constantTimeEqual(a, b), `byte ${i} bit ${bit}`).toBe(false);
      }
    }
  });
});

describe('requireBytes', () => {
  it('returns the very array given (Uint8Array, Buffer, or one from another realm), checking the length when asked', () => {
    const plain = new Uint8Array(4);
    const buffer = Buffer.alloc(4);
    const foreign = runInNewContext('new Uint8Array(4)') as Uint8Array;
    const unnamed = Object.assign(runInNewContext('new Uint8Array(4)') as Uint8Array, { constructor: undefined });
    for (const value of [plain, buffer, foreign, unnamed]) {
      expect(requireBytes('key', value)).toBe(value);
      expect(requireBytes('key', value, 4)).toBe(value);
    }
    expect(requireBytes('empty', new Uint8Array(0), 0)).toHaveLength(0);
  });

  it('refuses everything else, naming the field and what it got', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'null'], [undefined, 'undefined'], ['text', 'string'], [7, 'number'], [[1, 2], 'object'],
      [new Uint16Array(4), 'Uint16Array'], [new Uint8ClampedArray(4), 'Uint8ClampedArray'], [new ArrayBuffer(4), 'ArrayBuffer'],
      [new DataView(new ArrayBuffer(4)), 'DataView'], [runInNewContext('new Int8Array(4)'), 'Int8Array'],
      // Disguises: a constructor property that lies, or is gone, changes nothing.
      [Object.assign(runInNewContext('new Uint16Array(4)') as object, { constructor: { name: 'Uint8Array' } }), 'Uint16Array'],
      [Object.assign(runInNewContext('new Int8Array(4)') as object, { constructor: undefined }), 'Int8Array'],
      [{ length: 4, constructor: Uint8Array, [Symbol.toStringTag]: 'Uint8Array' }, 'object'],
    ];
    for (const [value, got] of cases) {
      let error: unknown;
      try {
        requireBytes('iv', value);
      } catch (e) {
        error = e;
      }
      expect(error, got).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe('iv');
      expect((error as Error).message).toBe(`iv: expected a Uint8Array, got ${got}`);
    }
  });

  it('a length off by one either way is refused, saying both lengths', () => {
    for (const length of [31, 33]) {
      expect(() => requireBytes('key', new Uint8Array(length), 32)).toThrow(`key: expected 32 bytes, got ${length}`);
    }
  });
});

describe('requireIntegerInRange', () => {
  it('takes both ends of the range and refuses one past either, fractions, NaN, infinities and numeric strings', () => {
    expect(requireIntegerInRange('tagLength', 12, 12, 16)).toBe(12);
    expect(requireIntegerInRange('tagLength', 16, 12, 16)).toBe(16);
    for (const value of [11, 17, 12.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '14', undefined]) {
      expect(() => requireIntegerInRange('tagLength', value, 12, 16), String(value)).toThrow(`tagLength: expected an integer from 12 to 16, got ${String(value)}`);
    }
  });
});

describe('copyBytes', () => {
  it('copies into a buffer of its own, even from a Node Buffer (whose slice() would be a view), whole or in part', () => {
    const source = Buffer.from([1, 2, 3, 4, 5]);
    const whole = copyBytes(source);
    const part = copyBytes(source, 1, 3);
    expect([...whole]).toEqual([1, 2, 3, 4, 5]);
    expect([...part]).toEqual([2, 3]);
    expect([...copyBytes(source, 2)]).toEqual([3, 4, 5]);
    source.fill(0);
    expect([...whole]).toEqual([1, 2, 3, 4, 5]);
    expect([...part]).toEqual([2, 3]);
    expect(whole.byteOffset).toBe(0);
    expect(whole.buffer.byteLength).toBe(5);
    expect(Object.getPrototypeOf(whole)).toBe(Uint8Array.prototype);
  });
});

describe('compareBytes', () => {
  it('the sign follows the first differing byte, not the lengths; equal prefixes order by length', () => {
    const b = (...v: number[]) => new Uint8Array(v);
    expect(Math.sign(compareBytes(b(1, 9, 9), b(2)))).toBe(-1);
    expect(Math.sign(compareBytes(b(2), b(1, 9, 9)))).toBe(1);
    expect(Math.sign(compareBytes(b(0xff), b(0x7f)))).toBe(1);
    expect(Math.sign(compareBytes(b(), b(0)))).toBe(-1);
    expect(Math.sign(compareBytes(b(0), b()))).toBe(1);
    expect(compareBytes(b(), b())).toBe(0);
    expect(Math.sign(compareBytes(b(1, 2, 3), b(1, 2, 4)))).toBe(-1);
  });
});
