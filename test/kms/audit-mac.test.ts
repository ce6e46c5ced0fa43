// The audit trail's record MAC computed two ways (src/kms/audit-trail.ts): node:crypto's HMAC where
// the runtime is Node, @noble/hashes' elsewhere. A trail written in one runtime must verify in the
// other, so both must give the same MAC for every text (checked against an independent HMAC too).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyedRecordMac } from '../../src/kms/audit-trail.js';

describe('the audit record MAC', () => {
  it('is the same HMAC-SHA-256 whether node:crypto or @noble/hashes computes it, ASCII or not', () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const platform = keyedRecordMac(key, true);
    const portable = keyedRecordMac(key, false);
    // A long text (its UTF-8 more than the first buffer holds) and then short ones again: the buffer grows and is reused.
    const texts = ['', '["x"]', 'é', '"日本語 ✓ 😀"', '\u0000\n"\\', 'a'.repeat(1000), '€'.repeat(5000), 'short after long', 'é',
      JSON.stringify(['0'.repeat(64), 'Decrypt', { 'ctx ü': 'v' }])];
    for (const text of texts) {
      const expected = createHmac('sha256', key).update(Buffer.from(text, 'utf8')).digest('hex');
      expect(platform(text), text).toBe(expected);
      expect(portable(text), text).toBe(expected);
    }
  });

  it('is the same HMAC-SHA-256 for a key of exactly one SHA-256 block (64 bytes), used unhashed', () => {
    const key = crypto.getRandomValues(new Uint8Array(64));
    const expected = createHmac('sha256', key).update('record', 'utf8').digest('hex');
    expect(keyedRecordMac(key, true)('record')).toBe(expected);
    expect(keyedRecordMac(key, false)('record')).toBe(expected);
  });

  it('is keyed: another key gives another MAC', () => {
    const a = keyedRecordMac(crypto.getRandomValues(new Uint8Array(32)), true);
    const b = keyedRecordMac(crypto.getRandomValues(new Uint8Array(32)), true);
    expect(a('record')).not.toBe(b('record'));
  });
});
