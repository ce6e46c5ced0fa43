import { describe, expect, it } from 'vitest';
import { MemoryKeyStore, type KeyStore } from '../../src/index.js';
import type { StoreChanges } from '../../src/kms/key-store.js';
import { ALICE, bytes, makeKms, rejectsWith, text } from './fixtures.js';

/** A memory store that records the change each commit was given, and whether the call asked for the whole state. */
function recordingStore() {
  const store = new MemoryKeyStore();
  const writes: Array<{ changes: StoreChanges; askedForState: boolean }> = [];
  let failNextWrite = false;
  const recording: KeyStore = {
    rootKey: () => store.rootKey(), read: () => store.read(), auditHead: () => store.auditHead(),
    readAudit: (from) => store.readAudit(from),
    commit: async (events, change) => {
      if (!change) return store.commit(events);
      const entry = { changes: structuredClone(change.changes), askedForState: false };
      writes.push(entry);
      if (failNextWrite) {
        failNextWrite = false;
        throw new Error('disk full');
      }
      await store.commit(events, change);
      entry.askedForState = Array.isArray(change.state().keys);
      return 0;
    },
  };
  return { store: recording, memory: store, writes, failNextWrite: () => { failNextWrite = true; } };
}

const summary = (changes: StoreChanges) => ({
  keys: [changes.keys.put.length, changes.keys.deleted.length],
  aliases: [changes.aliases.put.length, changes.aliases.deleted.length],
  grants: [changes.grants.put.length, changes.grants.deleted.length],
});

describe('the store is given only what a call changed', () => {
  it('read-only calls (Encrypt, Decrypt, GenerateDataKey, DescribeKey, lists, refusals) write nothing', async () => {
    const { store, writes } = recordingStore();
    const { kms } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey();
    await kms.createAlias({ AliasName: 'alias/app', TargetKeyId: key.KeyId });
    await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Decrypt'] });
    writes.length = 0;
    const { CiphertextBlob } = await kms.encrypt({ KeyId: 'alias/app', Plaintext: bytes('hello') });
    expect(text((await kms.decrypt({ CiphertextBlob })).Plaintext)).toBe('hello');
    const dataKey = await kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' });
    await kms.decrypt({ CiphertextBlob: dataKey.CiphertextBlob }, { principal: ALICE });
    await kms.describeKey({ KeyId: key.KeyId });
    await kms.listKeys();
    await kms.listAliases();
    await kms.listGrants({ KeyId: key.KeyId });
    await rejectsWith(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }, { principal: ALICE }), 'AccessDeniedException');
    await rejectsWith(kms.createAlias({ AliasName: 'alias/app', TargetKeyId: key.KeyId }), 'AlreadyExistsException');
    expect(writes).toEqual([]);
  });

  it('a call that changes records hands the store exactly those', async () => {
    const { store, writes } = recordingStore();
    const { kms } = makeKms({ store });
    for (let i = 0; i < 5; i++) await kms.createKey();
    const { KeyMetadata: key } = await kms.createKey();
    writes.length = 0;
    await kms.createAlias({ AliasName: 'alias/one', TargetKeyId: key.KeyId });
    const { GrantId } = await kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Decrypt'] });
    await kms.revokeGrant({ KeyId: key.KeyId, GrantId });
    await kms.deleteAlias({ AliasName: 'alias/one' });
    await kms.disableKey({ KeyId: key.KeyId });
    expect(writes.map((w) => summary(w.changes))).toEqual([
      { keys: [0, 0], aliases: [1, 0], grants: [0, 0] },
      { keys: [0, 0], aliases: [0, 0], grants: [1, 0] },
      { keys: [0, 0], aliases: [0, 0], grants: [0, 1] },
      { keys: [0, 0], aliases: [0, 1], grants: [0, 0] },
      { keys: [1, 0], aliases: [0, 0], grants: [0, 0] },
    ]);
    expect(writes[4]!.changes.keys.put[0]).toMatchObject({ keyId: key.KeyId, keyState: 'Disabled' });
    expect(writes[2]!.changes.grants.deleted).toEqual([GrantId]);
    expect(writes.every((w) => w.askedForState)).toBe(true); // a store may ask for the whole state, and only when something changed
  });

  it('a deletion falling due removes the key, its aliases and its grants in one write, with the call that found it', async () => {
    const { store, writes } = recordingStore();
    const { kms, clock } = makeKms({ store });
    const { KeyMetadata: doomed } = await kms.createKey();
    const { KeyMetadata: other } = await kms.createKey();
    await kms.createAlias({ AliasName: 'alias/doomed', TargetKeyId: doomed.KeyId });
    await kms.createGrant({ KeyId: doomed.KeyId, GranteePrincipal: ALICE, Operations: ['Decrypt'] });
    await kms.scheduleKeyDeletion({ KeyId: doomed.KeyId, PendingWindowInDays: 7 });
    writes.length = 0;
    clock.advanceDays(8);
    await kms.describeKey({ KeyId: other.KeyId });
    expect(writes.map((w) => summary(w.changes))).toEqual([{ keys: [0, 1], aliases: [0, 1], grants: [0, 1] }]);
    await kms.describeKey({ KeyId: other.KeyId });
    expect(writes).toHaveLength(1);
  });

  it('a disabled key past its rotation date is not rotated, so calls on it still write nothing', async () => {
    const { store, writes } = recordingStore();
    const { kms, clock } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey();
    await kms.enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 90 });
    await kms.disableKey({ KeyId: key.KeyId });
    writes.length = 0;
    clock.advanceDays(100);
    await kms.describeKey({ KeyId: key.KeyId });
    await kms.listKeyRotations({ KeyId: key.KeyId });
    expect(writes).toEqual([]);
  });

  it('a store write that fails fails the call and rolls back exactly what it changed; the next call works', async () => {
    const { store, memory, failNextWrite } = recordingStore();
    const { kms } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey({ Description: 'before' });
    await kms.createAlias({ AliasName: 'alias/kept', TargetKeyId: key.KeyId });
    failNextWrite();
    await expect(kms.updateKeyDescription({ KeyId: key.KeyId, Description: 'after' })).rejects.toThrow('disk full');
    expect((await kms.describeKey({ KeyId: 'alias/kept' })).KeyMetadata.Description).toBe('before');
    failNextWrite();
    await expect(kms.createAlias({ AliasName: 'alias/lost', TargetKeyId: key.KeyId })).rejects.toThrow('disk full');
    expect((await kms.listAliases()).Aliases.map((a) => a.AliasName)).toEqual(['alias/kept']);
    await kms.createAlias({ AliasName: 'alias/lost', TargetKeyId: key.KeyId }); // the name is free: nothing of the failed call stayed
    await kms.updateKeyDescription({ KeyId: key.KeyId, Description: 'after' });
    const stored = (await memory.read())!;
    expect(stored.keys.map((k) => k.description)).toEqual(['after']);
    expect(stored.aliases.map((a) => a.aliasName).sort()).toEqual(['alias/kept', 'alias/lost']);
    expect((await kms.verifyAuditTrail()).valid).toBe(true);
  });

  it('a change and its audit record are one commit: a commit that fails stores neither, and the refusal is audited', async () => {
    const { store, memory, failNextWrite } = recordingStore();
    const { kms } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey({ Description: 'before' });
    const headBefore = await memory.auditHead();
    failNextWrite();
    await expect(kms.updateKeyDescription({ KeyId: key.KeyId, Description: 'after' })).rejects.toThrow('disk full');
    expect((await memory.read())!.keys.map((k) => k.description)).toEqual(['before']);
    failNextWrite();
    await expect(kms.createAlias({ AliasName: 'alias/unrecorded', TargetKeyId: key.KeyId })).rejects.toThrow('disk full');
    expect((await memory.read())!.aliases).toEqual([]);
    expect((await memory.auditHead()).count).toBe(headBefore.count);
    expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.Description).toBe('before');
    expect((await kms.listAliases()).Aliases).toEqual([]);
    const records = await kms.listAuditRecords();
    expect(records.map((r) => [r.eventName, r.errorCode])).toEqual([
      ['CreateKey', undefined], ['DescribeKey', undefined], ['ListAliases', undefined]]);
    expect((await kms.verifyAuditTrail()).valid).toBe(true);
  });
});
