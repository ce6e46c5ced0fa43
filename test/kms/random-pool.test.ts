// The random bytes of the cryptographic operations (src/kms/random-pool.ts), drawn from
// crypto.getRandomValues a block at a time: every draw is fresh, whatever its length.
import { describe, expect, it, vi } from 'vitest';
import { randomBytes, randomInto } from '../../src/kms/random-pool.js';

describe('randomBytes', () => {
  it('gives the length asked, and never the same bytes twice, across many blocks', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const bytes = randomBytes(i % 2 === 0 ? 12 : 32);
      expect(bytes.length).toBe(i % 2 === 0 ? 12 : 32);
      seen.add(Buffer.from(bytes).toString('hex'));
    }
    expect(seen.size).toBe(3000);
  });

  it('each draw is a copy of its own: changing (zeroing) one changes no other', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const before = b.slice();
    a.fill(0);
    expect(b).toEqual(before);
    expect(a.buffer).not.toBe(b.buffer);
  });

  it('draws from crypto.getRandomValues: a block for small draws, directly for large ones', () => {
    const spy = vi.spyOn(crypto, 'getRandomValues');
    try {
      for (let i = 0; i < 400; i++) randomBytes(32); // 12,800 bytes: at least 3 and at most 4 blocks of 4 KiB
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(3);
      expect(spy.mock.calls.length).toBeLessThanOrEqual(4);
      spy.mockClear();
      expect(randomBytes(1024).length).toBe(1024);
      expect(spy).toHaveBeenCalledTimes(1);
      expect((spy.mock.calls[0]![0] as Uint8Array).length).toBe(1024);
    } finally {
      spy.mockRestore();
    }
  });

  it('randomInto writes fresh bytes where asked and nowhere else, and refuses more than the pool serves', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const target = new Uint8Array(40).fill(0xee);
      expect(randomInto(target, 21, 12)).toBe(target);
      expect([...target.subarray(0, 21), ...target.subarray(33)].every((b) => b === 0xee)).toBe(true);
      seen.add(Buffer.from(target.subarray(21, 33)).toString('hex'));
    }
    expect(seen.size).toBe(1000);
    expect(() => randomInto(new Uint8Array(65), 0, 65)).toThrow(RangeError);
  });
});
