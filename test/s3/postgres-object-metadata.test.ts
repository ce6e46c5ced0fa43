// PostgresObjectMetadata: an ObjectStore's metadata in PostgreSQL, shared by several store objects (as
// several processes would share it: each holds its own cache). Options, the root key check, what the
// database holds (never the root key or an SSE-S3 root key in clear), tampered rows, one store's
// changes seen by another, SSE-S3 root key rotation across stores, and decisions taken on current
// state rather than a stale cache. Several real processes: postgres-object-processes.test.ts.
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyManagementService, ObjectStore, PostgresObjectMetadata } from '../../src/node.js';
import { heldBody } from '../helpers/held-body.js';
import { freshDatabase, POSTGRES_URL } from '../helpers/postgres.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const tempDir = temporaryDirectories('kms-wasm-pg-s3-');
const text = async (out: { Body: { transformToString(): Promise<string> } }) => out.Body.transformToString();

describe.skipIf(!POSTGRES_URL)('PostgresObjectMetadata', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let sql: pg.Pool;
  let schemas = 0;
  const rootKey = crypto.getRandomValues(new Uint8Array(32));
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const opened: PostgresObjectMetadata[] = [];
  beforeAll(async () => {
    database = await freshDatabase({ flushCommits: false });
    sql = new pg.Pool({ connectionString: database.url, max: 2 });
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await sql?.end();
    await database?.drop();
  });
  const metadata = (schema: string, bodies: string | undefined, key = rootKey) => {
    const store = new PostgresObjectMetadata({ connectionString: database.url, rootKey: key, schema, bodies, poolSize: 2 });
    opened.push(store);
    return store;
  };
  /** `count` ObjectStores on one new schema and bodies directory (or bodies in the database), as `count` processes would be. */
  const sharedWith = (where: 'directory' | 'database', count: number) => {
    const schema = `s3_${schemas++}`;
    const bodies = where === 'directory' ? tempDir() : undefined;
    return { schema, bodies, stores: Array.from({ length: count }, () => new ObjectStore({ kms, store: metadata(schema, bodies) })) };
  };
  /** How many bodies the store holds: files in its directory, or bodies in its table. */
  const bodyCount = async (schema: string, bodies: string | undefined) => (bodies ? readdirSync(bodies).length
    : Number((await sql.query(`SELECT count(DISTINCT body_id) AS n FROM ${schema}.s3_bodies`)).rows[0].n));

  it('checks its options, naming the field; an ObjectStore takes a store or a dir, not both', () => {
    const good = { connectionString: 'postgres://x/y', rootKey, bodies: 'never-opened-bodies' };
    const bad: Array<[object, string]> = [
      [{ ...good, connectionString: '' }, 'connectionString'], [{ ...good, rootKey: new Uint8Array(16) }, 'rootKey'],
      [{ ...good, schema: 'x; DROP TABLE' }, 'schema'], [{ ...good, poolSize: 1.5 }, 'poolSize'], [{ ...good, bodies: '' }, 'bodies'],
    ];
    for (const [options, field] of bad) {
      expect(() => new PostgresObjectMetadata(options as never), field).toThrow(expect.objectContaining({ name: 'InvalidArgument', message: expect.stringContaining(field) }));
    }
    expect(() => new ObjectStore({ kms, dir: 'never-created', store: new PostgresObjectMetadata(good) })).toThrow(expect.objectContaining({ name: 'InvalidArgument', message: expect.stringContaining('store') }));
  });

  for (const where of ['directory', 'database'] as const) {
    describe(`bodies in the ${where}`, () => {
      const shared = (count: number) => sharedWith(where, count);

    it('one store sees what another wrote: buckets, settings, versions, deletions, in order', async () => {
      const { stores: [a, b] } = shared(2);
      await a!.createBucket({ Bucket: 'seen' });
      await expect(b!.createBucket({ Bucket: 'seen' })).rejects.toMatchObject({ name: 'BucketAlreadyOwnedByYou' });
      await b!.putBucketVersioning({ Bucket: 'seen', VersioningConfiguration: { Status: 'Enabled' } });
      await b!.putBucketEncryption({ Bucket: 'seen', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } });
      const first = await a!.putObject({ Bucket: 'seen', Key: 'k', Body: 'one' });
      expect(first.ServerSideEncryption).toBe('aws:kms'); // a's put used the default b set
      const second = await b!.putObject({ Bucket: 'seen', Key: 'k', Body: 'two', ServerSideEncryption: 'AES256' });
      expect(await text(await a!.getObject({ Bucket: 'seen', Key: 'k' }))).toBe('two');
      expect(await text(await a!.getObject({ Bucket: 'seen', Key: 'k', VersionId: first.VersionId }))).toBe('one');
      const listed = await a!.listObjectVersions({ Bucket: 'seen' });
      expect(listed.Versions.map((v) => [v.VersionId, v.IsLatest])).toEqual([[second.VersionId, true], [first.VersionId, false]]);
      const marker = await a!.deleteObject({ Bucket: 'seen', Key: 'k' });
      await expect(b!.getObject({ Bucket: 'seen', Key: 'k' })).rejects.toMatchObject({ name: 'NoSuchKey' });
      for (const id of [marker.VersionId, first.VersionId, second.VersionId]) await b!.deleteObject({ Bucket: 'seen', Key: 'k', VersionId: id });
      expect((await a!.listObjectVersions({ Bucket: 'seen' })).Versions).toEqual([]);
      await a!.putBucketPolicy({ Bucket: 'seen', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::111122223333:user/x' }, Action: 's3:*', Resource: '*' }] }) });
      expect(JSON.parse((await b!.getBucketPolicy({ Bucket: 'seen' })).Policy).Statement[0].Effect).toBe('Deny');
      await b!.deleteBucketPolicy({ Bucket: 'seen' });
      await expect(a!.getBucketPolicy({ Bucket: 'seen' })).rejects.toMatchObject({ name: 'NoSuchBucketPolicy' });
      await b!.deleteBucket({ Bucket: 'seen' });
      expect((await a!.listBuckets()).Buckets).toEqual([]);
      await a!.createBucket({ Bucket: 'seen' }); // the name again: a new bucket, with none of the old one's settings
      expect((await b!.getBucketVersioning({ Bucket: 'seen' })).Status).toBeUndefined();
    });

    it('a store opened later loads everything; a replaced body is removed from the shared directory', async () => {
      const { schema, bodies, stores: [a] } = shared(1);
      await a!.createBucket({ Bucket: 'plain' });
      for (let i = 0; i < 5; i++) await a!.putObject({ Bucket: 'plain', Key: `k${i % 3}`, Body: `v${i}`, ServerSideEncryption: 'AES256' });
      await a!.deleteObject({ Bucket: 'plain', Key: 'k2' });
      const later = new ObjectStore({ kms, store: metadata(schema, bodies) });
      expect((await later.listObjectsV2({ Bucket: 'plain' })).Contents!.map((c) => c.Key)).toEqual(['k0', 'k1']);
      expect(await text(await later.getObject({ Bucket: 'plain', Key: 'k0' }))).toBe('v3');
      expect(await bodyCount(schema, bodies)).toBe(2);
    });

    it('decides on current state: a put whose body was being written when another store removed the bucket fails and leaves nothing', async () => {
      const { schema, bodies, stores: [a, b] } = shared(2);
      await a!.createBucket({ Bucket: 'racing' });
      const { body, reading, release } = heldBody();
      const put = a!.putObject({ Bucket: 'racing', Key: 'k', Body: body });
      await reading;
      await b!.deleteBucket({ Bucket: 'racing' }); // empty in the database, whatever a holds in memory
      release();
      await expect(put).rejects.toMatchObject({ name: 'NoSuchBucket' });
      expect(await bodyCount(schema, bodies)).toBe(0);
      await expect(b!.listObjectsV2({ Bucket: 'racing' })).rejects.toMatchObject({ name: 'NoSuchBucket' });
    });

    it('decides on current state: DeleteBucket refuses a bucket another store has just put into, though its own cache says empty', async () => {
      const { schema, bodies, stores: [a] } = shared(1);
      await a!.createBucket({ Bucket: 'busy' });
      const other = metadata(schema, bodies);
      const b = new ObjectStore({ kms, store: other });
      await b.headObject({ Bucket: 'busy', Key: 'k' }).catch(() => undefined); // b's cache: the bucket, empty
      // a's put lands while b's DeleteBucket is between its catch-up and its decision.
      const load = other.load.bind(other);
      other.load = async () => {
        await load();
        await a!.putObject({ Bucket: 'busy', Key: 'k', Body: 'x' });
      };
      await expect(b.deleteBucket({ Bucket: 'busy' })).rejects.toMatchObject({ name: 'BucketNotEmpty' });
      expect((await a!.listObjectsV2({ Bucket: 'busy' })).KeyCount).toBe(1);
    });

    it('decisions taken together on a stale cache are taken again on current state: the one that fails now fails alone, the others are stored', async () => {
      const { schema, bodies, stores: [a] } = shared(1);
      await a!.createBucket({ Bucket: 'going' });
      const other = metadata(schema, bodies);
      const b = new ObjectStore({ kms, store: other });
      await b.listObjectsV2({ Bucket: 'going' }); // b's cache: the bucket
      // Every call of b catches up, then a removes the bucket before any of them decides.
      const load = other.load.bind(other);
      let removed: Promise<unknown> | undefined;
      other.load = async () => {
        await load();
        await (removed ??= a!.deleteBucket({ Bucket: 'going' }));
      };
      const outcomes = await Promise.allSettled([
        b.createBucket({ Bucket: 'stays-1' }),
        b.putBucketVersioning({ Bucket: 'going', VersioningConfiguration: { Status: 'Enabled' } }),
        b.createBucket({ Bucket: 'stays-2' }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ name: 'NoSuchBucket' });
      other.load = load;
      for (const store of [a!, b, new ObjectStore({ kms, store: metadata(schema, bodies) })]) {
        expect((await store.listBuckets()).Buckets.map((x) => x.Name).sort()).toEqual(['stays-1', 'stays-2']);
      }
    });

    it('a transaction that fails takes back every change of its group, newest first, and fails their calls; the store goes on', async () => {
      const { schema, bodies } = shared(0);
      const store = metadata(schema, bodies);
      const s3 = new ObjectStore({ kms, store });
      await s3.createBucket({ Bucket: 'kept' });
      await s3.putObject({ Bucket: 'kept', Key: 'k', Body: 'before' });
      await sql.query(`CREATE FUNCTION ${schema}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by a trigger'; END $$;
        CREATE TRIGGER refuse BEFORE INSERT ON ${schema}.s3_buckets FOR EACH ROW WHEN (NEW.name = 'doomed') EXECUTE FUNCTION ${schema}.refuse()`);
      // The three changes are asked for together, so they are decided one after another and written in one transaction.
      const change = store.change.bind(store);
      let arrived = 0;
      let together!: () => void;
      const all = new Promise<void>((resolve) => { together = resolve; });
      store.change = async (decide) => {
        if (++arrived === 3) together();
        await all;
        return change(decide);
      };
      const outcomes = await Promise.allSettled([
        s3.putObject({ Bucket: 'kept', Key: 'k', Body: 'first' }), s3.putObject({ Bucket: 'kept', Key: 'k', Body: 'second' }), s3.createBucket({ Bucket: 'doomed' }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect((outcomes[2] as PromiseRejectedResult).reason.message).toContain('refused by a trigger');
      store.change = change;
      await sql.query(`DROP TRIGGER refuse ON ${schema}.s3_buckets`);
      for (const view of [s3, new ObjectStore({ kms, store: metadata(schema, bodies) })]) {
        expect(await text(await view.getObject({ Bucket: 'kept', Key: 'k' }))).toBe('before');
        expect((await view.listBuckets()).Buckets.map((b) => b.Name)).toEqual(['kept']);
      }
      expect(await bodyCount(schema, bodies)).toBe(1); // the failed PUTs' bodies removed
      await s3.createBucket({ Bucket: 'doomed' });
      expect((await s3.listBuckets()).Buckets.map((b) => b.Name).sort()).toEqual(['doomed', 'kept']);
    });

    it('concurrent changes share transactions: a refused one fails alone, and every store sees a key\'s versions in one order', async () => {
      const { schema, bodies, stores: [a, b] } = shared(2);
      const names = ['x1', 'x2', 'x1', 'x3', 'x2', 'x1'];
      const creates = await Promise.allSettled(names.map((name) => a!.createBucket({ Bucket: `group-${name}` })));
      for (const name of new Set(names)) { // each name created once (which call wins depends on when each call's catch-up returned)
        const outcomes = creates.filter((_, i) => names[i] === name);
        expect(outcomes.filter((c) => c.status === 'fulfilled'), name).toHaveLength(1);
        for (const c of outcomes) if (c.status === 'rejected') expect(c.reason).toMatchObject({ name: 'BucketAlreadyOwnedByYou' });
      }
      await a!.putBucketVersioning({ Bucket: 'group-x1', VersioningConfiguration: { Status: 'Enabled' } });
      const puts = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a! : b!).putObject({ Bucket: 'group-x1', Key: 'same', Body: `v${i}` })));
      const order = async (store: ObjectStore) => (await store.listObjectVersions({ Bucket: 'group-x1' })).Versions.map((v) => v.VersionId);
      const seenByA = await order(a!);
      expect(seenByA.slice().sort()).toEqual(puts.map((p) => p.VersionId).sort());
      expect(await order(b!)).toEqual(seenByA);
      expect(await order(new ObjectStore({ kms, store: metadata(schema, bodies) }))).toEqual(seenByA); // loaded from the rows alone
      expect(await text(await b!.getObject({ Bucket: 'group-x1', Key: 'same' }))).toBe(await text(await a!.getObject({ Bucket: 'group-x1', Key: 'same', VersionId: seenByA[0] })));
    });

    it('several stores opening a new database at once share one SSE-S3 root key; a rotation by one is used by all', async () => {
      const { stores } = shared(4);
      await Promise.all(stores.map((s) => s.listBuckets()));
      await stores[0]!.createBucket({ Bucket: 'sse' });
      await Promise.all(stores.map((s, i) => s.putObject({ Bucket: 'sse', Key: `from-${i}`, Body: `by ${i}`, ServerSideEncryption: 'AES256' })));
      for (const reader of stores) {
        for (let i = 0; i < stores.length; i++) expect(await text(await reader.getObject({ Bucket: 'sse', Key: `from-${i}` }))).toBe(`by ${i}`);
      }
      expect(await stores[1]!.rotateSseS3RootKey()).toEqual({ RootKeyId: 'root-2' });
      expect(await stores[2]!.rotateSseS3RootKey()).toEqual({ RootKeyId: 'root-3' });
      await stores[3]!.putObject({ Bucket: 'sse', Key: 'after', Body: 'rotated', ServerSideEncryption: 'AES256' });
      expect(await text(await stores[0]!.getObject({ Bucket: 'sse', Key: 'after' }))).toBe('rotated');
      expect(await text(await stores[0]!.getObject({ Bucket: 'sse', Key: 'from-1' }))).toBe('by 1');
    });

      it('a large body is stored and read back in ranges that cross its chunks', async () => {
        const { stores: [a, b] } = shared(2);
        await a!.createBucket({ Bucket: 'large' });
        const large = new Uint8Array(2.5 * 1024 * 1024);
        for (let at = 0; at < large.length; at += 65536) crypto.getRandomValues(large.subarray(at, at + 65536));
        const same = (bytes: Uint8Array, expected: Uint8Array) => Buffer.from(bytes).equals(Buffer.from(expected)); // not toEqual: byte by byte, slow
        await a!.putObject({ Bucket: 'large', Key: 'big', Body: large, ServerSideEncryption: 'AES256' });
        expect(same(await (await b!.getObject({ Bucket: 'large', Key: 'big' })).Body.transformToByteArray(), large)).toBe(true);
        const range = await (await b!.getObject({ Bucket: 'large', Key: 'big', Range: 'bytes=1048000-2097400' })).Body.transformToByteArray();
        expect(same(range, large.subarray(1048000, 2097401))).toBe(true);
        await a!.putObject({ Bucket: 'large', Key: 'empty', Body: new Uint8Array(0) });
        expect(await (await b!.getObject({ Bucket: 'large', Key: 'empty' })).Body.transformToByteArray()).toEqual(new Uint8Array(0));
      });
    });
  }

  const shared = (count: number) => sharedWith('directory', count);

  it('refuses another root key with a RootKeyMismatchError; the database holds neither the root key nor an SSE-S3 root key in clear', async () => {
    const { schema, bodies, stores: [a] } = shared(1);
    await a!.createBucket({ Bucket: 'mine' });
    await a!.putObject({ Bucket: 'mine', Key: 'k', Body: 'secret', ServerSideEncryption: 'AES256' });
    const wrong = new ObjectStore({ kms, store: metadata(schema, bodies, crypto.getRandomValues(new Uint8Array(32))) });
    await expect(wrong.listBuckets()).rejects.toMatchObject({ name: 'RootKeyMismatchError' });
    await expect(wrong.createBucket({ Bucket: 'other' })).rejects.toMatchObject({ name: 'RootKeyMismatchError' });
    const dump = JSON.stringify((await sql.query(`SELECT * FROM ${schema}.s3_store, ${schema}.s3_buckets, ${schema}.s3_versions`)).rows);
    for (const encoding of ['hex', 'base64'] as const) expect(dump.includes(Buffer.from(rootKey).toString(encoding))).toBe(false);
    const sealed = (await sql.query(`SELECT sse_s3_root_keys FROM ${schema}.s3_store`)).rows[0].sse_s3_root_keys as string;
    expect(Buffer.from(sealed, 'base64')).toHaveLength(12 + 32 + 16); // one version, sealed: IV, key, tag
  });

  it('refuses an edited, moved or unsealed row with a StoreIntegrityError, in a new opener and in a running one catching up', async () => {
    const edits = [
      "UPDATE s3_versions SET record = replace(record, 'text/plain', 'text/html') WHERE key = 'k'",
      "UPDATE s3_versions SET key = 'moved' WHERE key = 'j'",
      "UPDATE s3_buckets SET record = replace(record, '\"owner\"', '\"owner2\"')",
      "UPDATE s3_versions SET seq = seq - 1 WHERE key = 'j'",
      "UPDATE s3_store SET sse_s3_root_keys = overlay(sse_s3_root_keys placing (CASE WHEN substr(sse_s3_root_keys, 20, 1) = 'A' THEN 'B' ELSE 'A' END) from 20 for 1)",
    ];
    for (const edit of edits) {
      const { schema, bodies, stores: [a] } = shared(1);
      await a!.createBucket({ Bucket: 'tamper' });
      await a!.putObject({ Bucket: 'tamper', Key: 'k', Body: 'x', ContentType: 'text/plain' });
      await a!.putObject({ Bucket: 'tamper', Key: 'j', Body: 'y' });
      expect((await sql.query(edit.replace(/^UPDATE (\w+)/, `UPDATE ${schema}.$1`))).rowCount, edit).toBe(1);
      await expect(new ObjectStore({ kms, store: metadata(schema, bodies) }).listBuckets(), edit).rejects.toMatchObject({ name: 'StoreIntegrityError' });
    }
    // A running store meets an edited row when it catches up past it (as if another process had written it).
    const { schema, stores: [a] } = shared(1);
    await a!.createBucket({ Bucket: 'tamper' });
    await a!.putObject({ Bucket: 'tamper', Key: 'k', Body: 'x', ContentType: 'text/plain' });
    await sql.query(`UPDATE ${schema}.s3_versions SET record = replace(record, 'text/plain', 'text/html'), seq = seq + 100 WHERE key = 'k'`);
    await sql.query(`UPDATE ${schema}.s3_store SET change_seq = change_seq + 100`);
    await expect(a!.headObject({ Bucket: 'tamper', Key: 'k' })).rejects.toMatchObject({ name: 'StoreIntegrityError' });
    await expect(a!.putObject({ Bucket: 'tamper', Key: 'new', Body: 'z' })).rejects.toMatchObject({ name: 'StoreIntegrityError' });
  });

  it('a closed store refuses every call with a StoreClosedError', async () => {
    const { schema, bodies } = shared(0);
    const store = metadata(schema, bodies);
    const s3 = new ObjectStore({ kms, store });
    await s3.createBucket({ Bucket: 'closing' });
    await s3.close();
    await expect(s3.listBuckets()).rejects.toMatchObject({ name: 'StoreClosedError' });
    await expect(s3.createBucket({ Bucket: 'after' })).rejects.toMatchObject({ name: 'StoreClosedError' });
  });
});
