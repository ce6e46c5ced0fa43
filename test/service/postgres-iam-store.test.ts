// PostgresIamStore (src/service/postgres-iam-store.ts): the identities of `serve --postgres`, shared
// by every server on the database. Several IamDirectory objects on one database stand for several
// servers (each holds its own state, as a process would): a user, access key or policy made through
// one is seen by the other at its next refresh (the start of a request), a deletion too; decisions
// are taken under the head's lock on current state (one user of a name, two keys per user, whatever
// the servers racing); secrets are never in the database in clear; an edited row, another root key,
// another account or other root credentials are refused; servers starting at once on a new
// database agree on one root pair.
import { describe, expect, it } from 'vitest';
import { Iam } from '../../src/policy/index.js';
import { IamDirectory } from '../../src/service/iam-directory.js';
import { PostgresIamStore } from '../../src/service/postgres-iam-store.js';
import { POSTGRES_URL, suiteDatabase } from '../helpers/postgres.js';

const ACCOUNT = '111122223333';
const ROOT = { KMS_WASM_ROOT_ACCESS_KEY_ID: 'AKIAROOTTESTKEY00001', KMS_WASM_ROOT_SECRET_ACCESS_KEY: 'root-secret-for-tests-0123456789abcdefgh' };
const ALLOW_ENCRYPT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' }] });

describe.skipIf(!POSTGRES_URL)('PostgresIamStore', () => {
  const database = suiteDatabase();
  let schemas = 0;
  const rootKey = crypto.getRandomValues(new Uint8Array(32));

  const openStore = async (schema: string, { key = rootKey, account = ACCOUNT, environment = ROOT as Record<string, string | undefined> } = {}) => {
    const result = await PostgresIamStore.open({ connectionString: database.url, rootKey: key, schema, poolSize: 2 }, account, environment);
    database.closeAfter(result.store);
    return result;
  };
  /** `count` servers' directories on a new schema, each with its own Iam. */
  const servers = async (count: number) => {
    const schema = `iam_${schemas++}`;
    const list = [];
    for (let i = 0; i < count; i++) {
      const iam = new Iam();
      list.push({ iam, directory: new IamDirectory((await openStore(schema)).store, iam) });
    }
    return { schema, servers: list };
  };
  const allowsEncrypt = (iam: Iam, principal: string) => iam.evaluate({ principal, action: 'kms:Encrypt', resource: '*', context: {} } as never).allowed;

  it('a user, access key and policy made through one server are the other\'s at its next refresh; deletions too', async () => {
    const { servers: [a, b] } = await servers(2);
    const user = await a!.directory.createUser('alice', '/team/');
    const key = await a!.directory.createAccessKey('alice');
    await a!.directory.putUserPolicy('alice', 'encrypt', ALLOW_ENCRYPT);
    expect(b!.directory.credentialsFor(key.accessKeyId)).toBeUndefined(); // not before its refresh
    await b!.directory.refresh();
    expect(b!.directory.credentialsFor(key.accessKeyId)).toEqual({ secretAccessKey: key.secretAccessKey, identity: { arn: user.arn, userId: user.userId } });
    expect(b!.directory.getUser('alice')).toEqual({ ...user, policies: { encrypt: ALLOW_ENCRYPT } });
    expect(allowsEncrypt(b!.iam, user.arn)).toBe('direct');
    // Deleted through b: a refuses the key, drops the policy and the user at its next refresh.
    await b!.directory.deleteAccessKey('alice', key.accessKeyId);
    await b!.directory.deleteUserPolicy('alice', 'encrypt');
    await b!.directory.deleteUser('alice');
    expect(a!.directory.credentialsFor(key.accessKeyId)).toBeDefined();
    await a!.directory.refresh();
    expect(a!.directory.credentialsFor(key.accessKeyId)).toBeUndefined();
    expect(allowsEncrypt(a!.iam, user.arn)).toBe('none');
    expect(() => a!.directory.getUser('alice')).toThrow(expect.objectContaining({ code: 'NoSuchEntity' }));
    // A server opened now sees what is left: nothing but the root.
    const late = new IamDirectory((await openStore(`iam_${schemas - 1}`)).store, new Iam());
    expect(late.listUsers()).toEqual([]);
    expect(late.credentialsFor(ROOT.KMS_WASM_ROOT_ACCESS_KEY_ID)).toMatchObject({ secretAccessKey: ROOT.KMS_WASM_ROOT_SECRET_ACCESS_KEY });
  });

  it('decides on current state under the lock: one user of a name, at most two keys per user, whichever servers race', async () => {
    const { servers: list } = await servers(4);
    const created = await Promise.allSettled(list.map((s) => s.directory.createUser('bob')));
    expect(created.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of created) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'EntityAlreadyExists' });
    const keys = await Promise.allSettled(list.flatMap((s) => [s.directory.createAccessKey('bob'), s.directory.createAccessKey('bob')]));
    expect(keys.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    for (const r of keys) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'LimitExceeded' });
    // A user with keys cannot be deleted, though the server deleting it never saw them made.
    const [, , , last] = list;
    await expect(last!.directory.deleteUser('bob')).rejects.toMatchObject({ code: 'DeleteConflict' });
    await last!.directory.refresh();
    expect(last!.directory.listAccessKeys('bob')).toHaveLength(2);
  });

  it('keeps secrets sealed and refuses an edited row, another root key, another account and other root credentials', async () => {
    const { schema, servers: [a] } = await servers(1);
    await a!.directory.createUser('carol');
    const key = await a!.directory.createAccessKey('carol');
    const dump = JSON.stringify((await database.sql.query(`SELECT * FROM ${schema}.iam_store, ${schema}.iam_access_keys`)).rows);
    for (const secret of [key.secretAccessKey, ROOT.KMS_WASM_ROOT_SECRET_ACCESS_KEY]) expect(dump).not.toContain(secret);
    await expect(openStore(schema, { key: crypto.getRandomValues(new Uint8Array(32)) })).rejects.toMatchObject({ name: 'RootKeyMismatchError' });
    await expect(openStore(schema, { account: '444455556666' })).rejects.toMatchObject({ name: 'RootCredentialsError', message: expect.stringContaining('--account 111122223333') });
    await expect(openStore(schema, { environment: { ...ROOT, KMS_WASM_ROOT_SECRET_ACCESS_KEY: 'another-secret' } })).rejects.toMatchObject({ name: 'RootCredentialsError' });
    // Without the variables, a server uses the stored pair.
    const bare = new IamDirectory((await openStore(schema, { environment: {} })).store, new Iam());
    expect(bare.credentialsFor(ROOT.KMS_WASM_ROOT_ACCESS_KEY_ID)).toBeDefined();
    // An edited row (a user moved under another path: its ARN) is refused, and changes nothing.
    await database.sql.query(`UPDATE ${schema}.iam_users SET record = replace(record, '"path":"/"', '"path":"/admins/"') WHERE id = 'carol'`);
    await expect(openStore(schema)).rejects.toMatchObject({ name: 'StoreIntegrityError', message: expect.stringContaining('carol') });
    await a!.directory.createUser('dave'); // rewrites nothing of carol's
    await bare.refresh(); // a server that read the row before the edit keeps what it authenticated then
    expect(bare.getUser('carol').path).toBe('/');
    // An access key's row moved to another key's id (record and MAC) is refused.
    await database.sql.query(`UPDATE ${schema}.iam_users SET record = replace(record, '"path":"/admins/"', '"path":"/"') WHERE id = 'carol'`);
    const other = await a!.directory.createAccessKey('dave');
    await database.sql.query(`UPDATE ${schema}.iam_access_keys AS t SET record = s.record, mac = s.mac FROM ${schema}.iam_access_keys AS s WHERE t.id = $1 AND s.id = $2`,
      [key.accessKeyId, other.accessKeyId]);
    await expect(openStore(schema)).rejects.toMatchObject({ name: 'StoreIntegrityError', message: expect.stringContaining(key.accessKeyId) });
  });

  it('servers starting at once on a new database agree on one root pair: the first\'s, made once and shown by it alone', async () => {
    const schema = `iam_${schemas++}`;
    const starts = await Promise.all(Array.from({ length: 4 }, () => openStore(schema, { environment: {} })));
    const generated = starts.filter((s) => s.generated);
    expect(generated).toHaveLength(1);
    for (const { store } of starts) expect(store.state.root).toEqual(generated[0]!.generated);
    expect((await database.sql.query(`SELECT count(*) AS n FROM ${schema}.iam_store`)).rows[0].n).toBe('1');
  });
});
