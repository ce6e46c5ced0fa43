// Verifying the audit trail beyond a whole pass over it: from a checkpoint (file and memory stores),
// against an anchor kept elsewhere (a trail cut short), and over records written before records
// carried a sequence number. (audit-scale.test.ts runs verification over 100,000 records.)
import { cpSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileKeyStore, KeyManagementService, MemoryKeyStore, type KeyStore } from '../../src/node.js';
import type { AuditRecord } from '../../src/kms/key-store.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { ACCOUNT, REGION, bytes, editLine, makeKms, memoryTrail, text } from './fixtures.js';

const freshDirectory = temporaryDirectories('kms-wasm-audit-');
const kmsOn = (store: KeyStore) => new KeyManagementService({ account: ACCOUNT, region: REGION, store });

/** A new FileKeyStore and its KMS after `calls` calls (a CreateKey, then Encrypts under that key). */
async function storeWithCalls(calls: number) {
  const directory = freshDirectory();
  const store = new FileKeyStore({ directory });
  const kms = kmsOn(store);
  const { KeyMetadata: key } = await kms.createKey();
  for (let i = 1; i < calls; i++) await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`m${i}`) });
  return { directory, store, kms, key };
}

describe('verifying an audit trail', () => {
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
    await expect(reader.verifyAuditTrail()).rejects.toMatchObject({ name: 'StoreIntegrityError', message: expect.stringMatching(/line 3 at bytes/) });
    writeFileSync(log, pristine);
    editLine(log, 8); // after the checkpoint
    const afterEdit = kmsOn(new FileKeyStore({ directory, readOnly: true }));
    await expect(afterEdit.verifyAuditTrail({ fromCheckpoint: first.checkpoint })).rejects.toMatchObject({ name: 'StoreIntegrityError', message: expect.stringMatching(/the line at bytes/) });

    // A checkpoint that is not one of this log is refused, not believed.
    writeFileSync(log, pristine);
    const checkpoint = first.checkpoint!;
    const fresh = () => kmsOn(new FileKeyStore({ directory, readOnly: true }));
    await expect(fresh().verifyAuditTrail({ fromCheckpoint: { ...checkpoint, position: checkpoint.position - 7 } })).rejects.toMatchObject({ name: 'StoreIntegrityError', message: expect.stringMatching(/no line starting at byte/) });
    expect(await fresh().verifyAuditTrail({ fromCheckpoint: { ...checkpoint, mac: 'ab'.repeat(32) } })).toEqual({ valid: false, firstInvalidIndex: 6, records: 10 });
    expect(await fresh().verifyAuditTrail({ fromCheckpoint: { ...checkpoint, count: 5 } })).toEqual({ valid: false, firstInvalidIndex: 5, records: 10 });
    for (const bad of [{ ...checkpoint, count: -1 }, { ...checkpoint, mac: 'zz' }, { count: 1, mac: checkpoint.mac }]) {
      await expect(fresh().verifyAuditTrail({ fromCheckpoint: bad as never })).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/fromCheckpoint/) });
    }
  });

  it('from a checkpoint in a memory store too: an edit, a removal or a reordering after it is found', async () => {
    const store = new MemoryKeyStore();
    const { kms } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey();
    for (let i = 0; i < 3; i++) await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`m${i}`) });
    const { checkpoint } = await kms.verifyAuditTrail();
    for (let i = 0; i < 3; i++) await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`n${i}`) });
    const trail = memoryTrail(store);
    const pristine = trail.records();
    const edits: Array<[string, (lines: AuditRecord[]) => void, number]> = [
      ['edited', (lines) => { lines[5] = { ...lines[5]!, eventName: 'Decrypt' }; }, 5],
      ['removed', (lines) => { lines.splice(4, 1); }, 4],
      ['reordered', (lines) => { [lines[4], lines[5]] = [lines[5]!, lines[4]!]; }, 4],
    ];
    for (const [what, edit, index] of edits) {
      const lines = [...pristine];
      edit(lines);
      trail.replace(lines);
      expect(await kmsOn(store).verifyAuditTrail({ fromCheckpoint: checkpoint }), what).toMatchObject({ valid: false, firstInvalidIndex: index });
    }
  });

  it('auditHead, kept elsewhere as an anchor, shows a trail cut short, even once it has grown again', async () => {
    const { directory, store, kms, key } = await storeWithCalls(5);
    const anchor = await kms.auditHead();
    expect(anchor).toEqual({ count: 5, mac: (await kms.listAuditRecords()).at(-1)!.mac });
    const atAnchor = await kms.verifyAuditTrail({ anchor });
    expect(atAnchor).toMatchObject({ valid: true, records: 5 });
    // From a checkpoint at the anchor's count: the checkpoint's MAC must be the anchored one.
    expect(await kms.verifyAuditTrail({ fromCheckpoint: atAnchor.checkpoint, anchor })).toMatchObject({ valid: true, records: 5 });
    expect(await kms.verifyAuditTrail({ fromCheckpoint: atAnchor.checkpoint, anchor: { count: 5, mac: 'ab'.repeat(32) } }))
      .toEqual({ valid: false, firstInvalidIndex: 4, records: 5 });
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
    await expect(cut.verifyAuditTrail({ anchor: { count: 1, mac: 'not a mac' } })).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/anchor/) });
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
