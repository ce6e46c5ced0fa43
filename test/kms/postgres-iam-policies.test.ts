// PostgresIamPolicies (src/kms/postgres-iam-policies.ts): the library's identity policies in
// PostgreSQL, shared by every process on the database. A policy put through one process's Iam is
// enforced by another's KMS, S3 and EBS at their next call, a deletion too; processes putting
// policies at once lose none; rows are authenticated (an edited row, another root key are refused);
// the head is the service's IAM head, so `serve --postgres` later on the same database fills in its
// account and uses the same counter. Child processes run the built package (`npm run build` first).
import { describe, expect, it } from 'vitest';
import { BlockStore, Iam, KeyManagementService, ObjectStore, PostgresIamPolicies, PostgresKeyStore } from '../../src/node.js';
import { RootKeyMismatchError, StoreIntegrityError } from '../../src/platform/store-errors.js';
import { PostgresIamStore } from '../../src/service/postgres-iam-store.js';
import { runChild } from '../helpers/child-processes.js';
import { POSTGRES_URL, suiteDatabase } from '../helpers/postgres.js';
import { ACCOUNT, REGION } from './fixtures.js';

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const ALLOW_ALL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:*', 's3:*', 'ec2:*'], Resource: '*' }] });
const encryptRequest = (principal: string) => ({ principal, action: 'kms:Encrypt', resource: '*', context: {} }) as never;

describe.skipIf(!POSTGRES_URL)('PostgresIamPolicies', () => {
  const database = suiteDatabase();
  let schemas = 0;
  const rootKey = crypto.getRandomValues(new Uint8Array(32));
  const rootKeyHex = Buffer.from(rootKey).toString('hex');

  const iamOn = (schema: string, key = rootKey) => {
    const iam = new Iam({ store: new PostgresIamPolicies({ connectionString: database.url, rootKey: key, schema, poolSize: 2 }) });
    database.closeAfter(iam);
    return iam;
  };
  const newSchema = () => `iam_policies_${schemas++}`;
  /** A child process's Iam on `schema` running `body` (with `iam` in scope). */
  const inChild = (schema: string, body: string) => runChild(`
const iam = new k.Iam({ store: new k.PostgresIamPolicies({ connectionString: ${JSON.stringify(database.url)},
  rootKey: Uint8Array.from(Buffer.from('${rootKeyHex}', 'hex')), schema: '${schema}', poolSize: 2 }) });
${body}
await iam.close();
`);

  it('a policy put through one Iam is the other\'s at its next refresh, a deletion too; reads and decisions in between are the last refresh\'s', async () => {
    const schema = newSchema();
    const a = iamOn(schema);
    const b = iamOn(schema);
    await b.refresh();
    await a.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'all', PolicyDocument: ALLOW_ALL });
    expect(a.getPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'all' })).toEqual({ PolicyDocument: ALLOW_ALL });
    expect(b.evaluate(encryptRequest(ALICE)).allowed).toBe('none'); // not before its refresh
    await b.refresh();
    expect(b.evaluate(encryptRequest(ALICE)).allowed).toBe('direct');
    expect(b.listPrincipalPolicies({ PrincipalArn: ALICE })).toEqual({ PolicyNames: ['all'] });
    await b.deletePrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'all' });
    await a.refresh();
    expect(a.evaluate(encryptRequest(ALICE)).allowed).toBe('none');
    expect(a.getPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'all' })).toBeUndefined();
    // A new Iam loads the live policies only.
    const c = iamOn(schema);
    await c.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'second', PolicyDocument: ALLOW_ALL });
    const d = iamOn(schema);
    await d.refresh();
    expect(d.listPrincipalPolicies({ PrincipalArn: ALICE })).toEqual({ PolicyNames: ['second'] });
  });

  it('a malformed policy is refused at once and stores nothing', async () => {
    const schema = newSchema();
    const iam = iamOn(schema);
    expect(() => iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'bad', PolicyDocument: '{"Statement": 5}' })).toThrow(expect.objectContaining({ name: 'MalformedPolicyDocumentException' }));
    await iam.refresh();
    expect((await database.sql.query(`SELECT count(*)::int AS n FROM ${schema}.iam_principal_policies`)).rows[0].n).toBe(0);
  });

  it('another process\'s put is enforced by this one\'s KMS, S3 and EBS at their next call, and its deletion too', async () => {
    const schema = newSchema();
    const iam = iamOn(schema);
    const store = new PostgresKeyStore({ connectionString: database.url, rootKey, schema, poolSize: 2 });
    database.closeAfter(store);
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION, store, iam });
    const s3 = new ObjectStore({ kms, iam });
    const ebs = new BlockStore({ kms, iam });
    database.closeAfter(s3, ebs);
    const alice = { principal: ALICE };
    const { KeyMetadata } = await kms.createKey();
    await s3.createBucket({ Bucket: 'shared' });
    await expect(kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array(8) }, alice)).rejects.toMatchObject({ name: 'AccessDeniedException' });

    await inChild(schema, `await iam.putPrincipalPolicy({ PrincipalArn: '${ALICE}', PolicyName: 'all', PolicyDocument: ${JSON.stringify(ALLOW_ALL)} });`);
    await expect(kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array(8) }, alice)).resolves.toMatchObject({ KeyId: KeyMetadata.Arn });
    await expect(s3.putObject({ Bucket: 'shared', Key: 'a', Body: new Uint8Array(1) }, alice)).resolves.toMatchObject({ ETag: expect.any(String) });
    await expect(ebs.createVolume({ AvailabilityZone: `${REGION}a`, Size: 1 }, alice)).resolves.toMatchObject({ VolumeId: expect.any(String) });

    await inChild(schema, `await iam.deletePrincipalPolicy({ PrincipalArn: '${ALICE}', PolicyName: 'all' });`);
    await expect(kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array(8) }, alice)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(s3.putObject({ Bucket: 'shared', Key: 'b', Body: new Uint8Array(1) }, alice)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(ebs.createVolume({ AvailabilityZone: `${REGION}a`, Size: 1 }, alice)).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });

  it('processes putting and deleting policies at once lose none: every change lands, in one order', async () => {
    const schema = newSchema();
    const iam = iamOn(schema);
    await iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'doomed', PolicyDocument: ALLOW_ALL });
    const worker = (n: number) => inChild(schema, `
await Promise.all(Array.from({ length: 20 }, (_, i) => iam.putPrincipalPolicy({ PrincipalArn: '${ALICE}', PolicyName: 'p${n}-' + i, PolicyDocument: ${JSON.stringify(ALLOW_ALL)} })));
${n === 0 ? `await iam.deletePrincipalPolicy({ PrincipalArn: '${ALICE}', PolicyName: 'doomed' });` : ''}`);
    await Promise.all([worker(0), worker(1), worker(2)]);
    await iam.refresh();
    const expected = [0, 1, 2].flatMap((n) => Array.from({ length: 20 }, (_, i) => `p${n}-${i}`));
    expect(iam.listPrincipalPolicies({ PrincipalArn: ALICE }).PolicyNames.sort()).toEqual(expected.sort());
    const { rows } = await database.sql.query(`SELECT seq FROM ${schema}.iam_principal_policies ORDER BY seq`);
    expect(new Set(rows.map((r) => r.seq)).size).toBe(rows.length); // each change its own seq
    expect((await database.sql.query(`SELECT change_seq::int AS n FROM ${schema}.iam_store`)).rows[0].n).toBe(62);
  });

  it('an edited row is refused, not used; another root key is refused before anything is read', async () => {
    const schema = newSchema();
    const iam = iamOn(schema);
    await iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'narrow', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] }) });
    await database.sql.query(`UPDATE ${schema}.iam_principal_policies SET record = $1`, [ALLOW_ALL]);
    await expect(iamOn(schema).refresh()).rejects.toBeInstanceOf(StoreIntegrityError);
    await expect(iamOn(schema, crypto.getRandomValues(new Uint8Array(32))).refresh()).rejects.toBeInstanceOf(RootKeyMismatchError);
  });

  it('shares the service\'s IAM head: a server started later fills in its account and counts on from the policies\' changes', async () => {
    const schema = newSchema();
    const iam = iamOn(schema);
    await iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'all', PolicyDocument: ALLOW_ALL });
    expect((await database.sql.query(`SELECT account, root FROM ${schema}.iam_store`)).rows).toEqual([{ account: null, root: null }]);
    const { store, generated } = await PostgresIamStore.open({ connectionString: database.url, rootKey, schema, poolSize: 2 }, ACCOUNT, {});
    database.closeAfter(store);
    expect(generated).toMatchObject({ accessKeyId: expect.any(String) });
    expect(store.state.account).toBe(ACCOUNT);
    await store.change((state) => { state.users.push({ userName: 'bob', userId: 'AIDABOB', path: '/', arn: `arn:aws:iam::${ACCOUNT}:user/bob`, createDate: new Date(0).toISOString(), policies: {} }); });
    expect((await database.sql.query(`SELECT change_seq::int AS n FROM ${schema}.iam_store`)).rows[0].n).toBe(2);
    await iam.deletePrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'all' });
    expect((await database.sql.query(`SELECT seq::int AS n FROM ${schema}.iam_principal_policies`)).rows[0].n).toBe(3);
    await store.refresh();
    expect(store.state.users.map((u) => u.userName)).toEqual(['bob']);
  });
});
