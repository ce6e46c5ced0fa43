import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { FileKeyStore, KeyManagementService } from '../../src/node.js';
import { ACCOUNT, REGION, bytes, rejectsWith, text } from './fixtures.js';

const freshDirectory = temporaryDirectories('kms-wasm-store-');

const kmsOn = (store: FileKeyStore) => new KeyManagementService({ account: ACCOUNT, region: REGION, store });

describe('FileKeyStore', () => {
  it('persists keys across KeyManagementService instances; files are 0600 and hold no readable state', async () => {
    const directory = freshDirectory();
    const first = new FileKeyStore({ directory });
    const kms = kmsOn(first);
    const { KeyMetadata: key } = await kms.createKey({ Description: 'persistent-description' });
    await kms.createAlias({ AliasName: 'alias/disk', TargetKeyId: key.KeyId });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: 'alias/disk', Plaintext: bytes('on disk'), EncryptionContext: { file: 'a' } });
    await first.close();

    const again = kmsOn(new FileKeyStore({ directory }));
    expect(text((await again.decrypt({ CiphertextBlob, EncryptionContext: { file: 'a' } })).Plaintext)).toBe('on disk');
    expect((await again.describeKey({ KeyId: 'alias/disk' })).KeyMetadata.Description).toBe('persistent-description');
    expect((await again.verifyAuditTrail()).valid).toBe(true);

    expect(readdirSync(directory).sort()).toEqual(['audit.log', 'kms-state.bin', 'locks', 'root.key']);
    for (const file of ['audit.log', 'kms-state.bin', 'root.key']) expect(statSync(join(directory, file)).mode & 0o777).toBe(0o600);
    const raw = readFileSync(join(directory, 'kms-state.bin'));
    expect(raw.subarray(0, 8).toString()).toBe('KMSWASM1');
    for (const needle of ['persistent-description', 'alias/disk', key.KeyId, '"keys"']) expect(raw.includes(needle)).toBe(false);
    const auditLog = readFileSync(join(directory, 'audit.log'), 'utf8');
    expect(auditLog.trim().split('\n')).toHaveLength(5); // CreateKey, CreateAlias, Encrypt, Decrypt, DescribeKey
    for (const needle of ['CreateKey', 'Encrypt', key.KeyId, 'file']) expect(auditLog.includes(needle)).toBe(false);
  });

  it('appends one sealed line per call; verification refuses an edited audit log without touching it', async () => {
    const directory = freshDirectory();
    const store = new FileKeyStore({ directory });
    const kms = kmsOn(store);
    const { KeyMetadata: key } = await kms.createKey();
    const log = join(directory, 'audit.log');
    const lengths = [readFileSync(log).length];
    for (let i = 0; i < 3; i++) {
      await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`m${i}`) });
      lengths.push(readFileSync(log).length);
    }
    // Appending never rewrites what is there: each call only adds bytes.
    for (let i = 1; i < lengths.length; i++) expect(lengths[i]!).toBeGreaterThan(lengths[i - 1]!);
    await store.close();
    const damaged = Buffer.from(readFileSync(log));
    damaged[5] = damaged[5] === 0x41 ? 0x42 : 0x41;
    writeFileSync(log, damaged);
    const reader = kmsOn(new FileKeyStore({ directory, readOnly: true }));
    await expect(reader.verifyAuditTrail()).rejects.toThrow(/audit.log line 1 at bytes 0 to \d+ does not authenticate.*left untouched/);
    await expect(reader.listAuditRecords()).rejects.toMatchObject({ name: 'StoreIntegrityError' });
    expect(readFileSync(log).equals(damaged)).toBe(true);
  });

  it('a second process opening the same store sees the keys', async () => {
    const directory = freshDirectory();
    const store = new FileKeyStore({ directory });
    const { KeyMetadata: key } = await kmsOn(store).createKey({ Description: 'from process one' });
    await store.close();
    const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    const script = `import { FileKeyStore, KeyManagementService } from ${JSON.stringify(dist)};
      const kms = new KeyManagementService({ account: '${ACCOUNT}', region: '${REGION}', store: new FileKeyStore({ directory: ${JSON.stringify(directory)} }) });
      console.log((await kms.describeKey({ KeyId: '${key.KeyId}' })).KeyMetadata.Description);`;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim()).toBe('from process one');
  });

  it('derives the root key from a passphrase; a wrong passphrase is refused and the store left intact', async () => {
    const directory = freshDirectory();
    const store = new FileKeyStore({ directory, passphrase: 'correct horse battery' });
    const { KeyMetadata: key } = await kmsOn(store).createKey();
    await store.close();
    expect(readdirSync(directory).sort()).toEqual(['audit.log', 'kms-state.bin', 'locks', 'root.salt']);
    const before = readFileSync(join(directory, 'kms-state.bin'));
    const wrong = new FileKeyStore({ directory, passphrase: 'wrong horse battery' });
    await rejectsWith(kmsOn(wrong).describeKey({ KeyId: key.KeyId }), 'StoreIntegrityError');
    await wrong.close();
    expect(readFileSync(join(directory, 'kms-state.bin')).equals(before)).toBe(true);
    expect((await kmsOn(new FileKeyStore({ directory, passphrase: 'correct horse battery' })).describeKey({ KeyId: key.KeyId })).KeyMetadata.KeyId).toBe(key.KeyId);
    expect(() => new FileKeyStore({ directory, passphrase: 'short' })).toThrow(/passphrase/);
  }, 60_000);

  it('a truncated or corrupted store file gives a clear error, and is not overwritten by later calls', async () => {
    for (const damage of [(b: Buffer) => b.subarray(0, 30), (b: Buffer) => { const c = Buffer.from(b); c[c.length - 5]! ^= 1; return c; },
      (b: Buffer) => Buffer.concat([Buffer.from('NOTMAGIC'), b.subarray(8)])]) {
      const directory = freshDirectory();
      const store = new FileKeyStore({ directory });
      await kmsOn(store).createKey();
      await store.close();
      const file = join(directory, 'kms-state.bin');
      const damaged = damage(readFileSync(file));
      writeFileSync(file, damaged);
      const kms = kmsOn(new FileKeyStore({ directory }));
      await expect(kms.createKey()).rejects.toThrow(/kms-state.bin .*(truncated|does not authenticate).*left untouched/);
      await expect(kms.listKeys()).rejects.toMatchObject({ name: 'StoreIntegrityError', message: expect.stringMatching(/left untouched/) });
      expect(readFileSync(file).equals(damaged)).toBe(true);
    }
  });

  it('a change and its audit record are one line of the log: a state file left behind by a crash loses no change', async () => {
    const directory = freshDirectory();
    const store = new FileKeyStore({ directory });
    const kms = kmsOn(store);
    const { KeyMetadata: first } = await kms.createKey();
    const state = join(directory, 'kms-state.bin');
    const stale = readFileSync(state);
    // Everything after this point reaches the log; the state file is then put back as it was, as if
    // each rewrite had been cut off by a crash (or had failed) after its record was fsynced.
    const { KeyMetadata: second } = await kms.createKey({ Description: 'after the checkpoint' });
    await kms.createAlias({ AliasName: 'alias/second', TargetKeyId: second.KeyId });
    const { GrantId } = await kms.createGrant({ KeyId: first.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/bob`, Operations: ['Decrypt'] });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: 'alias/second', Plaintext: bytes('journaled') });
    await kms.disableKey({ KeyId: first.KeyId });
    await store.close();
    let records = (await kmsOn(new FileKeyStore({ directory, readOnly: true })).verifyAuditTrail()).records;

    for (const [what, damage] of [['a stale state file', () => writeFileSync(state, stale)], ['no state file', () => rmSync(state)]] as const) {
      damage();
      const readOnly = (await new FileKeyStore({ directory, readOnly: true }).read())!; // applies the journal without writing
      expect(readOnly.keys.find((k) => k.keyId === second.KeyId)?.description, what).toBe('after the checkpoint');
      expect(readOnly.aliases.map((a) => a.aliasName), what).toEqual(['alias/second']);
      const reopenedStore = new FileKeyStore({ directory });
      const reopened = kmsOn(reopenedStore);
      expect(text((await reopened.decrypt({ CiphertextBlob })).Plaintext), what).toBe('journaled');
      expect((await reopened.listGrants({ KeyId: first.KeyId })).Grants.map((g) => g.GrantId), what).toEqual([GrantId]);
      expect((await reopened.describeKey({ KeyId: first.KeyId })).KeyMetadata.KeyState, what).toBe('Disabled');
      records += 3; // Decrypt, ListGrants, DescribeKey
      expect(await reopened.verifyAuditTrail(), what).toMatchObject({ valid: true, records });
      await reopenedStore.close();
    }
  });

  it('the state file is a checkpoint rewritten once per 64 changes, not at every change; opening replays the changes since', async () => {
    const directory = freshDirectory();
    const store = new FileKeyStore({ directory });
    const kms = kmsOn(store);
    const state = join(directory, 'kms-state.bin');
    const versions = new Set<string>();
    const keyIds: string[] = [];
    for (let i = 0; i < 150; i++) {
      keyIds.push((await kms.createKey({ Description: `key ${i}` })).KeyMetadata.KeyId);
      versions.add(readFileSync(state).toString('base64')); // each rewrite seals under a new IV
    }
    expect(versions.size).toBe(3); // at the 1st, 65th and 129th change
    await store.close();
    const reopenedStore = new FileKeyStore({ directory });
    const reopened = kmsOn(reopenedStore);
    const listed = [...(await reopened.listKeys({ Limit: 1000 })).Keys.map((k) => k.KeyId)].sort();
    expect(listed).toEqual([...keyIds].sort()); // the 21 keys after the last checkpoint come from the log
    expect((await reopened.describeKey({ KeyId: keyIds[149]! })).KeyMetadata.Description).toBe('key 149');
    await reopenedStore.close();
  });

  it('a record torn by a crash mid-append is skipped on load and cut off by the next call', async () => {
    const tears: Array<[string, (log: Buffer) => Buffer]> = [
      ['half of the last line', (log) => log.subarray(0, log.length - 40)],
      ['the only line, half written', (log) => log.subarray(0, log.indexOf(0x0a) - 10)],
      ['a long fragment of one record', (log) => Buffer.concat([log, Buffer.from('@'), Buffer.alloc(10_000, 0x41)])],
    ];
    for (const [what, tear] of tears) {
      const directory = freshDirectory();
      const store = new FileKeyStore({ directory });
      const kms = kmsOn(store);
      const { KeyMetadata: key } = await kms.createKey();
      await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('before the crash') });
      await store.close();
      const log = join(directory, 'audit.log');
      const intact = readFileSync(log);
      const torn = tear(intact);
      writeFileSync(log, torn);
      const complete = torn.subarray(0, torn.lastIndexOf(0x0a) + 1).toString().split('\n').filter(Boolean).length;

      const reopenedStore = new FileKeyStore({ directory });
      const reopened = kmsOn(reopenedStore);
      expect(await reopened.listAuditRecords(), what).toHaveLength(complete);
      expect(await reopened.verifyAuditTrail(), what).toMatchObject({ valid: true, records: complete });
      await reopened.describeKey({ KeyId: key.KeyId });
      const after = readFileSync(log);
      expect(after.subarray(0, torn.lastIndexOf(0x0a) + 1).equals(torn.subarray(0, torn.lastIndexOf(0x0a) + 1)), what).toBe(true);
      expect(after.at(-1), what).toBe(0x0a);
      await reopenedStore.close();
      expect(await kmsOn(new FileKeyStore({ directory })).verifyAuditTrail(), what).toMatchObject({ valid: true, records: complete + 1 });
    }
  });

  it('a root key that could not be loaded is tried again on the next call', async () => {
    const directory = join(freshDirectory(), 'store');
    writeFileSync(directory, 'a file where the store directory goes');
    const store = new FileKeyStore({ directory });
    await expect(store.rootKey()).rejects.toThrow();
    rmSync(directory);
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION, store });
    const { KeyMetadata } = await kms.createKey();
    expect(text((await kms.decrypt({ CiphertextBlob: (await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('again') })).CiphertextBlob })).Plaintext)).toBe('again');
  });

  it('leaves no temporary files behind, and removes those a crash left when it opens', async () => {
    const directory = freshDirectory();
    const store = new FileKeyStore({ directory });
    const kms = kmsOn(store);
    for (let i = 0; i < 5; i++) await kms.createKey();
    expect(readdirSync(directory).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await store.close();
    const crashed = ['kms-state.bin', 'root.key', 'root.salt'].map((file) => `${file}.${crypto.randomUUID()}.tmp`);
    for (const file of [...crashed, 'notes.tmp', 's3-state.json.tmp']) writeFileSync(join(directory, file), 'left behind');
    const reopened = new FileKeyStore({ directory });
    expect((await kmsOn(reopened).listKeys()).Keys).toHaveLength(5);
    expect(readdirSync(directory).filter((f) => f.endsWith('.tmp')).sort()).toEqual(['notes.tmp', 's3-state.json.tmp']); // not the key store's
    await reopened.close();
  });
});

describe('FileKeyStore: a damaged audit log is refused, never repaired', () => {
  /** A store with a few records, closed; returns its directory and audit log. */
  async function storeWithRecords(calls = 12) {
    const directory = freshDirectory();
    const store = new FileKeyStore({ directory });
    const kms = kmsOn(store);
    const { KeyMetadata: key } = await kms.createKey();
    for (let i = 1; i < calls; i++) await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes(`m${i}`) });
    await store.close();
    return { directory, log: join(directory, 'audit.log'), keyId: key.KeyId };
  }

  // Damage at the end of the log is found on open (which reads only the end); damage before the last
  // record is found by whatever reads the trail (verification, listing), and appending leaves it as it is.
  const damagesAtTheEnd: Array<[string, (log: Buffer) => Buffer, RegExp]> = [
    ['every newline removed', (log) => Buffer.from(log.toString('latin1').replaceAll('\n', ''), 'latin1'), /not the start of one record/],
    ['the newline after the last record removed, joining it to the one before', (log) => {
      const at = log.lastIndexOf(0x0a, log.length - 2);
      return Buffer.concat([log.subarray(0, at), log.subarray(at + 1)]);
    }, /not the start of one record/],
    ['the last 3,000 bytes zeroed', (log) => { const c = Buffer.from(log); c.fill(0, c.length - 3000); return c; }, /not the start of one record/],
    ['a tail that is not the start of a record', (log) => Buffer.concat([log, Buffer.from('QUJD')]), /not the start of one record/],
    ['the last record edited', (log) => { const c = Buffer.from(log); const at = c.length - 20; c[at] = c[at] === 0x41 ? 0x42 : 0x41; return c; }, /the line at bytes \d+ to \d+ does not authenticate/],
  ];
  const damagesInTheMiddle: Array<[string, (log: Buffer) => Buffer, RegExp]> = [
    ['one newline removed in the middle', (log) => { const at = log.indexOf(0x0a, log.length / 2); return Buffer.concat([log.subarray(0, at), log.subarray(at + 1)]); }, /line \d+ .*does not authenticate/],
    ['bytes zeroed in the middle', (log) => { const c = Buffer.from(log); c.fill(0, c.length / 2, c.length / 2 + 30); return c; }, /line \d+ .*does not authenticate/],
    ['a record edited', (log) => { const c = Buffer.from(log); const at = c.indexOf(0x0a) + 20; c[at] = c[at] === 0x41 ? 0x42 : 0x41; return c; }, /line 2 .*does not authenticate/],
    ['an empty line inserted', (log) => Buffer.concat([log.subarray(0, log.indexOf(0x0a) + 1), Buffer.from('\n'), log.subarray(log.indexOf(0x0a) + 1)]), /line 2 .*does not authenticate/],
  ];
  for (const [what, damage, message] of damagesInTheMiddle) {
    it(`${what}: verification and listing refuse it with a StoreIntegrityError; calls append after it and leave it as it is`, async () => {
      const { directory, log, keyId } = await storeWithRecords();
      const damaged = damage(readFileSync(log));
      writeFileSync(log, damaged);
      const store = new FileKeyStore({ directory });
      const kms = kmsOn(store);
      for (const call of [() => kms.verifyAuditTrail(), () => kms.listAuditRecords()]) {
        await expect(call()).rejects.toMatchObject({ name: 'StoreIntegrityError', file: log, message });
      }
      await kms.describeKey({ KeyId: keyId });
      await expect(kms.verifyAuditTrail()).rejects.toMatchObject({ name: 'StoreIntegrityError', message });
      expect(readFileSync(log).subarray(0, damaged.length).equals(damaged)).toBe(true);
      await store.close();
    });
  }
  for (const [what, damage, message] of damagesAtTheEnd) {
    it(`${what}: a StoreIntegrityError on open, and the log is left exactly as it is`, async () => {
      const { directory, log, keyId } = await storeWithRecords();
      const damaged = damage(readFileSync(log));
      writeFileSync(log, damaged);
      const store = new FileKeyStore({ directory });
      const kms = kmsOn(store);
      for (const call of [() => kms.describeKey({ KeyId: keyId }), () => kms.createKey(), () => kms.verifyAuditTrail()]) {
        await expect(call()).rejects.toMatchObject({ name: 'StoreIntegrityError', file: log, message });
      }
      await expect(store.commit([])).rejects.toMatchObject({ name: 'StoreIntegrityError' });
      expect(readFileSync(log).equals(damaged)).toBe(true);
      await store.close();
    });
  }

  it('a last record whose newline never reached the disk is kept, and the next append starts a new line', async () => {
    const { directory, log, keyId } = await storeWithRecords(3);
    writeFileSync(log, readFileSync(log).subarray(0, -1));
    const store = new FileKeyStore({ directory });
    const kms = kmsOn(store);
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: 3 });
    await kms.describeKey({ KeyId: keyId });
    await store.close();
    expect(readFileSync(log, 'latin1').split('\n')).toHaveLength(5);
    const reopened = new FileKeyStore({ directory });
    expect(await kmsOn(reopened).verifyAuditTrail()).toMatchObject({ valid: true, records: 4 });
    await reopened.close();
  });

  it('an append that fails part-way is cut before the next one, so the log stays readable', async () => {
    const { directory, log, keyId } = await storeWithRecords(2);
    const store = new FileKeyStore({ directory });
    const kms = kmsOn(store);
    await kms.describeKey({ KeyId: keyId });
    const good = readFileSync(log);
    // A write cut short by a full disk: part of the record lands, then the write fails.
    const { open } = await import('node:fs/promises');
    const probe = await open(log, 'r');
    type Write = (data: Uint8Array, offset: number, length: number) => Promise<{ bytesWritten: number }>;
    const handlePrototype = Object.getPrototypeOf(probe) as { write: Write };
    await probe.close();
    const fullDisk = vi.spyOn(handlePrototype, 'write').mockImplementationOnce(async function (this: { write: Write }, data: Uint8Array, offset: number) {
      await this.write(data, offset, 9);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    await expect(kms.describeKey({ KeyId: keyId })).rejects.toThrow(/ENOSPC/);
    fullDisk.mockRestore();
    expect(readFileSync(log).length).toBe(good.length + 9);
    await kms.describeKey({ KeyId: keyId });
    await store.close();
    const reopened = new FileKeyStore({ directory });
    expect(await kmsOn(reopened).verifyAuditTrail()).toMatchObject({ valid: true, records: 4 });
    expect(readFileSync(log).subarray(0, good.length).equals(good)).toBe(true);
    await reopened.close();
  });

  it('reads logs written by kms-wasm 0.1 (lines without the leading "@")', async () => {
    const { directory, log } = await storeWithRecords(3);
    writeFileSync(log, readFileSync(log, 'latin1').replaceAll('@', ''), 'latin1');
    const store = new FileKeyStore({ directory });
    const kms = kmsOn(store);
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: 3 });
    await kms.listKeys();
    await store.close();
    const reopened = new FileKeyStore({ directory });
    expect(await kmsOn(reopened).verifyAuditTrail()).toMatchObject({ valid: true, records: 4 });
    await reopened.close();
  });
});
