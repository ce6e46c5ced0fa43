import { cpSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileKeyStore, KeyManagementService, MemoryKeyStore, type AuditEvent, type KeyStore } from '../../src/node.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { ACCOUNT, REGION, ROOT, bytes, makeKms, text } from './fixtures.js';

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

/** Flips one base64 character in the middle of line `index` (from 0) of a log. */
function editLine(log: string, index: number): void {
  const bytes = readFileSync(log);
  let start = 0;
  for (let i = 0; i < index; i++) start = bytes.indexOf(0x0a, start) + 1;
  const at = start + 40;
  bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
  writeFileSync(log, bytes);
}

/** A new FileKeyStore and its KMS after `calls` calls (a CreateKey, then Encrypts under that key). */
async function storeWithCalls(calls: number) {
  const directory = freshDirectory();
  const store = new FileKeyStore({ directory });
  const kms = kmsOn(store);
  const { KeyMetadata: key } = await kms.createKey();
  for (let i = 1; i < calls; i++) await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`m${i}`) });
  return { directory, store, kms, key };
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
      await expect(reopened.verifyAuditTrail()).rejects.toMatchObject({ name: 'StoreIntegrityError', message: new RegExp(`${middle.file} line ${middle.line + 1} at bytes`) });
      await reopenedStore.close();
    }, LONG ? 1_800_000 : 300_000);
  }

  it('verification from a checkpoint reads only what follows it, and finds an edit there', async () => {
    const { directory, store, kms, key } = await storeWithCalls(6);
    const first = await kms.verifyAuditTrail();
    expect(first).toMatchObject({ valid: true, records: 6, checkpoint: { count: 6, position: readFileSync(join(directory, 'audit.log')).length } });
    for (let i = 0; i < 4; i++) await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`n${i}`) });
    const second = await kms.verifyAuditTrail({ fromCheckpoint: first.checkpoint });
    expect(second).toMatchObject({ valid: true, records: 10, checkpoint: { count: 10 } });
    expect(await kms.verifyAuditTrail({ fromCheckpoint: second.checkpoint })).toMatchObject({ valid: true, records: 10 });
    await store.close();

    const log = join(directory, 'audit.log');
    const pristine = readFileSync(log);
    editLine(log, 2); // before the checkpoint: not read again from it, found by a full verification
    const reader = kmsOn(new FileKeyStore({ directory, readOnly: true }));
    expect(await reader.verifyAuditTrail({ fromCheckpoint: first.checkpoint })).toMatchObject({ valid: true, records: 10 });
    await expect(reader.verifyAuditTrail()).rejects.toMatchObject({ name: 'StoreIntegrityError', message: /line 3 at bytes/ });
    writeFileSync(log, pristine);
    editLine(log, 8); // after the checkpoint
    const afterEdit = kmsOn(new FileKeyStore({ directory, readOnly: true }));
    await expect(afterEdit.verifyAuditTrail({ fromCheckpoint: first.checkpoint })).rejects.toMatchObject({ name: 'StoreIntegrityError', message: /the line at bytes/ });

    // A checkpoint that is not one of this log is refused, not believed.
    writeFileSync(log, pristine);
    const checkpoint = first.checkpoint!;
    const fresh = () => kmsOn(new FileKeyStore({ directory, readOnly: true }));
    await expect(fresh().verifyAuditTrail({ fromCheckpoint: { ...checkpoint, position: checkpoint.position - 7 } })).rejects.toMatchObject({ name: 'StoreIntegrityError', message: /no line starting at byte/ });
    expect(await fresh().verifyAuditTrail({ fromCheckpoint: { ...checkpoint, mac: 'ab'.repeat(32) } })).toEqual({ valid: false, firstInvalidIndex: 6, records: 10 });
    expect(await fresh().verifyAuditTrail({ fromCheckpoint: { ...checkpoint, count: 5 } })).toEqual({ valid: false, firstInvalidIndex: 5, records: 10 });
    for (const bad of [{ ...checkpoint, count: -1 }, { ...checkpoint, mac: 'zz' }, { count: 1, mac: checkpoint.mac }]) {
      await expect(fresh().verifyAuditTrail({ fromCheckpoint: bad as never })).rejects.toMatchObject({ name: 'ValidationException', message: /fromCheckpoint/ });
    }
  });

  it('from a checkpoint in a memory store too: an edit, a removal or a reordering after it is found', async () => {
    const store = new MemoryKeyStore();
    const { kms } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey();
    for (let i = 0; i < 3; i++) await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`m${i}`) });
    const { checkpoint } = await kms.verifyAuditTrail();
    for (let i = 0; i < 3; i++) await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`n${i}`) });
    const lines = (store as unknown as { auditRecords: string[] }).auditRecords;
    const pristine = [...lines];
    const edits: Array<[string, () => void, number]> = [
      ['edited', () => { lines[5] = lines[5]!.replace('"Encrypt"', '"Decrypt"'); }, 5],
      ['removed', () => { lines.splice(4, 1); }, 4],
      ['reordered', () => { [lines[4], lines[5]] = [lines[5]!, lines[4]!]; }, 4],
    ];
    for (const [what, edit, index] of edits) {
      lines.splice(0, lines.length, ...pristine);
      edit();
      expect(await kmsOn(store).verifyAuditTrail({ fromCheckpoint: checkpoint }), what).toMatchObject({ valid: false, firstInvalidIndex: index });
    }
  });

  it('auditHead, kept elsewhere as an anchor, shows a trail cut short, even once it has grown again', async () => {
    const { directory, store, kms, key } = await storeWithCalls(5);
    const anchor = await kms.auditHead();
    expect(anchor).toEqual({ count: 5, mac: (await kms.listAuditRecords()).at(-1)!.mac });
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('after the anchor') });
    expect(await kms.verifyAuditTrail({ anchor })).toMatchObject({ valid: true, records: 6 });
    await store.close();

    // The last three records cut off, at line boundaries: the chain that is left is intact.
    const log = join(directory, 'audit.log');
    const lines = readFileSync(log, 'latin1').split('\n');
    truncateSync(log, lines.slice(0, 3).join('\n').length + 1);
    const cutStore = new FileKeyStore({ directory });
    const cut = kmsOn(cutStore);
    expect(await cut.verifyAuditTrail()).toMatchObject({ valid: true, records: 3 });
    expect(await cut.verifyAuditTrail({ anchor })).toEqual({ valid: false, firstInvalidIndex: 3, records: 3 });
    for (let i = 0; i < 4; i++) await cut.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`again ${i}`) });
    expect(await cut.verifyAuditTrail()).toMatchObject({ valid: true, records: 7 });
    expect(await cut.verifyAuditTrail({ anchor })).toEqual({ valid: false, firstInvalidIndex: 4, records: 7 });
    await expect(cut.verifyAuditTrail({ anchor: { count: 1, mac: 'not a mac' } })).rejects.toMatchObject({ name: 'ValidationException', message: /anchor/ });
    await cutStore.close();
  });

  it('a store written before records carried a sequence number opens, is counted once, and goes on', async () => {
    const directory = freshDirectory();
    cpSync(fileURLToPath(new URL('../vectors/key-store-unsequenced-audit', import.meta.url)), directory, { recursive: true });
    const store = new FileKeyStore({ directory });
    const kms = kmsOn(store);
    expect(await kms.auditHead()).toMatchObject({ count: 3 });
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: 3 });
    const CiphertextBlob = Buffer.from(readFileSync(join(directory, 'ciphertext.b64'), 'utf8'), 'base64');
    expect(text((await kms.decrypt({ CiphertextBlob })).Plaintext)).toBe('written before sequence numbers');
    await store.close();
    const reopened = kmsOn(new FileKeyStore({ directory }));
    expect(await reopened.auditHead()).toMatchObject({ count: 4 });
    const records = await reopened.listAuditRecords();
    expect(records.map((r) => [r.eventName, r.sequence])).toEqual([['CreateKey', undefined], ['CreateAlias', undefined], ['Encrypt', undefined], ['Decrypt', 3]]);
    expect(await reopened.verifyAuditTrail()).toMatchObject({ valid: true, records: 4 });
  });
});
