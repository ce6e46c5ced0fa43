import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileKeyStore, KeyManagementService, type AuditEvent, type KeyStore } from '../../src/node.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { ACCOUNT, REGION, ROOT, editLine } from './fixtures.js';

const freshDirectory = temporaryDirectories('kms-wasm-audit-');
const kmsOn = (store: KeyStore) => new KeyManagementService({ account: ACCOUNT, region: REGION, store });
const LONG = process.env.KMS_WASM_LONG_TESTS === '1';

/** Appends `count` Decrypt records to a store's trail, chained to its head, 10,000 to a write. */
async function appendRecords(store: KeyStore, count: number): Promise<void> {
  for (let done = 0; done < count;) {
    const batch: AuditEvent[] = [];
    for (; batch.length < 10_000 && done < count; done++) batch.push({ eventTime: new Date(0).toISOString(), eventName: 'Decrypt', principal: ROOT });
    await store.commit(batch);
  }
}

/** The audit segment holding record `index` of a store's trail, and the record's line in it (from 0). */
function segmentHolding(directory: string, index: number): { file: string; line: number } {
  for (const name of readdirSync(directory)) {
    const range = /^audit-(\d{16})-(\d{16})\.log$/.exec(name)?.slice(1).map(Number);
    if (range && range[0]! <= index && index < range[1]!) return { file: join(directory, name), line: index - range[0]! };
  }
  const archivedEnds = readdirSync(directory).flatMap((name) => /^audit-\d{16}-(\d{16})\.log$/.exec(name)?.slice(1).map(Number) ?? []);
  return { file: join(directory, 'audit.log'), line: index - Math.max(0, ...archivedEnds) };
}

describe('an audit trail that scales', () => {
  for (const records of LONG ? [100_000, 1_000_000] : [100_000]) {
    it(`${records.toLocaleString('en')} records: a store opens from the log's end, and verification and listing read it through`, async () => {
      const directory = freshDirectory();
      const segmented = { directory, auditSegmentBytes: 8 * 2 ** 20 }; // here a segment every 20,000 records (two 10,000-record appends)
      const first = new FileKeyStore(segmented);
      const { KeyMetadata: key } = await kmsOn(first).createKey();
      await first.close();
      const filler = new FileKeyStore(segmented);
      await appendRecords(filler, records);
      await filler.close();
      const writer = new FileKeyStore(segmented);
      const kms = kmsOn(writer);
      await kms.describeKey({ KeyId: key.KeyId });
      const total = records + 2;
      expect(await kms.auditHead()).toMatchObject({ count: total });
      expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: total, checkpoint: { count: total } });
      expect((await kms.listAuditRecords({ EventName: 'DescribeKey' })).map((r) => r.sequence)).toEqual([total - 1]);
      await writer.close();

      // A record in the middle edited: a store that opens does not read that far (its calls work), a
      // verification does, and refuses it, naming the line.
      const middle = segmentHolding(directory, Math.floor(records / 2));
      expect(middle.file.endsWith('audit.log')).toBe(false);
      editLine(middle.file, middle.line);
      const reopenedStore = new FileKeyStore(segmented);
      const reopened = kmsOn(reopenedStore);
      expect((await reopened.describeKey({ KeyId: key.KeyId })).KeyMetadata.KeyId).toBe(key.KeyId);
      expect(await reopened.auditHead()).toMatchObject({ count: total + 1 });
      await expect(reopened.verifyAuditTrail()).rejects.toMatchObject({ name: 'StoreIntegrityError', message: expect.stringMatching(new RegExp(`${middle.file} line ${middle.line + 1} at bytes`)) });
      await reopenedStore.close();
    }, LONG ? 1_800_000 : 300_000);
  }
});
