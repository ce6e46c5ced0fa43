// The audit trail's MACs (and later the SSE-C key check) use @noble/hashes' HMAC-SHA-256: checked
// here against every Wycheproof HMAC-SHA-256 vector, truncated tags included.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { KeyedMac } from '../../src/kms/audit-trail.js';
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

  it('the audit record MAC, both ways it is computed, is this HMAC under every key of the file (known tags where the message is UTF-8 text)', () => {
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    const full = vectors.filter((v) => v.result === 'valid' && v.tagBytes === 32);
    // Keys shorter and longer than SHA-256's 64-byte block (a longer one is hashed first; audit-mac.test.ts has one of 64).
    expect(new Set(full.map((v) => Math.sign(v.key.length / 2 - 64)))).toEqual(new Set([-1, 1]));
    let known = 0;
    for (const v of full) {
      const key = hex(v.key);
      const macs = [KeyedMac.of(key, true), KeyedMac.of(key, false)];
      let text: string | undefined;
      try {
        text = utf8.decode(hex(v.msg));
      } catch {
        text = undefined;
      }
      if (text !== undefined) {
        known++;
        for (const mac of macs) expect(mac.text(text), `tcId ${v.tcId}`).toBe(v.tag);
      }
      for (const other of ['["record",1]', 'ü'.repeat(700)]) {
        const tag = Buffer.from(hmac(sha256, key, new TextEncoder().encode(other))).toString('hex');
        for (const mac of macs) expect(mac.text(other), `tcId ${v.tcId}`).toBe(tag);
      }
    }
    expect(known).toBeGreaterThan(0);
  });
});
