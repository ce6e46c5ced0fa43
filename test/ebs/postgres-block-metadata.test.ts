// PostgresBlockMetadata: a BlockStore's metadata in PostgreSQL, shared by several store objects in
// this process (as processes would share it: each holds its own state) and by real child processes.
// Options, the root key check, tampered rows, one store's changes seen by another, decisions taken on
// current state, and attachments that die with their process: a child that attached a volume and is
// SIGKILLed (or exits without closing) leaves the volume attachable again, its grant retired.
// Sector files no record names (a CreateSnapshot SIGKILLed between its copy and its record) are
// removed by the next opener once older than its grace period, and only those.
// Children run the built package (dist/): `npm run build` first.
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockStore, KeyManagementService, PostgresBlockMetadata, PostgresKeyStore } from '../../src/node.js';
import { startChild } from '../helpers/child-processes.js';
import { freshDatabase, POSTGRES_URL } from '../helpers/postgres.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const INSTANCE = 'i-0123456789abcdef0';
const OTHER_INSTANCE = 'i-00000000000000001';
const tempDir = temporaryDirectories('kms-wasm-pg-ebs-');

describe.skipIf(!POSTGRES_URL)('PostgresBlockMetadata', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let sql: pg.Pool;
  let schemas = 0;
  const rootKey = crypto.getRandomValues(new Uint8Array(32));
  const closers: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    database = await freshDatabase({ flushCommits: false });
    sql = new pg.Pool({ connectionString: database.url, max: 2 });
  });
  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined);
    await sql?.end();
    await database?.drop();
  });

  /** A schema and sectors directory, and `count` BlockStores on them over one KMS (on the same schema: children can share it). */
  function shared(count: number, key = rootKey) {
    const schema = `ebs_${schemas++}`;
    const sectors = tempDir();
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION,
      store: new PostgresKeyStore({ connectionString: database.url, rootKey, schema, poolSize: 2 }) });
    const open = (k = key, orphanedSectorGraceMs?: number) => {
      const ec2 = new BlockStore({ kms, store: new PostgresBlockMetadata({ connectionString: database.url, rootKey: k, schema, sectors, poolSize: 2,
        orphanedSectorGraceMs }) });
      closers.push(() => ec2.close());
      return ec2;
    };
    return { schema, sectors, kms, open, stores: Array.from({ length: count }, () => open()) };
  }

  /**
   * Attaches `VolumeId` to INSTANCE once the dead holder's lock is gone: PostgreSQL frees it when the
   * server process of the session has noticed the closed connection and ended, a moment after the
   * client died, so VolumeInUse is retried (a bounded number of times: not a timing assertion).
   */
  async function attachOnceReleased(ec2: BlockStore, VolumeId: string) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
      } catch (error) {
        if ((error as Error).name !== 'VolumeInUse' || attempt === 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  it('checks its options, naming the field; a BlockStore takes a store or a dir, not both', () => {
    const good = { connectionString: 'postgres://x/y', rootKey, sectors: 'never-opened-sectors' };
    const bad: Array<[object, string]> = [
      [{ ...good, connectionString: '' }, 'connectionString'], [{ ...good, rootKey: new Uint8Array(16) }, 'rootKey'],
      [{ ...good, schema: 'x; DROP TABLE' }, 'schema'], [{ ...good, poolSize: 0 }, 'poolSize'], [{ ...good, sectors: '' }, 'sectors'],
      [{ ...good, sectors: undefined }, 'sectors'], [{ ...good, orphanedSectorGraceMs: -1 }, 'orphanedSectorGraceMs'],
      [{ ...good, orphanedSectorGraceMs: 1.5 }, 'orphanedSectorGraceMs'], [{ ...good, orphanedSectorGraceMs: '1' }, 'orphanedSectorGraceMs'],
    ];
    for (const [options, field] of bad) {
      expect(() => new PostgresBlockMetadata(options as never), field).toThrow(expect.objectContaining({ name: 'InvalidParameterValue', message: expect.stringContaining(field) }));
    }
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION });
    expect(() => new BlockStore({ kms, dir: 'never-opened', store: new PostgresBlockMetadata(good) })).toThrow(expect.objectContaining({ message: expect.stringContaining('store') }));
  });

  it('one store\'s volumes, snapshots, settings and written sectors are the other\'s', async () => {
    const { stores: [a, b] } = shared(2);
    await a!.enableEbsEncryptionByDefault();
    expect((await b!.getEbsEncryptionByDefault()).EbsEncryptionByDefault).toBe(true);
    const { VolumeId, Encrypted } = await b!.createVolume({ Size: 1 });
    expect(Encrypted).toBe(true);
    const handle = await a!.attachVolume({ VolumeId, InstanceId: INSTANCE });
    await handle.write(4000, Buffer.from('across stores'));
    expect((await b!.describeVolumes({ VolumeIds: [VolumeId] })).Volumes[0]).toMatchObject({ State: 'in-use', Attachments: [{ InstanceId: INSTANCE }] });
    await expect(b!.attachVolume({ VolumeId, InstanceId: INSTANCE })).rejects.toMatchObject({ name: 'VolumeInUse' });
    await expect(b!.deleteVolume({ VolumeId })).rejects.toMatchObject({ name: 'VolumeInUse' });
    const { SnapshotId } = await b!.createSnapshot({ VolumeId, Description: 'from b' });
    await a!.detachVolume({ VolumeId });
    const again = await b!.attachVolume({ VolumeId, InstanceId: INSTANCE });
    expect(Buffer.from(await again.read(4000, 13)).toString()).toBe('across stores');
    const { VolumeId: copy } = await a!.createVolume({ SnapshotId });
    expect(Buffer.from(await (await a!.attachVolume({ VolumeId: copy, InstanceId: OTHER_INSTANCE })).read(4000, 13)).toString()).toBe('across stores');
    await b!.detachVolume({ VolumeId });
    await a!.deleteVolume({ VolumeId });
    await expect(b!.describeVolumes({ VolumeIds: [VolumeId] })).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
    expect((await b!.describeSnapshots()).Snapshots.map((s) => s.Description)).toEqual(['from b']);
    await b!.deleteSnapshot({ SnapshotId });
    await expect(a!.deleteSnapshot({ SnapshotId })).rejects.toMatchObject({ name: 'InvalidSnapshot.NotFound' });
  });

  it('two stores attaching one volume to one instance at once: exactly one wins', async () => {
    const { stores } = shared(4);
    const { VolumeId } = await stores[0]!.createVolume({ Size: 1, Encrypted: true });
    const results = await Promise.allSettled(stores.map((s) => s.attachVolume({ VolumeId, InstanceId: INSTANCE })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ name: 'VolumeInUse' });
  });

  it('stores data keys only wrapped, refuses another root key, and refuses an edited row, changing nothing', async () => {
    const { schema, stores: [a], open } = shared(1);
    const { VolumeId } = await a!.createVolume({ Size: 2, Encrypted: true });
    const { rows } = await sql.query(`SELECT record FROM ${schema}.ebs_volumes WHERE id = $1`, [VolumeId]);
    expect(JSON.parse(rows[0].record)).toMatchObject({ VolumeId, Encrypted: true, wrappedDataKey: expect.any(String) });
    await expect(open(crypto.getRandomValues(new Uint8Array(32))).describeVolumes()).rejects.toMatchObject({ name: 'RootKeyMismatchError' });
    await sql.query(`UPDATE ${schema}.ebs_volumes SET record = replace(record, '"Encrypted":true', '"Encrypted":false') WHERE id = $1`, [VolumeId]);
    await expect(open().describeVolumes()).rejects.toMatchObject({ name: 'StoreIntegrityError', message: expect.stringContaining(VolumeId) });
    await expect(open().attachVolume({ VolumeId, InstanceId: INSTANCE })).rejects.toMatchObject({ name: 'StoreIntegrityError' });
    // A store that read the row before the edit keeps what it authenticated then.
    expect((await a!.describeVolumes()).Volumes[0]!.Encrypted).toBe(true);
    expect((await sql.query(`SELECT count(*) AS n FROM ${schema}.ebs_attachments`)).rows[0].n).toBe('0');
  });

  it('an attachment whose database session ended is orphaned: another store retires its grant and attaches the volume again', async () => {
    const { schema, kms, stores: [a, b] } = shared(2);
    const { VolumeId, KmsKeyId } = await a!.createVolume({ Size: 1, Encrypted: true });
    await (await a!.attachVolume({ VolumeId, InstanceId: INSTANCE })).write(0, Buffer.from('before the session ended'));
    await expect(b!.attachVolume({ VolumeId, InstanceId: INSTANCE })).rejects.toMatchObject({ name: 'VolumeInUse' });
    // The holder's session ends as a crashed process's would (the store itself is left as it was).
    await sql.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2
      AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database()) AND pid <> pg_backend_pid()
      AND objid::bigint = (SELECT holder FROM ${schema}.ebs_attachments WHERE record IS NOT NULL)`, [0x6b6d7365]);
    const handle = await attachOnceReleased(b!, VolumeId);
    expect(Buffer.from(await handle.read(0, 24)).toString()).toBe('before the session ended');
    const grants = (await kms.listGrants({ KeyId: KmsKeyId! })).Grants;
    expect(grants).toHaveLength(1); // b's: a's was retired
  });

  it('an opener removes sector files no volume or snapshot names that are older than the grace period, and only those', async () => {
    const { sectors, stores: [a], open } = shared(1);
    const { VolumeId } = await a!.createVolume({ Size: 1, Encrypted: true });
    await (await a!.attachVolume({ VolumeId, InstanceId: INSTANCE })).write(0, Buffer.from('named, old'));
    await a!.detachVolume({ VolumeId });
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    for (const name of ['vol-00000000000000old.img', 'vol-0000000000000young.img', 'stray.tmp']) writeFileSync(`${sectors}/${name}`, 'left behind');
    for (const name of [`${VolumeId}.img`, 'vol-00000000000000old.img', 'stray.tmp']) utimesSync(`${sectors}/${name}`, twoDaysAgo, twoDaysAgo);
    const b = open();
    await b.describeVolumes();
    expect(readdirSync(sectors).sort()).toEqual([`${VolumeId}.img`, 'vol-0000000000000young.img'].sort());
    expect(Buffer.from(await (await b.attachVolume({ VolumeId, InstanceId: INSTANCE })).read(0, 10)).toString()).toBe('named, old');
  });

  it('a CreateSnapshot whose process was SIGKILLed after the copy leaves an unrecorded sector file, removed by the next opener', async () => {
    const { schema, sectors, stores: [parent], open } = shared(1);
    const { VolumeId } = await parent!.createVolume({ Size: 1, Encrypted: true });
    await (await parent!.attachVolume({ VolumeId, InstanceId: INSTANCE })).write(0, Buffer.from('the volume stays'));
    await parent!.detachVolume({ VolumeId });
    // The child's KMS never answers the snapshot's ReEncrypt, which comes after the copy and before the record.
    const child = startChild(`
const rootKey = Uint8Array.from(Buffer.from(${JSON.stringify(Buffer.from(rootKey).toString('hex'))}, 'hex'));
const options = { connectionString: ${JSON.stringify(database.url)}, rootKey, schema: ${JSON.stringify(schema)}, poolSize: 2 };
const real = new k.KeyManagementService({ account: '${ACCOUNT}', region: '${REGION}', store: new k.PostgresKeyStore(options) });
const kms = new Proxy(real, { get: (target, name) => name === 'reEncrypt'
  ? async () => { console.log('copied'); await new Promise(() => {}); }
  : typeof target[name] === 'function' ? target[name].bind(target) : target[name] });
const ec2 = new k.BlockStore({ kms, store: new k.PostgresBlockMetadata({ ...options, sectors: ${JSON.stringify(sectors)} }) });
await ec2.createSnapshot({ VolumeId: ${JSON.stringify(VolumeId)} });
`);
    expect(await child.nextLine()).toBe('copied');
    child.process.kill('SIGKILL');
    expect((await child.exit).signal).toBe('SIGKILL');
    const [copy] = readdirSync(sectors).filter((name) => name !== `${VolumeId}.img`);
    expect(copy).toMatch(/^snap-[0-9a-f]{17}\.img$/);
    await open().describeSnapshots(); // within the default grace period: kept (it could be another process's copy in flight)
    expect(readdirSync(sectors).sort()).toEqual([`${VolumeId}.img`, copy].sort());
    const next = open(undefined, 0);
    expect((await next.describeSnapshots()).Snapshots).toEqual([]);
    expect(readdirSync(sectors)).toEqual([`${VolumeId}.img`]);
    expect(Buffer.from(await (await next.attachVolume({ VolumeId, InstanceId: INSTANCE })).read(0, 16)).toString()).toBe('the volume stays');
  });

  /** A child that opens the schema's stores and attaches `VolumeId`, writes `text` at 0, prints "attached" (or the error's name), then `then`. */
  const attachingChild = (schema: string, sectors: string, VolumeId: string, text: string, then: string) => startChild(`
const rootKey = Uint8Array.from(Buffer.from(${JSON.stringify(Buffer.from(rootKey).toString('hex'))}, 'hex'));
const options = { connectionString: ${JSON.stringify(database.url)}, rootKey, schema: ${JSON.stringify(schema)}, poolSize: 2 };
const kms = new k.KeyManagementService({ account: '${ACCOUNT}', region: '${REGION}', store: new k.PostgresKeyStore(options) });
const ec2 = new k.BlockStore({ kms, store: new k.PostgresBlockMetadata({ ...options, sectors: ${JSON.stringify(sectors)} }) });
try {
  const handle = await ec2.attachVolume({ VolumeId: ${JSON.stringify(VolumeId)}, InstanceId: '${INSTANCE}' });
  await handle.write(0, Buffer.from(${JSON.stringify(text)}));
  console.log('attached');
} catch (error) {
  console.log(error.name);
}
${then}
`);

  for (const [how, then] of [
    ['is SIGKILLed', 'setInterval(() => {}, 1000);'],
    ['exits without closing its store', 'setInterval(() => {}, 1000); process.on(\'SIGTERM\', () => process.exit(0));'],
  ] as const) {
    it(`a volume attached by a child process that ${how} becomes attachable again, its grant retired`, async () => {
      const { schema, sectors, kms, stores: [parent] } = shared(1);
      const { VolumeId, KmsKeyId } = await parent!.createVolume({ Size: 1, Encrypted: true });
      const child = attachingChild(schema, sectors, VolumeId, `written by the child that ${how}`, then);
      expect(await child.nextLine()).toBe('attached');
      expect((await kms.listGrants({ KeyId: KmsKeyId! })).Grants).toHaveLength(1);
      await expect(parent!.attachVolume({ VolumeId, InstanceId: INSTANCE })).rejects.toMatchObject({ name: 'VolumeInUse' }); // its process is alive
      // A second child is refused while the first lives.
      const second = attachingChild(schema, sectors, VolumeId, 'never', 'process.exit(0);');
      expect(await second.nextLine()).toBe('VolumeInUse');
      child.process.kill(how === 'is SIGKILLed' ? 'SIGKILL' : 'SIGTERM');
      expect((await child.exit).signal).toBe(how === 'is SIGKILLed' ? 'SIGKILL' : null);
      const handle = await attachOnceReleased(parent!, VolumeId);
      expect(Buffer.from(await handle.read(0, 26 + how.length)).toString()).toBe(`written by the child that ${how}`);
      const grants = (await kms.listGrants({ KeyId: KmsKeyId! })).Grants;
      expect(grants).toHaveLength(1); // the parent's; the dead child's was retired
      await parent!.detachVolume({ VolumeId });
      expect((await kms.listGrants({ KeyId: KmsKeyId! })).Grants).toEqual([]);
      // A child that closes its store ends its attachment itself.
      const tidy = attachingChild(schema, sectors, VolumeId, 'tidy', 'await ec2.close(); process.exit(0);');
      expect(await tidy.nextLine()).toBe('attached');
      expect((await tidy.exit).code).toBe(0);
      expect((await parent!.describeVolumes({ VolumeIds: [VolumeId] })).Volumes[0]!.State).toBe('available');
      expect((await kms.listGrants({ KeyId: KmsKeyId! })).Grants).toEqual([]);
    });
  }
});
