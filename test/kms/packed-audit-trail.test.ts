// The memory store's audit trail kept as bytes (src/kms/packed-audit-trail.ts): every record must
// come back exactly as a JSON store would give it back, whatever its fields hold, and a record read
// is a new object (changing it changes nothing kept).
import { describe, expect, it } from 'vitest';
import { deriveAuditKey, lastMacInput, macInputBytes, nextRecord } from '../../src/kms/audit-trail.js';
import { GENESIS_MAC, type AuditRecord } from '../../src/kms/key-store.js';
import { PackedAuditTrail } from '../../src/kms/packed-audit-trail.js';

const viaJson = (record: AuditRecord) => JSON.parse(JSON.stringify(record)) as AuditRecord;

describe('the packed audit trail', () => {
  it('gives back each record as read from JSON: optional fields absent, empty or odd, contexts, no sequence, one longer than a chunk', () => {
    const base: AuditRecord = {
      eventId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', eventTime: '2026-12-02T19:00:00.000Z', eventName: 'Decrypt',
      principal: 'arn:aws:iam::111122223333:root', previousMac: GENESIS_MAC, mac: 'ab'.repeat(32), sequence: 0,
    };
    const records: AuditRecord[] = [base, { ...base, sequence: undefined }, { ...base, keyArn: '', viaService: '', grantId: '', errorCode: '', errorMessage: '' },
      { ...base, keyArn: 'arn:aws:kms:us-east-1:111122223333:key/k', viaService: 'ec2.amazonaws.com', grantId: 'g', errorCode: 'AccessDeniedException',
        errorMessage: 'not "allowed" \\ é 😀 \u0000', sequence: 41 },
      { ...base, encryptionContext: { app: 'billing', 'ü "q"': '\u0001', '': '' } }, { ...base, encryptionContext: {} },
      { ...base, principal: 'x'.repeat(1_100_000), mac: '"odd mac"' }, { ...base, sequence: 2 ** 40 }];
    const trail = new PackedAuditTrail();
    for (const record of records) trail.push(record, macInputBytes(record));
    expect(trail.length).toBe(records.length);
    expect(trail.last).toBe(records.at(-1)!.mac);
    records.forEach((record, i) => expect(trail.at(i), `record ${i}`).toStrictEqual(viaJson(record)));
    expect(trail.records()).toStrictEqual(records.map(viaJson));
    const read = trail.at(3);
    read.principal = 'changed';
    expect(trail.at(3).principal).toBe(base.principal);
  });

  it('keeps the MAC input the MAC was computed over, for records chained as a store chains them (thousands, over more than one 1 MiB chunk)', () => {
    const auditKey = deriveAuditKey(crypto.getRandomValues(new Uint8Array(32)));
    const trail = new PackedAuditTrail();
    const made: AuditRecord[] = [];
    let head = { count: 0, mac: GENESIS_MAC };
    for (let i = 0; i < 4000; i++) {
      const record = nextRecord(head, auditKey, { eventTime: new Date(i).toISOString(), eventName: i % 2 ? 'Decrypt' : 'GenerateDataKey',
        principal: 'arn:aws:iam::111122223333:root', keyArn: i % 3 ? 'arn:aws:kms:us-east-1:111122223333:key/k' : undefined });
      if (i % 100 === 0) expect(lastMacInput(auditKey)).toStrictEqual(macInputBytes(record));
      trail.push(record, lastMacInput(auditKey));
      made.push(record);
      head = { count: head.count + 1, mac: record.mac };
    }
    expect(trail.records()).toStrictEqual(made.map(viaJson));
    const replaced = made.slice(0, 2).reverse();
    trail.replace(replaced, macInputBytes);
    expect(trail.records()).toStrictEqual(replaced.map(viaJson));
    expect(trail.last).toBe(made[0]!.mac);
  });
});
