import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTIVE_SEGMENT, archivedName, segmentBefore, segmentsOf } from '../../src/kms/audit-segments.js';
import { FileKeyStore, KeyManagementService } from '../../src/node.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { ACCOUNT, REGION, bytes } from './fixtures.js';

const freshDirectory = temporaryDirectories('kms-wasm-segments-');
const kmsOn = (store: FileKeyStore) => new KeyManagementService({ account: ACCOUNT, region: REGION, store });
const segments = (directory: string) => readdirSync(directory).filter((f) => f.startsWith('audit')).sort();

/** A store whose audit log is archived every ~2,000 bytes (3 or 4 records), after `calls` calls; closed. */
async function segmentedStore(calls: number) {
  const directory = freshDirectory();
  const store = new FileKeyStore({ directory, auditSegmentBytes: 2000 });
  const kms = kmsOn(store);
  const { KeyMetadata: key } = await kms.createKey();
  for (let i = 1; i < calls; i++) await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`m${i}`) });
  await store.close();
  return { directory, keyId: key.KeyId };
}

describe('audit log segments', () => {
  it('a full audit.log is archived under its first and end sequence numbers; the chain runs on across segments', async () => {
    const { directory, keyId } = await segmentedStore(20);
    const files = segments(directory);
    expect(files.length).toBeGreaterThan(3);
    const ranges = files.filter((f) => f !== 'audit.log').map((f) => /^audit-(\d{16})-(\d{16})\.log$/.exec(f)!.slice(1).map(Number));
    expect(ranges[0]![0]).toBe(0);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1]); // no gap, no overlap
    const lineCount = (file: string) => readFileSync(join(directory, file), 'latin1').split('\n').length - 1;
    for (const [i, file] of files.filter((f) => f !== 'audit.log').entries()) expect(lineCount(file)).toBe(ranges[i]![1]! - ranges[i]![0]!);

    const store = new FileKeyStore({ directory, auditSegmentBytes: 2000 });
    const kms = kmsOn(store);
    expect(await kms.auditHead()).toMatchObject({ count: 20 });
    const first = await kms.verifyAuditTrail();
    expect(first).toMatchObject({ valid: true, records: 20 });
    expect((await kms.listAuditRecords()).map((r) => r.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (let i = 0; i < 10; i++) await kms.describeKey({ KeyId: keyId });
    expect(await kms.verifyAuditTrail({ fromCheckpoint: first.checkpoint })).toMatchObject({ valid: true, records: 30 });
    await store.close();
    expect(segments(directory).length).toBeGreaterThan(files.length);
  });

  it('a crash after archiving, before the next record, leaves no audit.log: the head is the newest archive\'s', async () => {
    const { directory, keyId } = await segmentedStore(12);
    const active = join(directory, 'audit.log');
    const archives = segments(directory).filter((f) => f !== 'audit.log');
    const [, , end] = /^audit-(\d{16})-(\d{16})\.log$/.exec(archives.at(-1)!)!.map(Number);
    rmSync(active, { force: true });
    const store = new FileKeyStore({ directory, auditSegmentBytes: 2000 });
    const kms = kmsOn(store);
    expect(await kms.auditHead()).toMatchObject({ count: end });
    await kms.describeKey({ KeyId: keyId });
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: end! + 1 });
    await store.close();
  });

  it('an archived segment removed, swapped or edited breaks the chain there', async () => {
    const { directory } = await segmentedStore(20);
    const archives = segments(directory).filter((f) => f !== 'audit.log');
    const second = archives[1]!;
    const firstOfSecond = Number(/^audit-(\d{16})/.exec(second)![1]);
    const pristine = readFileSync(join(directory, second));
    const reader = () => kmsOn(new FileKeyStore({ directory, readOnly: true }));

    renameSync(join(directory, second), join(directory, `${second}.aside`));
    expect(await reader().verifyAuditTrail()).toMatchObject({ valid: false, firstInvalidIndex: firstOfSecond });
    renameSync(join(directory, `${second}.aside`), join(directory, second));

    const edited = Buffer.from(pristine);
    edited[30] = edited[30] === 0x41 ? 0x42 : 0x41;
    writeFileSync(join(directory, second), edited);
    await expect(reader().verifyAuditTrail()).rejects.toMatchObject({ name: 'StoreIntegrityError', message: expect.stringMatching(new RegExp(`${second} line 1 at bytes`)) });

    writeFileSync(join(directory, second), pristine.subarray(0, pristine.length - 10)); // an archive cannot end torn
    await expect(reader().verifyAuditTrail()).rejects.toMatchObject({ name: 'StoreIntegrityError', message: expect.stringMatching(/archived segment that does not end in a whole record/) });

    writeFileSync(join(directory, second), pristine);
    expect(await reader().verifyAuditTrail()).toMatchObject({ valid: true, records: 20 });
    expect(() => new FileKeyStore({ directory, auditSegmentBytes: 0 })).toThrow(/auditSegmentBytes/);
  });
});

describe('a checkpoint whose segment was removed', () => {
  it('verifying from it finds the log damaged (a StoreIntegrityError or an invalid trail), never valid and never another error', async () => {
    const { directory } = await segmentedStore(6);
    const store = new FileKeyStore({ directory, auditSegmentBytes: 2000 });
    const kms = kmsOn(store);
    const checkpoint = (await kms.verifyAuditTrail()).checkpoint!; // at record 6, in the first or second archive
    const { KeyMetadata: key } = await kms.createKey();
    for (let i = 0; i < 12; i++) await kms.describeKey({ KeyId: key.KeyId });
    await store.close();
    for (const archive of segments(directory).filter((f) => f !== 'audit.log' && Number(/^audit-(\d{16})/.exec(f)![1]) < checkpoint.count)) {
      rmSync(join(directory, archive));
    }
    const reader = kmsOn(new FileKeyStore({ directory, readOnly: true }));
    const outcome = await reader.verifyAuditTrail({ fromCheckpoint: checkpoint }).catch((error: unknown) => error);
    if (outcome instanceof Error) expect(outcome.name, outcome.message).toBe('StoreIntegrityError');
    else expect(outcome).toMatchObject({ valid: false });
  });
});

describe('segment names and ranges', () => {
  it('an archive is named by its first and end sequence numbers, 16 digits each', () => {
    expect(archivedName(0, 4)).toBe('audit-0000000000000000-0000000000000004.log');
    expect(archivedName(1234, 98765432109876)).toBe('audit-0000000000001234-0098765432109876.log');
  });

  it('segments are the archives oldest first, then the active one from the newest archive\'s end; other files are not segments', () => {
    const names = [archivedName(7, 12), 'audit.log', archivedName(0, 3), archivedName(3, 7), 'kms-state.bin',
      `x${archivedName(12, 20)}`, `${archivedName(12, 20)}.aside`, 'audit-12-20.log', 'audit-000000000000001a-0000000000000020.log'];
    expect(segmentsOf(names)).toEqual([
      { name: archivedName(0, 3), first: 0, end: 3 },
      { name: archivedName(3, 7), first: 3, end: 7 },
      { name: archivedName(7, 12), first: 7, end: 12 },
      { name: ACTIVE_SEGMENT, first: 12, end: Infinity },
    ]);
    // Without archives (or files), the active segment holds everything from record 0.
    expect(segmentsOf([])).toEqual([{ name: 'audit.log', first: 0, end: Infinity }]);
    expect(segmentsOf(['audit.log', 'kms-state.bin'])).toEqual([{ name: 'audit.log', first: 0, end: Infinity }]);
  });

  it('reading from record `count` on starts in the segment holding record count - 1 (a checkpoint\'s position is in it)', () => {
    const segments = segmentsOf([archivedName(0, 3), archivedName(3, 7), archivedName(7, 12)]);
    expect(segmentBefore(segments, 0)).toBe(0);
    expect([1, 2, 3].map((count) => segmentBefore(segments, count))).toEqual([0, 0, 0]);
    expect([4, 7].map((count) => segmentBefore(segments, count))).toEqual([1, 1]);
    expect([8, 12].map((count) => segmentBefore(segments, count))).toEqual([2, 2]);
    expect([13, 1000].map((count) => segmentBefore(segments, count))).toEqual([3, 3]);
  });
});
