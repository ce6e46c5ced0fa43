// FileKeyStore pipelines its group commit (AuditWriter, KeyStore.commit's `written`): the next
// group's records are written while the group before is being fsynced, and are acknowledged only
// once their own fsync and every earlier one are done. If an earlier fsync fails, every group
// chained to it fails too, and the log is cut back to before them. The fsyncs are held and failed
// here by wrapping FileHandle.prototype.datasync (the audit log's only fsync call).
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileKeyStore, KeyManagementService } from '../../src/node.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const newDirectory = temporaryDirectories('kms-wasm-pipelined-commit-');

interface HeldSync { release: (error?: Error) => void }

/** Wraps FileHandle.prototype.datasync: counts calls and settled calls; with `hold` set, the next call waits for `held.release` (then fails, if given an error). */
async function datasyncControl() {
  const probe = await open(join(newDirectory(), 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
  await probe.close();
  const original = proto.datasync;
  const control = { calls: 0, settled: 0, held: undefined as HeldSync | undefined, hold: false };
  proto.datasync = async function (this: unknown) {
    control.calls++;
    const hold = control.hold;
    control.hold = false;
    await original.call(this);
    if (hold) {
      const error = await new Promise<Error | undefined>((resolve) => { control.held = { release: resolve }; });
      if (error) throw error;
    }
    control.settled++;
  };
  return { control, restore: () => { proto.datasync = original; } };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
};

describe('the file store\'s pipelined group commit', () => {
  let sync: Awaited<ReturnType<typeof datasyncControl>>;
  beforeEach(async () => { sync = await datasyncControl(); });
  afterEach(() => sync.restore());

  async function kmsOn(directory: string) {
    const store = new FileKeyStore({ directory });
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1', store });
    return { store, kms };
  }

  /** A KMS on a new directory with one key and one call made (the log open), the next fsync held: GenerateDataKey call `n` as `call(n)`. */
  async function withNextSyncHeld() {
    const directory = newDirectory();
    const { store, kms } = await kmsOn(directory);
    const { KeyMetadata: key } = await kms.createKey();
    const call = (n: number) => kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: { n: String(n) } });
    await call(0);
    sync.control.hold = true;
    return { directory, store, kms, call, before: sync.control.calls };
  }

  it('writes the next group while the last is being fsynced, and answers each only once every earlier fsync is done', async () => {
    const { directory, store, kms, call, before } = await withNextSyncHeld();
    const answered: number[] = [];
    const first = call(1).then(() => answered.push(1));
    await until(() => sync.control.held !== undefined); // group A written, its fsync held
    const others = [call(2).then(() => answered.push(2)), call(3).then(() => answered.push(3))];
    await until(() => sync.control.calls === before + 2 && sync.control.settled === before + 1); // group B written and fsynced
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toEqual([]); // B is durable, but A is not: nobody is answered yet
    sync.control.held!.release();
    await Promise.all([first, ...others]);
    expect(answered[0]).toBe(1);
    expect(answered.slice(1).sort()).toEqual([2, 3]);
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: 5 });
    await store.close();
    const reopened = await kmsOn(directory);
    expect(await reopened.kms.verifyAuditTrail()).toMatchObject({ valid: true, records: 5 });
    expect((await reopened.kms.listAuditRecords()).map((r) => r.encryptionContext?.n ?? r.eventName)).toEqual(['CreateKey', '0', '1', '2', '3']);
    await reopened.store.close();
  });

  it('a failed fsync fails its group and every group written behind it; the log is cut back to before them', async () => {
    const { directory, store, kms, call, before } = await withNextSyncHeld();
    const outcome = (n: number) => call(n).then(() => 'stored', (error: Error) => error.message);
    const first = outcome(1);
    await until(() => sync.control.held !== undefined);
    const others = [outcome(2), outcome(3)];
    await until(() => sync.control.calls === before + 2 && sync.control.settled === before + 1);
    sync.control.held!.release(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    expect(await Promise.all([first, ...others])).toEqual(Array(3).fill('EIO: i/o error, fdatasync')); // B's own fsync succeeded
    expect(await kms.auditHead()).toMatchObject({ count: 2 }); // CreateKey and call 0 only
    await call(4); // the next group appends where the log's good content ends
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: 3 });
    await store.close();
    const reopened = await kmsOn(directory);
    expect(await reopened.kms.verifyAuditTrail()).toMatchObject({ valid: true, records: 3 });
    expect((await reopened.kms.listAuditRecords()).map((r) => r.encryptionContext?.n ?? r.eventName)).toEqual(['CreateKey', '0', '4']);
    await reopened.store.close();
  });
});
