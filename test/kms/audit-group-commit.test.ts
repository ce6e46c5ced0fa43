import { describe, expect, it } from 'vitest';
import { MemoryKeyStore, type AuditEvent, type KeyStore } from '../../src/index.js';
import { bytes, makeKms } from './fixtures.js';

/**
 * A memory store whose next audit write, once `hold()` is called, waits 100 ms (and then fails, if
 * asked), so that the calls made meanwhile queue their records. It records each audit write and how
 * many records were stored when each state write began.
 */
function slowStore() {
  const store = new MemoryKeyStore();
  const batches: AuditEvent[][] = [];
  const storedAtStateWrite: number[] = [];
  const storedContexts = new Set<string>();
  let held: { fail?: Error } | undefined;
  const slow: KeyStore = {
    rootKey: () => store.rootKey(), read: () => store.read(), auditHead: () => store.auditHead(), readAudit: (from) => store.readAudit(from),
    commit: async (events, change) => {
      if (change) {
        storedAtStateWrite.push((await store.auditHead()).count);
        return store.commit(events, change);
      }
      batches.push(events);
      const hold = held;
      held = undefined;
      if (hold) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (hold.fail) throw hold.fail;
      }
      await store.commit(events);
      for (const e of events) if (e.encryptionContext?.n !== undefined) storedContexts.add(e.encryptionContext.n);
      return 0;
    },
  };
  return { store: slow, batches, storedAtStateWrite, storedContexts, hold: (fail?: Error) => { held = { fail }; } };
}

/** A KMS on a slow store, with one key. */
async function slowKms() {
  const slow = slowStore();
  const { kms } = makeKms({ store: slow.store });
  const { KeyMetadata: key } = await kms.createKey();
  return { slow, kms, key };
}

const CALLS = 200;

describe('audit group commit', () => {
  it('records of calls made while a write is under way share the next write; each call answers only once its record is stored', async () => {
    const { slow, kms, key } = await slowKms();
    slow.batches.length = 0;
    slow.hold();
    const answeredBeforeStored: string[] = [];
    const calls = Array.from({ length: CALLS }, (_, i) => kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: { n: String(i) } })
      .then((result) => {
        if (!slow.storedContexts.has(String(i))) answeredBeforeStored.push(String(i));
        return result;
      }));
    const results = await Promise.all(calls);
    expect(results.every((r) => r.Plaintext.length === 32)).toBe(true);
    expect(answeredBeforeStored).toEqual([]);
    expect(slow.batches.flat()).toHaveLength(CALLS);
    expect(slow.batches.length).toBeLessThan(CALLS);
    expect(Math.max(...slow.batches.map((b) => b.length))).toBeGreaterThan(1);
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: CALLS + 1 });
    expect((await kms.listAuditRecords()).map((r) => r.sequence)).toEqual(Array.from({ length: CALLS + 1 }, (_, i) => i));
  });

  it('a call that changes state waits until the records before it are stored, and the calls after it wait for its own', async () => {
    const { slow, kms, key } = await slowKms();
    slow.storedAtStateWrite.length = 0;
    slow.hold();
    const before = Array.from({ length: 50 }, (_, i) => kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { n: `before ${i}` } }));
    const created = kms.createKey();
    const after = Array.from({ length: 50 }, (_, i) => kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { n: `after ${i}` } }));
    await Promise.all([...before, created, ...after]);
    expect(slow.storedAtStateWrite).toEqual([1 + 50]); // the first CreateKey and the 50 before
    const order = (await kms.listAuditRecords()).map((r) => r.encryptionContext?.n ?? r.eventName);
    expect(order.indexOf('CreateKey', 1)).toBe(51);
    expect(order.slice(52).every((n) => n.startsWith('after'))).toBe(true);
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: 102 });
  });

  it('a failed write fails exactly its calls; those queued behind it are chained to what the store holds and stored next', async () => {
    const { slow, kms, key } = await slowKms();
    slow.batches.length = 0;
    slow.hold(new Error('disk full'));
    const call = (i: number) => kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: { n: String(i) } });
    // Half the calls at once (their records make the failing write), the other half while it is under way.
    const firstHalf = Array.from({ length: CALLS / 2 }, (_, i) => call(i));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const secondHalf = Array.from({ length: CALLS / 2 }, (_, i) => call(CALLS / 2 + i));
    const outcomes = await Promise.allSettled([...firstHalf, ...secondHalf]);
    const failed = outcomes.filter((o) => o.status === 'rejected');
    expect(outcomes[0]!.status).toBe('rejected');
    expect(failed).toHaveLength(slow.batches[0]!.length);
    expect(outcomes.at(-1)!.status).toBe('fulfilled'); // queued while the failing write was under way
    expect(failed.every((o) => (o as PromiseRejectedResult).reason.message === 'disk full')).toBe(true);
    const answered = outcomes.filter((o) => o.status === 'fulfilled').length;
    // Whatever was answered is in the trail, and only that; the trail verifies and goes on.
    expect(await kms.auditHead()).toMatchObject({ count: 1 + answered });
    expect(slow.storedContexts.size).toBe(answered);
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('after the failure') });
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: 2 + answered });
  });
});
