// One writer per directory store: real processes refused, a SIGKILLed holder's lock taken over,
// processes racing on a new directory, and lock files of every kind of holder (dead, rebooted, a
// reused pid, another host, released) judged as they should be.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlockStore, FileKeyStore, KeyManagementService, ObjectStore, StoreLockedError } from '../../src/node.js';
import { readOrCreateSecret } from '../../src/platform/atomic-file.js';
import { runChild, startChild } from '../helpers/child-processes.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { ACCOUNT, REGION, bytes, text } from '../kms/fixtures.js';

const tempDir = temporaryDirectories('kms-wasm-lock-');
const kmsOn = (store?: FileKeyStore) => new KeyManagementService({ account: ACCOUNT, region: REGION, store });
const KMS = `new k.KeyManagementService({ account: '${ACCOUNT}', region: '${REGION}' })`;

/** Per kind of store: a child snippet that writes three things and prints them, one that tries to write, and a check of the three after. */
const kinds = {
  FileKeyStore: {
    open: (dir: string) => `new k.KeyManagementService({ account: '${ACCOUNT}', region: '${REGION}', store: new k.FileKeyStore({ directory: ${JSON.stringify(dir)} }) })`,
    write: `const written = [];
      for (let i = 0; i < 3; i++) {
        const { KeyMetadata } = await store.createKey();
        written.push(Buffer.from((await store.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: Buffer.from('secret ' + i) })).CiphertextBlob).toString('base64'));
      }`,
    attempt: 'await store.createKey();',
    async check(dir: string, written: string[]) {
      const store = new FileKeyStore({ directory: dir });
      const kms = kmsOn(store);
      expect((await kms.listKeys()).Keys).toHaveLength(3);
      for (const [i, blob] of written.entries()) expect(text((await kms.decrypt({ CiphertextBlob: Buffer.from(blob, 'base64') })).Plaintext)).toBe(`secret ${i}`);
      expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: 3 + 3 + 1 + 3 }); // the refused opener recorded nothing
      await store.close();
    },
  },
  ObjectStore: {
    open: (dir: string) => `new k.ObjectStore({ kms: ${KMS}, dir: ${JSON.stringify(dir)} })`,
    write: `await store.createBucket({ Bucket: 'held' });
      const written = [];
      for (let i = 0; i < 3; i++) {
        await store.putObject({ Bucket: 'held', Key: 'o' + i, Body: 'object ' + i, ServerSideEncryption: 'AES256' });
        written.push('o' + i);
      }`,
    attempt: "await store.createBucket({ Bucket: 'other' });",
    async check(dir: string, written: string[]) {
      const store = new ObjectStore({ kms: kmsOn(), dir });
      for (const [i, key] of written.entries()) expect(text((await (await store.getObject({ Bucket: 'held', Key: key })).Body.transformToByteArray()))).toBe(`object ${i}`);
      await expect(store.putObject({ Bucket: 'other', Key: 'k', Body: 'x' })).rejects.toMatchObject({ name: 'NoSuchBucket' }); // the refused opener made nothing
      await store.close();
    },
  },
  BlockStore: {
    open: (dir: string) => `new k.BlockStore({ kms: ${KMS}, dir: ${JSON.stringify(dir)} })`,
    write: `const written = [];
      for (let i = 0; i < 3; i++) {
        const { VolumeId } = await store.createVolume({ Size: 1 });
        await (await store.attachVolume({ VolumeId, InstanceId: 'i-0123456789abcdef0' })).write(4096 * i, Buffer.from('volume ' + i));
        written.push(VolumeId);
      }`,
    attempt: 'await store.createVolume({ Size: 1 });',
    async check(dir: string, written: string[]) {
      const store = new BlockStore({ kms: kmsOn(), dir });
      expect((await store.describeVolumes()).Volumes.map((v) => [v.VolumeId, v.State])).toEqual(written.map((id) => [id, 'available']));
      for (const [i, VolumeId] of written.entries()) {
        expect(text(await (await store.attachVolume({ VolumeId, InstanceId: 'i-0fedcba9876543210' })).read(4096 * i, 8))).toBe(`volume ${i}`);
      }
      await store.close();
    },
  },
};

describe('one writer per directory store', () => {
  for (const [kind, store] of Object.entries(kinds)) {
    it(`${kind}: a second process is refused with a StoreLockedError naming the holder; once the holder is SIGKILLed a new opener takes over and nothing is lost`, async () => {
      const dir = tempDir();
      const holder = startChild(`const store = ${store.open(dir)};\n${store.write}\nconsole.log(JSON.stringify(written));\nsetInterval(() => {}, 60_000);`);
      const written = JSON.parse(await holder.nextLine()) as string[];
      const refused = JSON.parse(await runChild(`const store = ${store.open(dir)};
        try { ${store.attempt} console.log('{"opened":true}'); } catch (e) { console.log(JSON.stringify({ name: e.name, holder: e.holder, message: e.message })); }`));
      expect(refused).toMatchObject({ name: 'StoreLockedError', holder: { pid: holder.process.pid, host: hostname() } });
      expect(refused.message).toContain(`pid ${holder.process.pid} on ${hostname()}`);
      holder.process.kill('SIGKILL');
      expect((await holder.exit).signal).toBe('SIGKILL');
      await store.check(dir, written);
    });
  }

  it('processes started at once on a new directory agree on one root key, and with waitForLock each takes its turn and keeps every key', async () => {
    const dir = join(tempDir(), 'new-store');
    const children = Array.from({ length: 5 }, () => runChild(`
      const store = new k.FileKeyStore({ directory: ${JSON.stringify(dir)}, waitForLock: 100_000 });
      const kms = new k.KeyManagementService({ account: '${ACCOUNT}', region: '${REGION}', store });
      const written = [];
      for (let i = 0; i < 2; i++) {
        const { KeyMetadata } = await kms.createKey();
        written.push(Buffer.from((await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: Buffer.from(KeyMetadata.KeyId) })).CiphertextBlob).toString('base64'));
      }
      await store.close();
      console.log(JSON.stringify(written));`));
    const written = (await Promise.all(children)).flatMap((out) => JSON.parse(out) as string[]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.key') || f.endsWith('.tmp'))).toEqual(['root.key']);
    const store = new FileKeyStore({ directory: dir });
    const kms = kmsOn(store);
    expect((await kms.listKeys()).Keys).toHaveLength(10);
    for (const blob of written) {
      const { KeyId, Plaintext } = await kms.decrypt({ CiphertextBlob: Buffer.from(blob, 'base64') });
      expect(KeyId).toContain(text(Plaintext));
    }
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: true, records: 10 + 10 + 1 + 10 });
    await store.close();
  });

  it('processes started at once on a new ObjectStore directory agree on one SSE-S3 root key', async () => {
    const dir = tempDir();
    await Promise.all(Array.from({ length: 4 }, (_, i) => runChild(`
      const store = new k.ObjectStore({ kms: ${KMS}, dir: ${JSON.stringify(dir)}, waitForLock: 100_000 });
      await store.createBucket({ Bucket: 'bucket-${i}' });
      await store.putObject({ Bucket: 'bucket-${i}', Key: 'k', Body: 'from process ${i}', ServerSideEncryption: 'AES256' });
      await store.close();`)));
    expect(statSync(join(dir, 'sse-s3-root.key')).size).toBe(32);
    const store = new ObjectStore({ kms: kmsOn(), dir });
    for (let i = 0; i < 4; i++) expect(text((await (await store.getObject({ Bucket: `bucket-${i}`, Key: 'k' })).Body.transformToByteArray()))).toBe(`from process ${i}`);
    await store.close();
  });

  it('a second store object in the same process is refused until the first closes; a closed store refuses calls', async () => {
    const directory = tempDir();
    const first = new FileKeyStore({ directory });
    await kmsOn(first).createKey();
    const error = await kmsOn(new FileKeyStore({ directory })).listKeys().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(error).toMatchObject({ directory, holder: { pid: process.pid, host: hostname() }, message: expect.stringMatching(/in this process .*close\(\) it first/) });
    await first.close();
    await expect(kmsOn(first).listKeys()).rejects.toMatchObject({ name: 'StoreClosedError' });
    const second = new FileKeyStore({ directory });
    expect((await kmsOn(second).listKeys()).Keys).toHaveLength(1);
    await second.close();
  });

  it('of store objects opening one directory at once, exactly one gets the lock', async () => {
    const directory = tempDir();
    const stores = Array.from({ length: 8 }, () => new FileKeyStore({ directory }));
    const results = await Promise.allSettled(stores.map((store) => store.rootKey()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StoreLockedError);
    expect(readdirSync(join(directory, 'locks'))).toHaveLength(1);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('waitForLock waits for the holder to close', async () => {
    const directory = tempDir();
    const first = new FileKeyStore({ directory });
    const { KeyMetadata } = await kmsOn(first).createKey();
    const second = new FileKeyStore({ directory, waitForLock: 60_000 });
    const waiting = kmsOn(second).describeKey({ KeyId: KeyMetadata.KeyId });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await first.close();
    expect((await waiting).KeyMetadata.KeyId).toBe(KeyMetadata.KeyId);
    await second.close();
    expect(() => new FileKeyStore({ directory, waitForLock: -1 })).toThrow(/waitForLock/);
  });

  it('a read-only store opens beside a writer: it verifies and lists the audit trail, and refuses to record calls', async () => {
    const directory = tempDir();
    const writer = new FileKeyStore({ directory });
    const kms = kmsOn(writer);
    const { KeyMetadata } = await kms.createKey();
    const files = () => readdirSync(directory).sort().map((f) => [f, existsSync(join(directory, f)) && statSync(join(directory, f)).isFile() ? readFileSync(join(directory, f)).length : 0]);
    const before = files();
    const reader = kmsOn(new FileKeyStore({ directory, readOnly: true }));
    expect(await reader.verifyAuditTrail()).toMatchObject({ valid: true, records: 1 });
    expect((await reader.listAuditRecords({ EventName: 'CreateKey' })).map((r) => r.eventName)).toEqual(['CreateKey']);
    await expect(reader.describeKey({ KeyId: KeyMetadata.KeyId })).rejects.toMatchObject({ name: 'KMSInvalidStateException', message: expect.stringMatching(/read-only/) });
    expect(files()).toEqual(before);
    await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: bytes('the writer goes on') });
    await writer.close();
    const empty = tempDir();
    await expect(new FileKeyStore({ directory: empty, readOnly: true }).rootKey()).rejects.toMatchObject({ name: 'KMSInvalidStateException', message: expect.stringMatching(/no key store/) });
    expect(readdirSync(empty)).toEqual([]);
  });
});

describe('lock files left by other holders', () => {
  const linux = existsSync('/proc/self/stat');
  const self = () => ({
    pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z',
    bootId: linux ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() : undefined,
    pidNamespace: linux ? readlinkSync('/proc/self/ns/pid') : undefined,
    startTicks: linux ? readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ')[19] : undefined,
  });
  const withLock = (record: object) => {
    const directory = tempDir();
    mkdirSync(join(directory, 'locks'));
    writeFileSync(join(directory, 'locks', 'kms.4'), JSON.stringify(record));
    return directory;
  };
  const opens = async (directory: string) => {
    const store = new FileKeyStore({ directory });
    await store.rootKey();
    expect(readdirSync(join(directory, 'locks'))).toEqual(['kms.5']);
    await store.close();
  };
  const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

  it('a holder that is gone is detected at once: no such process, or the machine rebooted since', async () => {
    await opens(withLock({ ...self(), pid: deadPid() }));
    await opens(withLock({ ...self(), bootId: 'a-boot-before-this-one' }));
    await opens(withLock({ ...self(), released: true }));
  });

  it.skipIf(!linux)('a pid reused by a newer process does not keep a dead holder\'s lock', async () => {
    await opens(withLock({ ...self(), startTicks: '1' }));
  });

  it('a live holder, or one that cannot be judged from here (another host, another pid namespace), keeps its lock', async () => {
    for (const [record, host] of [[{ ...self(), host: 'build-7.example' }, 'build-7.example'], [{ ...self(), pid: deadPid(), pidNamespace: 'pid:[1]' }, hostname()],
      [{ ...self(), pid: process.ppid, startTicks: undefined }, hostname()]] as const) {
      const directory = withLock(record);
      await expect(new FileKeyStore({ directory }).rootKey()).rejects.toMatchObject({ name: 'StoreLockedError', holder: { host, pid: record.pid } });
      expect(readdirSync(join(directory, 'locks'))).toEqual(['kms.4']);
    }
  });

  it('an unreadable lock file is refused, not taken over', async () => {
    const directory = withLock({});
    writeFileSync(join(directory, 'locks', 'kms.4'), '{"pid":');
    await expect(new FileKeyStore({ directory }).rootKey()).rejects.toMatchObject({ name: 'StoreLockedError', message: expect.stringMatching(/unreadable/) });
  });
});

describe('secrets created on first use', () => {
  it('callers racing to create one secret all get the one that was stored', async () => {
    const file = join(tempDir(), 'root.key');
    const secrets = await Promise.all(Array.from({ length: 16 }, () => readOrCreateSecret(file, 32)));
    for (const secret of secrets) expect(Buffer.from(secret).equals(readFileSync(file))).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
