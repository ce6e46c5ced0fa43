// PostgresKeyStore itself: options, the root key check, tampered rows, concurrent openers, and a
// change raced by another process (run again under the store's lock).
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyManagementService, PostgresKeyStore, type KeyStore } from '../../src/node.js';
import { freshDatabase, POSTGRES_URL } from '../helpers/postgres.js';
import { ACCOUNT, REGION, bytes, rejectsWith, text } from './fixtures.js';

describe.skipIf(!POSTGRES_URL)('PostgresKeyStore', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let sql: pg.Pool;
  let schemas = 0;
  const rootKey = crypto.getRandomValues(new Uint8Array(32));
  const stores: PostgresKeyStore[] = [];
  beforeAll(async () => {
    database = await freshDatabase({ flushCommits: false });
    sql = new pg.Pool({ connectionString: database.url, max: 2 });
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await sql?.end();
    await database?.drop();
  });
  const open = (schema: string, key = rootKey) => {
    const store = new PostgresKeyStore({ connectionString: database.url, rootKey: key, schema, poolSize: 2 });
    stores.push(store);
    return store;
  };
  const kmsOn = (store: KeyStore) => new KeyManagementService({ account: ACCOUNT, region: REGION, store });
  const newSchema = () => `store_${schemas++}`;

  it('checks its options, naming the field', () => {
    const bad: Array<[object, string]> = [
      [{ rootKey }, 'connectionString'], [{ connectionString: 'postgres://x/y', rootKey: new Uint8Array(31) }, 'rootKey'],
      [{ connectionString: 'postgres://x/y', rootKey, schema: 'Robert"; DROP TABLE' }, 'schema'],
      [{ connectionString: 'postgres://x/y', rootKey, poolSize: 0 }, 'poolSize'],
    ];
    for (const [options, field] of bad) {
      expect(() => new PostgresKeyStore(options as never), field).toThrow(expect.objectContaining({ name: 'ValidationException', message: expect.stringContaining(field) }));
    }
  });

  it('refuses another root key with a RootKeyMismatchError, reading and writing nothing; the database never holds the root key', async () => {
    const schema = newSchema();
    const kms = kmsOn(open(schema));
    const { KeyMetadata: key } = await kms.createKey();
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: bytes('sealed') });
    const head = await kms.auditHead();
    const wrong = kmsOn(open(schema, crypto.getRandomValues(new Uint8Array(32))));
    for (const call of [() => wrong.describeKey({ KeyId: key.KeyId }), () => wrong.createKey(), () => wrong.decrypt({ CiphertextBlob })]) {
      await expect(call()).rejects.toMatchObject({ name: 'RootKeyMismatchError' });
    }
    expect(await kmsOn(open(schema)).auditHead()).toEqual(head);
    const dump = JSON.stringify((await sql.query(`SELECT * FROM ${schema}.kms_keys, ${schema}.kms_store, ${schema}.kms_audit`)).rows);
    for (const encoding of ['hex', 'base64'] as const) expect(dump.includes(Buffer.from(rootKey).toString(encoding))).toBe(false);
  });

  it('refuses an edited, swapped or unsealed row with a StoreIntegrityError instead of using it', async () => {
    const schema = newSchema();
    const kms = kmsOn(open(schema));
    const { KeyMetadata: disabled } = await kms.createKey();
    const { KeyMetadata: other } = await kms.createKey();
    await kms.disableKey({ KeyId: disabled.KeyId });
    const tamperings = [
      `UPDATE ${schema}.kms_keys SET record = replace(record, '"Disabled"', '"Enabled"') WHERE key_id = '${disabled.KeyId}'`,
      `UPDATE ${schema}.kms_keys SET record = (SELECT record FROM ${schema}.kms_keys WHERE key_id = '${other.KeyId}'),
        mac = (SELECT mac FROM ${schema}.kms_keys WHERE key_id = '${other.KeyId}') WHERE key_id = '${disabled.KeyId}'`,
      `UPDATE ${schema}.kms_keys SET seq = seq + 1 WHERE key_id = '${disabled.KeyId}'`,
      `INSERT INTO ${schema}.kms_grants VALUES ('forged', 1, '{}', '${'0'.repeat(64)}')`,
    ];
    for (const tampering of tamperings) {
      const client = await sql.connect();
      try {
        await client.query('BEGIN');
        await client.query(tampering);
        await client.query('COMMIT');
        await expect(kmsOn(open(schema)).encrypt({ KeyId: disabled.KeyId, Plaintext: bytes('x') }), tampering).rejects.toMatchObject({
          name: 'StoreIntegrityError', message: expect.stringMatching(/does not authenticate/),
        });
      } finally {
        client.release();
      }
      // Undo by restoring what the KMS wrote: the still-open KMS rewrites the key (a new seq and MAC).
      await sql.query(`DELETE FROM ${schema}.kms_grants WHERE grant_id = 'forged'`);
      await kms.updateKeyDescription({ KeyId: disabled.KeyId, Description: 'restored' });
      await kms.updateKeyDescription({ KeyId: other.KeyId, Description: 'restored' });
      await rejectsWith(kmsOn(open(schema)).encrypt({ KeyId: disabled.KeyId, Plaintext: bytes('x') }), 'DisabledException');
    }
    // An audit record edited in the table breaks the chain there.
    await sql.query(`UPDATE ${schema}.kms_audit SET record = replace(record, '"CreateKey"', '"DescribeKey"') WHERE sequence = 1`);
    expect(await kms.verifyAuditTrail()).toMatchObject({ valid: false, firstInvalidIndex: 1 });
  });

  it('several processes opening a new database at once apply the migrations once and share one store', async () => {
    const schema = newSchema();
    const openers = Array.from({ length: 6 }, () => kmsOn(open(schema)));
    const keys = await Promise.all(openers.map((kms) => kms.createKey()));
    const { rows } = await sql.query(`SELECT version FROM ${schema}.kms_schema_migrations`);
    // Every migration the repository holds, each once (the openers raced to apply them).
    const migrations = readdirSync(new URL('../../src/kms/postgres-migrations/', import.meta.url)).filter((name) => name.endsWith('.sql')).sort();
    expect(migrations).toContain('0001_initial.sql');
    expect(rows.map((r) => r.version).sort()).toEqual(migrations);
    expect((await openers[0]!.listKeys()).Keys).toHaveLength(6);
    expect(await openers[5]!.verifyAuditTrail()).toMatchObject({ valid: true, records: 7 });
    expect(keys).toHaveLength(6);
  });

  it('a change raced by another process runs again under the lock, on the state that process left', async () => {
    const schema = newSchema();
    const first = kmsOn(open(schema));
    const { KeyMetadata: key } = await first.createKey();
    const { KeyMetadata: rotated } = await first.createKey();
    // A store that never catches up before a call, as if another process always committed in between.
    const real = open(schema);
    const stale: KeyStore = {
      rootKey: () => real.rootKey(), read: () => real.read(), auditHead: () => real.auditHead(), readAudit: (from) => real.readAudit(from),
      commit: (events, change) => real.commit(events, change),
      updatesSince: async (version) => (version === 0 ? real.updatesSince(0) : { version, keys: [], aliases: [], grants: [] }),
    };
    const second = kmsOn(stale);
    await second.listKeys();
    await first.createAlias({ AliasName: 'alias/taken', TargetKeyId: key.KeyId });
    await rejectsWith(second.createAlias({ AliasName: 'alias/taken', TargetKeyId: key.KeyId }), 'AlreadyExistsException');
    await first.disableKey({ KeyId: key.KeyId });
    await rejectsWith(second.createGrant({ KeyId: key.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/bob`, Operations: ['Decrypt'] }), 'DisabledException');
    await first.rotateKeyOnDemand({ KeyId: rotated.KeyId });
    await second.rotateKeyOnDemand({ KeyId: rotated.KeyId }); // on the state with the first rotation: a third version, not a second one twice
    const rotations = (await first.listKeyRotations({ KeyId: rotated.KeyId })).Rotations;
    expect(rotations).toHaveLength(2);
    const { CiphertextBlob } = await first.encrypt({ KeyId: rotated.KeyId, Plaintext: bytes('after both rotations') });
    expect(text((await second.decrypt({ CiphertextBlob })).Plaintext)).toBe('after both rotations');
    const events = (await first.listAuditRecords()).map((r) => `${r.eventName} ${r.errorCode ?? 'ok'}`);
    expect(events.filter((e) => e.startsWith('CreateAlias'))).toEqual(['CreateAlias ok', 'CreateAlias AlreadyExistsException']);
    expect(await first.verifyAuditTrail()).toMatchObject({ valid: true });
  });

  it('a closed store refuses calls with a StoreClosedError', async () => {
    const store = open(newSchema());
    const kms = kmsOn(store);
    await kms.createKey();
    await store.close();
    await expect(kms.createKey()).rejects.toMatchObject({ name: 'StoreClosedError' });
  });
});
