// The audit trail's MACs (and later the SSE-C key check) use @noble/hashes' HMAC-SHA-256: checked
// here against every Wycheproof HMAC-SHA-256 vector, truncated tags included.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { loadVectorFile } from '../helpers/vectors.js';

interface MacVector { tcId: number; key: string; msg: string; tag: string; result: 'valid' | 'invalid' }
const groups: Array<{ tagSize: number; tests: MacVector[] }> = loadVectorFile('wycheproof_hmac_sha256_test.json').testGroups;
const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));

describe('HMAC-SHA-256: Wycheproof', () => {
  const vectors = groups.flatMap((g) => g.tests.map((t) => ({ ...t, tagBytes: g.tagSize / 8 })));

  it('covers the file', () => {
    expect(vectors.length).toBeGreaterThan(100);
    expect(vectors.some((v) => v.result === 'invalid')).toBe(true);
  });

  it('computes every valid tag and rejects every invalid one', () => {
    for (const v of vectors) {
      const tag = Buffer.from(hmac(sha256, hex(v.key), hex(v.msg)).subarray(0, v.tagBytes)).toString('hex');
      expect(tag === v.tag, `tcId ${v.tcId}`).toBe(v.result === 'valid');
    }
  });
});
