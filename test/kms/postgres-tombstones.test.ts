// Every PostgreSQL store's tombstones are pruned after tombstoneRetentionMs (postgres-tombstones.ts,
// migration 0009), the same way for the key store, the object and volume metadata, the service's IAM
// tables and the library's identity policies: a deleted record's row goes once older than the
// retention (here 0: at the next change), the head's pruned_seq rises past it; a second store (a
// process) that held the deleted record and last caught up before the pruning still converges — it
// reads the live rows whole and drops what none names — and keeps what is still live. Younger
// tombstones stay (a day's retention), and a store that is not behind keeps catching up from them.
import { describe, expect, it } from 'vitest';
import { BlockStore, Iam, KeyManagementService, ObjectStore, PostgresBlockMetadata, PostgresIamPolicies, PostgresKeyStore, PostgresObjectMetadata } from '../../src/node.js';
import { IamDirectory } from '../../src/service/iam-directory.js';
import { PostgresIamStore } from '../../src/service/postgres-iam-store.js';
import { POSTGRES_URL, suiteDatabase } from '../helpers/postgres.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { ACCOUNT, REGION } from './fixtures.js';

const tempDir = temporaryDirectories('kms-wasm-pg-tombstones-');
const ALLOW = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] });
const DAY = 24 * 60 * 60 * 1000;

describe.skipIf(!POSTGRES_URL)('PostgreSQL stores prune their tombstones', () => {
  const database = suiteDatabase();
  let schemas = 0;
  const rootKey = crypto.getRandomValues(new Uint8Array(32));

  const options = (schema: string, tombstoneRetentionMs = 0) => ({ connectionString: database.url, rootKey, schema, poolSize: 2, tombstoneRetentionMs });
  const kept = <T extends { close: () => Promise<void> }>(item: T) => {
    database.closeAfter(item);
    return item;
  };
  const tombstones = async (schema: string, tables: string[]) => {
    let count = 0;
    for (const table of tables) count += (await database.sql.query(`SELECT count(*)::int AS n FROM ${schema}.${table} WHERE record IS NULL`)).rows[0].n;
    return count;
  };
  const prunedSeq = async (schema: string, head: string) => Number((await database.sql.query(`SELECT pruned_seq AS n FROM ${schema}.${head}`)).rows[0].n);

  it('checks tombstoneRetentionMs, naming it', () => {
    for (const tombstoneRetentionMs of [-1, 1.5, '1']) {
      expect(() => new PostgresKeyStore({ connectionString: 'postgres://x/y', rootKey, tombstoneRetentionMs } as never))
        .toThrow(expect.objectContaining({ name: 'ValidationException', message: expect.stringContaining('tombstoneRetentionMs') }));
    }
  });

  it('key store: a deleted alias and a revoked grant are pruned, and a process behind the pruning drops them too', async () => {
    const schema = `tomb_kms_${schemas++}`;
    const kmsOn = () => new KeyManagementService({ account: ACCOUNT, region: REGION, store: kept(new PostgresKeyStore(options(schema))) });
    const [a, b] = [kmsOn(), kmsOn()];
    const { KeyMetadata } = await a.createKey();
    await a.createAlias({ AliasName: 'alias/gone', TargetKeyId: KeyMetadata.KeyId });
    await a.createAlias({ AliasName: 'alias/kept', TargetKeyId: KeyMetadata.KeyId });
    const grant = { KeyId: KeyMetadata.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/g`, Operations: ['Decrypt' as const] };
    const { GrantId: gone } = await a.createGrant(grant);
    const { GrantId: live } = await a.createGrant(grant);
    const names = async (kms: KeyManagementService) => (await kms.listAliases({ KeyId: KeyMetadata.KeyId })).Aliases!.map((x) => x.AliasName).sort();
    const grants = async (kms: KeyManagementService) => (await kms.listGrants({ KeyId: KeyMetadata.KeyId })).Grants!.map((g) => g.GrantId).sort();
    expect(await names(b)).toEqual(['alias/gone', 'alias/kept']);
    expect(await grants(b)).toEqual([gone, live].sort());

    await a.deleteAlias({ AliasName: 'alias/gone' });
    await a.revokeGrant({ KeyId: KeyMetadata.KeyId, GrantId: gone! });
    expect(await tombstones(schema, ['kms_aliases', 'kms_grants'])).toBe(1); // the revocation's commit pruned the alias's
    await a.createAlias({ AliasName: 'alias/later', TargetKeyId: KeyMetadata.KeyId }); // the next change prunes the grant's
    expect(await tombstones(schema, ['kms_aliases', 'kms_grants'])).toBe(0);
    expect(await prunedSeq(schema, 'kms_store')).toBeGreaterThan(0);

    expect(await names(b)).toEqual(['alias/kept', 'alias/later']);
    expect(await grants(b)).toEqual([live]);
    await expect(b.retireGrant({ KeyId: KeyMetadata.KeyId, GrantId: gone })).rejects.toMatchObject({ name: 'NotFoundException' });
    await b.revokeGrant({ KeyId: KeyMetadata.KeyId, GrantId: live! }); // b's own change lands after the pruned ones
    expect(await grants(a)).toEqual([]);
  });

  it('object metadata: a deleted version and a deleted bucket are pruned; a process behind converges', async () => {
    const schema = `tomb_s3_${schemas++}`;
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION });
    const s3On = () => kept(new ObjectStore({ kms, store: new PostgresObjectMetadata(options(schema)) }));
    const [a, b] = [s3On(), s3On()];
    await a.createBucket({ Bucket: 'stays' });
    await a.createBucket({ Bucket: 'goes' });
    await a.putObject({ Bucket: 'stays', Key: 'gone', Body: 'x' });
    await a.putObject({ Bucket: 'stays', Key: 'kept', Body: 'y' });
    const keys = async (s3: ObjectStore) => (await s3.listObjectsV2({ Bucket: 'stays' })).Contents!.map((o) => o.Key);
    expect(await keys(b)).toEqual(['gone', 'kept']);

    await a.deleteObject({ Bucket: 'stays', Key: 'gone' });
    await a.deleteBucket({ Bucket: 'goes' });
    await a.putObject({ Bucket: 'stays', Key: 'later', Body: 'z' });
    expect(await tombstones(schema, ['s3_buckets', 's3_versions'])).toBe(0);
    expect(await prunedSeq(schema, 's3_store')).toBeGreaterThan(0);

    expect(await keys(b)).toEqual(['kept', 'later']);
    expect((await b.listBuckets()).Buckets!.map((x) => x.Name)).toEqual(['stays']);
    await expect(b.getObject({ Bucket: 'stays', Key: 'gone' })).rejects.toMatchObject({ name: 'NoSuchKey' });
    await b.createBucket({ Bucket: 'goes' }); // free again, for b as for anyone
    expect((await a.listBuckets()).Buckets!.map((x) => x.Name)).toEqual(['goes', 'stays']);
  });

  it('volume metadata: a deleted volume and snapshot are pruned; a process behind converges', async () => {
    const schema = `tomb_ebs_${schemas++}`;
    const sectors = tempDir();
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION });
    const ebsOn = () => kept(new BlockStore({ kms, store: new PostgresBlockMetadata({ ...options(schema), sectors }) }));
    const [a, b] = [ebsOn(), ebsOn()];
    const gone = await a.createVolume({ AvailabilityZone: `${REGION}a`, Size: 1 });
    const live = await a.createVolume({ AvailabilityZone: `${REGION}a`, Size: 1 });
    const snapshot = await a.createSnapshot({ VolumeId: live.VolumeId });
    const volumes = async (ebs: BlockStore) => (await ebs.describeVolumes()).Volumes.map((v) => v.VolumeId).sort();
    expect(await volumes(b)).toEqual([gone.VolumeId, live.VolumeId].sort());
    expect((await b.describeSnapshots()).Snapshots.map((s) => s.SnapshotId)).toEqual([snapshot.SnapshotId]);

    await a.deleteVolume({ VolumeId: gone.VolumeId });
    await a.deleteSnapshot({ SnapshotId: snapshot.SnapshotId });
    const later = await a.createVolume({ AvailabilityZone: `${REGION}a`, Size: 1 });
    expect(await tombstones(schema, ['ebs_volumes', 'ebs_snapshots', 'ebs_settings', 'ebs_attachments'])).toBe(0);
    expect(await prunedSeq(schema, 'ebs_store')).toBeGreaterThan(0);

    expect(await volumes(b)).toEqual([live.VolumeId, later.VolumeId].sort());
    expect((await b.describeSnapshots()).Snapshots).toEqual([]);
    await expect(b.deleteVolume({ VolumeId: gone.VolumeId })).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
  });

  it('identities: a deleted user and a deleted policy are pruned; a server or process behind converges', async () => {
    const schema = `tomb_iam_${schemas++}`;
    const serverOn = async () => new IamDirectory(kept((await PostgresIamStore.open(options(schema), ACCOUNT, {})).store), new Iam());
    const [a, b] = [await serverOn(), await serverOn()];
    const policiesOn = () => kept(new Iam({ store: new PostgresIamPolicies(options(schema)) }));
    const [p, q] = [policiesOn(), policiesOn()];
    const alice = `arn:aws:iam::${ACCOUNT}:role/alice`;
    await a.createUser('gone');
    await a.createUser('kept');
    await p.putPrincipalPolicy({ PrincipalArn: alice, PolicyName: 'gone', PolicyDocument: ALLOW });
    await p.putPrincipalPolicy({ PrincipalArn: alice, PolicyName: 'kept', PolicyDocument: ALLOW });
    await b.refresh();
    await q.refresh();
    expect(b.listUsers().map((u) => u.userName)).toEqual(['gone', 'kept']);
    expect(q.listPrincipalPolicies({ PrincipalArn: alice }).PolicyNames).toEqual(['gone', 'kept']);

    await a.deleteUser('gone');
    await p.deletePrincipalPolicy({ PrincipalArn: alice, PolicyName: 'gone' });
    await a.createUser('later'); // one head for both: either's change prunes every IAM table
    expect(await tombstones(schema, ['iam_users', 'iam_access_keys', 'iam_principal_policies'])).toBe(0);
    expect(await prunedSeq(schema, 'iam_store')).toBeGreaterThan(0);

    await b.refresh();
    await q.refresh();
    expect(b.listUsers().map((u) => u.userName).sort()).toEqual(['kept', 'later']);
    expect(q.listPrincipalPolicies({ PrincipalArn: alice }).PolicyNames).toEqual(['kept']);
    expect(q.getPrincipalPolicy({ PrincipalArn: alice, PolicyName: 'gone' })).toBeUndefined();
  });

  it('tombstones younger than the retention stay, and a process that is not behind learns of deletions from them', async () => {
    const schema = `tomb_young_${schemas++}`;
    const kmsOn = () => new KeyManagementService({ account: ACCOUNT, region: REGION, store: kept(new PostgresKeyStore(options(schema, DAY))) });
    const [a, b] = [kmsOn(), kmsOn()];
    const { KeyMetadata } = await a.createKey();
    await a.createAlias({ AliasName: 'alias/one', TargetKeyId: KeyMetadata.KeyId });
    expect((await b.listAliases({ KeyId: KeyMetadata.KeyId })).Aliases).toHaveLength(1);
    await a.deleteAlias({ AliasName: 'alias/one' });
    await a.createAlias({ AliasName: 'alias/two', TargetKeyId: KeyMetadata.KeyId });
    await a.createAlias({ AliasName: 'alias/three', TargetKeyId: KeyMetadata.KeyId });
    expect(await tombstones(schema, ['kms_aliases'])).toBe(1);
    expect(await prunedSeq(schema, 'kms_store')).toBe(0);
    expect((await b.listAliases({ KeyId: KeyMetadata.KeyId })).Aliases!.map((x) => x.AliasName).sort()).toEqual(['alias/three', 'alias/two']);
    // Aged past the retention, it goes at the next change of a process that has not pruned for a minute (here, a new one).
    await database.sql.query(`UPDATE ${schema}.kms_aliases SET deleted_at = now() - interval '2 days' WHERE record IS NULL`);
    await a.createAlias({ AliasName: 'alias/four', TargetKeyId: KeyMetadata.KeyId }); // a pruned less than a minute ago
    expect(await tombstones(schema, ['kms_aliases'])).toBe(1);
    await kmsOn().createAlias({ AliasName: 'alias/five', TargetKeyId: KeyMetadata.KeyId });
    expect(await tombstones(schema, ['kms_aliases'])).toBe(0);
    // b caught up past the pruned tombstone: it goes on from the rows changed since, not a whole read, and converges all the same.
    expect((await b.listAliases({ KeyId: KeyMetadata.KeyId })).Aliases!.map((x) => x.AliasName).sort()).toEqual(['alias/five', 'alias/four', 'alias/three', 'alias/two']);
  });
});
