// The audit trail's record MAC computed two ways (src/kms/audit-trail.ts): node:crypto's HMAC where
// the runtime is Node, @noble/hashes' elsewhere. A trail written in one runtime must verify in the
// other, so both must give the same MAC for every text (checked against an independent HMAC too).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyedMac } from '../../src/kms/audit-trail.js';
import type { AuditRecord } from '../../src/kms/key-store.js';

/** The text a record's MAC covers, as the trail's format defines it: JSON of the fields in a fixed order. */
const definedMacInput = (r: Omit<AuditRecord, 'mac'>) => JSON.stringify([r.previousMac, r.eventId, r.eventTime, r.eventName, r.principal,
  r.viaService ?? '', r.keyArn ?? '', r.encryptionContext === undefined ? 'null' : JSON.stringify(r.encryptionContext), r.grantId ?? '',
  r.errorCode ?? '', r.errorMessage ?? '', ...(r.sequence === undefined ? [] : [String(r.sequence)])]);

describe('the audit record MAC', () => {
  it('is the same HMAC-SHA-256 whether node:crypto or @noble/hashes computes it, ASCII or not', () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const platform = KeyedMac.of(key, true);
    const portable = KeyedMac.of(key, false);
    // A long text (its UTF-8 more than the first buffer holds) and then short ones again: the buffer grows and is reused.
    const texts = ['', '["x"]', 'é', '"日本語 ✓ 😀"', '\u0000\n"\\', 'a'.repeat(1000), '€'.repeat(5000), 'short after long', 'é',
      JSON.stringify(['0'.repeat(64), 'Decrypt', { 'ctx ü': 'v' }])];
    for (const text of texts) {
      const expected = createHmac('sha256', key).update(Buffer.from(text, 'utf8')).digest('hex');
      expect(platform.text(text), text).toBe(expected);
      expect(portable.text(text), text).toBe(expected);
    }
  });

  it('is the same HMAC-SHA-256 for a key of exactly one SHA-256 block (64 bytes), used unhashed', () => {
    const key = crypto.getRandomValues(new Uint8Array(64));
    const expected = createHmac('sha256', key).update('record', 'utf8').digest('hex');
    expect(KeyedMac.of(key, true).text('record')).toBe(expected);
    expect(KeyedMac.of(key, false).text('record')).toBe(expected);
  });

  it('is keyed: another key gives another MAC', () => {
    const a = KeyedMac.of(crypto.getRandomValues(new Uint8Array(32)), true);
    const b = KeyedMac.of(crypto.getRandomValues(new Uint8Array(32)), true);
    expect(a.text('record')).not.toBe(b.text('record'));
  });

  it('of a record is the HMAC of its fields\' JSON, whatever they hold (as a record read back from a tampered store may)', () => {
    const plain: Omit<AuditRecord, 'mac'> = {
      previousMac: 'ab'.repeat(32), eventId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', eventTime: '2026-12-02T19:00:00.000Z', eventName: 'Decrypt',
      principal: 'arn:aws:iam::111122223333:root', keyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', sequence: 7,
    };
    const odd = ['', '"', '\\', '\u0000\u001f\u007f', '\n\t\r', 'é', '日本語 ✓ 😀', '\ud800', 'x\udfffy', '\u2028\u2029', '</script>', 'z'.repeat(3000)];
    const records: Array<Omit<AuditRecord, 'mac'>> = [plain, { ...plain, sequence: undefined }, { ...plain, keyArn: undefined, sequence: 0 },
      { ...plain, viaService: 's3.amazonaws.com', grantId: 'g'.repeat(64), errorCode: 'AccessDeniedException', errorMessage: 'not "allowed"' },
      { ...plain, encryptionContext: { app: 'billing', 'ü "q"': '\u0001', '': '' } }, { ...plain, sequence: 1.5 }, { ...plain, sequence: 1e21 }];
    const fields = ['previousMac', 'eventId', 'eventTime', 'eventName', 'principal', 'viaService', 'keyArn', 'grantId', 'errorCode', 'errorMessage'] as const;
    for (const field of fields) for (const value of odd) records.push({ ...plain, [field]: value });
    for (const key of [crypto.getRandomValues(new Uint8Array(32)), crypto.getRandomValues(new Uint8Array(100))]) {
      const macs = [KeyedMac.of(key, true), KeyedMac.of(key, false)];
      for (const record of [...records, plain]) { // plain again last: after the longest, in a grown buffer
        const expected = createHmac('sha256', key).update(Buffer.from(definedMacInput(record), 'utf8')).digest('hex');
        for (const mac of macs) expect(mac.record(record), definedMacInput(record).slice(0, 200)).toBe(expected);
      }
    }
  });
});
