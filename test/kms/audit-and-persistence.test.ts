import { describe, expect, it } from 'vitest';
import { KeyManagementService, MemoryKeyStore } from '../../src/index.js';
import { chainRecords, deriveAuditKey, START_OF_TRAIL, verifyTrail, type AuditEvent } from '../../src/kms/audit-trail.js';
import { GENESIS_MAC, type AuditRecord, type KeyStore } from '../../src/kms/key-store.js';
import { ACCOUNT, ALICE, REGION, ROOT, bytes, makeKms, memoryTrail, rejectsWith, text } from './fixtures.js';

/** A KeyStore passing every call to `store`, for tests to replace some. */
const delegateTo = (store: KeyStore): KeyStore => ({
  rootKey: () => store.rootKey(), read: () => store.read(), commit: (events, change) => store.commit(events, change),
  auditHead: () => store.auditHead(), readAudit: (from) => store.readAudit(from),
});

describe('audit trail', () => {
  it('records every call, allowed or refused, with who, what, which key and context, and no secrets', async () => {
    const { kms } = makeKms();
    const { KeyMetadata: key } = await kms.createKey();
    const secret = bytes('the plaintext nobody may log');
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: secret, EncryptionContext: { app: 'billing' } });
    const dataKey = await kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' });
    await rejectsWith(kms.decrypt({ CiphertextBlob }, { principal: ALICE }), 'AccessDeniedException');
    const records = await kms.listAuditRecords();
    expect(records.map((r) => [r.eventName, r.errorCode ?? 'ok'])).toEqual([
      ['CreateKey', 'ok'], ['Encrypt', 'ok'], ['GenerateDataKey', 'ok'], ['Decrypt', 'AccessDeniedException']]);
    expect(records[1]).toMatchObject({ principal: ROOT, keyArn: key.Arn, encryptionContext: { app: 'billing' } });
    expect(records[3]).toMatchObject({ principal: ALICE, keyArn: key.Arn });
    const everything = JSON.stringify(records);
    for (const needle of [Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex'), 'nobody may log',
      Buffer.from(dataKey.Plaintext).toString('base64'), Buffer.from(dataKey.Plaintext).toString('hex')]) {
      expect(everything.includes(needle)).toBe(false);
    }
    expect((await kms.listAuditRecords({ Principal: ALICE })).map((r) => r.eventName)).toEqual(['Decrypt']);
    expect((await kms.listAuditRecords({ EventName: 'Encrypt', KeyId: key.KeyId }))).toHaveLength(1);
    expect(await kms.listAuditRecords({ StartTime: new Date('2030-01-01') })).toEqual([]);
  });

  it('verifyAuditTrail catches an edited, removed or reordered record', async () => {
    const store = new MemoryKeyStore();
    const { kms } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey();
    for (let i = 0; i < 3; i++) await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`m${i}`) });
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: 4 });

    // Tamper with the records the store keeps directly, as an attacker with the disk would.
    const trail = memoryTrail(store);
    const pristine = trail.records();
    const tamperings: Array<[string, (audit: AuditRecord[]) => void, number]> = [
      ['edited', (a) => { a[2]!.principal = ALICE; }, 2],
      ['removed', (a) => { a.splice(1, 1); }, 1],
      ['reordered', (a) => { [a[1], a[2]] = [a[2]!, a[1]!]; }, 1],
      ['outcome rewritten', (a) => { a[3]!.errorCode = 'AccessDeniedException'; }, 3],
    ];
    for (const [what, tamper, index] of tamperings) {
      const records = structuredClone(pristine);
      tamper(records);
      trail.replace(records);
      const reopened = new KeyManagementService({ account: ACCOUNT, region: REGION, store });
      expect(await reopened.verifyAuditTrail(), what).toEqual({ valid: false, firstInvalidIndex: index, records: records.length });
    }
    trail.replace(pristine);
    const restored = new KeyManagementService({ account: ACCOUNT, region: REGION, store });
    expect(await restored.verifyAuditTrail()).toMatchObject({ valid: true, records: 4 });
  });

  it('a memory store hands out copies of its records, as read from JSON: changing one changes nothing stored', async () => {
    const store = new MemoryKeyStore();
    const { kms } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey();
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('m'), EncryptionContext: { app: 'billing' } });
    const [, listed] = await kms.listAuditRecords();
    // The same fields a record read back from a file or a database has (none present but undefined).
    expect(Object.keys(listed!).sort()).toEqual(['encryptionContext', 'eventId', 'eventName', 'eventTime', 'keyArn', 'mac', 'previousMac', 'principal', 'sequence']);
    listed!.eventName = 'Decrypt';
    listed!.encryptionContext!.app = 'payroll';
    for await (const { record } of store.readAudit()) {
      record.principal = ALICE;
      if (record.encryptionContext) record.encryptionContext.app = 'payroll';
    }
    expect((await kms.listAuditRecords())[1]).toMatchObject({ eventName: 'Encrypt', principal: ROOT, encryptionContext: { app: 'billing' } });
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: 2 });
  });

  it('every field of a record is under its MAC: one changed, added or dropped breaks the chain at that record', async () => {
    const auditKey = deriveAuditKey(new Uint8Array(32).fill(1));
    const event: AuditEvent = { eventTime: '2026-01-01T00:00:00.000Z', eventName: 'Decrypt', principal: ALICE, viaService: 's3.amazonaws.com',
      keyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/k`, encryptionContext: { tenant: 'a' }, grantId: 'g1', errorCode: 'AccessDeniedException', errorMessage: 'no' };
    const { records, head } = chainRecords({ count: 0, mac: GENESIS_MAC }, auditKey, [event, event, event]);
    async function* stored(trail: AuditRecord[]) {
      for (const [i, record] of trail.entries()) yield { record, next: i + 1 };
    }
    const verify = (trail: AuditRecord[]) => verifyTrail(stored(trail), auditKey, START_OF_TRAIL, trail.length);
    expect(await verify(records)).toEqual({ valid: true, records: 3, checkpoint: { count: 3, mac: head.mac, position: 3 } });
    const changes: Array<[string, Partial<AuditRecord>]> = [
      ['eventId', { eventId: crypto.randomUUID() }], ['eventTime', { eventTime: '2026-01-01T00:00:01.000Z' }], ['eventName', { eventName: 'Encrypt' }],
      ['principal', { principal: ROOT }], ['viaService', { viaService: 'ec2.amazonaws.com' }], ['viaService dropped', { viaService: undefined }],
      ['keyArn', { keyArn: `${event.keyArn}2` }], ['encryptionContext', { encryptionContext: { tenant: 'b' } }],
      ['encryptionContext dropped', { encryptionContext: undefined }], ['grantId', { grantId: 'g2' }], ['errorCode dropped', { errorCode: undefined }],
      ['errorMessage', { errorMessage: 'yes' }], ['sequence dropped', { sequence: undefined }],
    ];
    for (const [what, change] of changes) {
      const tampered = records.map((record, i) => (i === 1 ? { ...record, ...change } : record));
      expect(await verify(tampered), what).toEqual({ valid: false, firstInvalidIndex: 1, records: 3 });
    }
    // A MAC changed on the last record (nothing after it links to it) is found too.
    expect(await verify([...records.slice(0, 2), { ...records[2]!, mac: records[1]!.mac }])).toEqual({ valid: false, firstInvalidIndex: 2, records: 3 });
  });

  it('records deleted from the end of a store that keeps its head apart from them (as the PostgreSQL store does) are found', async () => {
    // What is left still chains, so only the head's count shows the deletion.
    const store = new MemoryKeyStore();
    const { kms } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey();
    for (let i = 0; i < 3; i++) await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`m${i}`) });
    for (const deleted of [1, 2]) {
      const cut: KeyStore = {
        ...delegateTo(store),
        async *readAudit(from) {
          for await (const stored of store.readAudit(from)) if (stored.record.sequence! < 4 - deleted) yield stored;
        },
      };
      const reopened = new KeyManagementService({ account: ACCOUNT, region: REGION, store: cut });
      expect(await reopened.verifyAuditTrail(), `${deleted} deleted`).toEqual({ valid: false, firstInvalidIndex: 4 - deleted, records: 4 });
    }
  });

  it('a record appended while a verification runs (after it read the head) is left to the next one', async () => {
    // The head is read first, then the records: a call made in between adds a record the head
    // does not count, and the checkpoint must not move past what was counted.
    const store = new MemoryKeyStore();
    const { kms } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey();
    for (let i = 0; i < 3; i++) await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`m${i}`) });
    const records = await kms.listAuditRecords();
    const headBefore = { count: 3, mac: records[2]!.mac };
    const racing: KeyStore = { ...delegateTo(store), auditHead: async () => headBefore };
    const verifier = new KeyManagementService({ account: ACCOUNT, region: REGION, store: racing });
    const whole = await verifier.verifyAuditTrail();
    expect(whole).toEqual({ valid: true, records: 3, checkpoint: { ...headBefore, position: 3 } });
    expect(await verifier.verifyAuditTrail({ fromCheckpoint: whole.checkpoint })).toEqual(whole);
    expect(await kms.verifyAuditTrail({ fromCheckpoint: whole.checkpoint })).toEqual({ valid: true, records: 4,
      checkpoint: { count: 4, mac: records[3]!.mac, position: 4 } });
  });

  it('a record swapped for its counterpart from a diverged copy of the trail, and the next record relinked to it, is caught', async () => {
    // Two copies of one store (a restored backup beside the live one) share the audit key, so each
    // holds validly chained records at the same positions. Hiding the live trail's record 1 (a call
    // to explain) behind the copy's record 1 means rewriting record 2's link: its MAC covers the link.
    const store = new MemoryKeyStore();
    const { kms } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey();
    const trail = memoryTrail(store);
    const shared = trail.records();
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('exfiltrated'), EncryptionContext: { who: 'mallory' } });
    await kms.describeKey({ KeyId: key.KeyId });
    const live = trail.records();
    trail.replace(shared);
    await new KeyManagementService({ account: ACCOUNT, region: REGION, store }).describeKey({ KeyId: key.KeyId });
    const copy = trail.records()[1]!;
    const next = live[2]!;
    expect(copy).toMatchObject({ sequence: 1, previousMac: shared[0]!.mac });

    trail.replace([shared[0]!, copy, { ...next, previousMac: copy.mac }]);
    const reopened = new KeyManagementService({ account: ACCOUNT, region: REGION, store });
    expect(await reopened.verifyAuditTrail()).toEqual({ valid: false, firstInvalidIndex: 2, records: 3 });
    trail.replace(live);
    expect(await new KeyManagementService({ account: ACCOUNT, region: REGION, store }).verifyAuditTrail()).toMatchObject({ valid: true, records: 3 });
  });
});

describe('persistence and atomicity', () => {
  it('a second KeyManagementService on the same store sees keys, aliases and rotations, and decrypts', async () => {
    const store = new MemoryKeyStore();
    const { kms } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey({ Description: 'shared' });
    await kms.createAlias({ AliasName: 'alias/shared', TargetKeyId: key.KeyId });
    await kms.rotateKeyOnDemand({ KeyId: key.KeyId });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: 'alias/shared', Plaintext: bytes('persisted') });
    const second = new KeyManagementService({ account: ACCOUNT, region: REGION, store });
    expect((await second.describeKey({ KeyId: 'alias/shared' })).KeyMetadata.Description).toBe('shared');
    expect(text((await second.decrypt({ CiphertextBlob })).Plaintext)).toBe('persisted');
    expect((await second.listKeyRotations({ KeyId: key.KeyId })).Rotations).toHaveLength(1);
  });

  it('stored snapshots hold key material only wrapped under the root key', async () => {
    const store = new MemoryKeyStore();
    const { kms } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey();
    const snapshot = (await store.read())!;
    expect(snapshot.keys[0]!.materials[0]!.wrapped).toMatch(/^[A-Za-z0-9+/=]+$/);
    // 12-byte IV + 32-byte material + 16-byte tag: wrapped, not raw.
    expect(Buffer.from(snapshot.keys[0]!.materials[0]!.wrapped, 'base64')).toHaveLength(60);
    const storeWith = (changes: Partial<KeyStore>): KeyStore => ({ ...delegateTo(store), ...changes });
    const otherRoot = new KeyManagementService({ account: ACCOUNT, region: REGION, store: storeWith({ rootKey: async () => new Uint8Array(32).fill(9) }) });
    await rejectsWith(otherRoot.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }), 'KMSInvalidStateException');
    const damaged = structuredClone(snapshot);
    damaged.keys[0]!.materials[0]!.wrapped = 'not base64!';
    const damagedStore = new KeyManagementService({ account: ACCOUNT, region: REGION, store: storeWith({ read: async () => damaged }) });
    await rejectsWith(damagedStore.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') }), 'KMSInvalidStateException');
  });

  it('an audit record the store refuses fails its call and does not break the stored chain', async () => {
    const store = new MemoryKeyStore();
    let refuseNextRecord = false;
    const flaky: KeyStore = {
      ...delegateTo(store),
      commit: async (events, change) => {
        if (!refuseNextRecord) return store.commit(events, change);
        refuseNextRecord = false;
        throw new Error('disk full');
      },
    };
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION, store: flaky });
    const { KeyMetadata: key } = await kms.createKey();
    refuseNextRecord = true;
    await expect(kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('x') })).rejects.toThrow('disk full');
    await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('y') });
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true });
    const reopened = new KeyManagementService({ account: ACCOUNT, region: REGION, store });
    expect(await reopened.verifyAuditTrail()).toMatchObject({ valid: true, records: (await store.auditHead()).count });
  });

  it('a refused call changes nothing but the audit trail', async () => {
    const store = new MemoryKeyStore();
    const { kms } = makeKms({ store });
    const { KeyMetadata: key } = await kms.createKey();
    await kms.createAlias({ AliasName: 'alias/one', TargetKeyId: key.KeyId });
    const before = (await store.read())!;
    const auditBefore = (await store.auditHead()).count;
    await rejectsWith(kms.createAlias({ AliasName: 'alias/one', TargetKeyId: key.KeyId }), 'AlreadyExistsException');
    await rejectsWith(kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 3 }), 'ValidationException');
    const after = (await store.read())!;
    expect(after.keys).toEqual(before.keys);
    expect(after.aliases).toEqual(before.aliases);
    expect((await store.auditHead()).count).toBe(auditBefore + 2);
  });
});
