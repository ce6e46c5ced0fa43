// After a kill: reopens the three stores on the directory (or on PostgreSQL, bodies and sectors in
// the directory, orphans removed at once: the child is dead), in this process, and holds them to the
// ledger of acknowledged results. Each finding names its kind, so the harness can count them and a
// known gap can be told apart from a new loss. Keys, aliases, grants, rotations, deletions, volumes
// and snapshots are checked every time; ciphertexts, objects and sectors (each check of which costs a
// KMS call and its audit record) those of the round just ended, and all of them in a full check.

import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import {
  BlockStore, FileKeyStore, KeyManagementService, ObjectStore, PostgresBlockMetadata, PostgresKeyStore, PostgresObjectMetadata, type AuditCheckpoint, type KeyStore,
} from '../../src/node.js';
import type { Acknowledged, Ledger, ObjectVersion, WrittenSectors } from './crash-ledger.js';

export type FindingKind =
  /** A store that cannot be opened after the crash. */
  | 'unopenable'
  /** An acknowledged key, alias, grant, rotation, ciphertext, object, deletion, volume, sector or snapshot not as acknowledged. */
  | 'lost'
  /** The audit trail does not verify. */
  | 'audit-invalid'
  /** A KMS change that is durable without its audit record. */
  | 'unaudited'
  /** Temporary files, bodies or sector files that no record names, left after the stores opened. */
  | 'residue'
  /** A volume attachment's grant that outlived the process holding the attachment. */
  | 'attachment-grant';

export interface Finding { kind: FindingKind; detail: string }

export const ACCOUNT = '111122223333';

/** A PostgreSQL database for the three stores, and their root key in hex. */
export interface PostgresStores { url: string; rootKey: string }

/** The advisory lock class of PostgresBlockMetadata's attachment holders. */
const HOLDER_LOCK_CLASS = 0x6b6d7365;

/**
 * Waits (a bounded number of times) until no session holds an attachment holder lock: PostgreSQL
 * frees a killed process's a moment after the kill, when its server process notices the closed connection.
 */
export async function holderSessionsGone({ url }: PostgresStores): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, [HOLDER_LOCK_CLASS]);
      if (rows[0].n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await client.end();
  }
}
const BUCKET = 'crash-objects';
/** The instance the checks attach volumes to, to read their sectors back. */
const READER = 'i-00000000c4ec4e00';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

/** getObject's Body as bytes, whether a Uint8Array or a streaming body with transformToByteArray(). */
async function bodyBytes(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  return (body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
}

function customerKeyHeaders(base64: string) {
  const key = fromBase64(base64);
  return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: base64, SSECustomerKeyMD5: createHash('md5').update(key).digest('base64') };
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

const filesIn = (dir: string) => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/** Runs `check` on every item, `width` at a time: concurrent KMS calls share their audit fsyncs (group commit). */
async function eachConcurrently<T>(items: Iterable<T>, check: (item: T) => Promise<void>, width = 32): Promise<void> {
  const all = [...items];
  for (let at = 0; at < all.length; at += width) await Promise.all(all.slice(at, at + width).map(check));
}

/**
 * The audit trail as far as the checks have read it, carried from round to round: where its last
 * verification ended, and how many successful calls of each kind (on each key) it records.
 */
export class AuditTally {
  private checkpoint: AuditCheckpoint | undefined;
  private readonly counts = new Map<string, number>();

  count(eventName: string, keyArn?: string): number {
    return this.counts.get(`${eventName} ${keyArn ?? '*'}`) ?? 0;
  }

  /** Verifies the trail (from the last checkpoint, or all of it when `full`) and counts the records added since. */
  async advance(kms: KeyManagementService, store: KeyStore, full: boolean): Promise<{ valid: boolean; detail: string }> {
    const verification = await kms.verifyAuditTrail(full || !this.checkpoint ? {} : { fromCheckpoint: this.checkpoint });
    if (!verification.valid || !verification.checkpoint) return { valid: false, detail: JSON.stringify(verification) };
    const from = this.checkpoint ?? { count: 0, position: 0 };
    let index = from.count;
    for await (const { record } of store.readAudit(from)) {
      if (index++ >= verification.checkpoint.count) break;
      if (record.errorCode !== undefined) continue;
      for (const key of [`${record.eventName} *`, `${record.eventName} ${record.keyArn}`]) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
    this.checkpoint = verification.checkpoint;
    return { valid: true, detail: '' };
  }
}

export interface CheckResult { findings: Finding[]; checked: number }

export interface CheckOptions {
  /** The round just ended: its ciphertexts, objects and sectors are checked. */
  round: number;
  /** Check every ciphertext, object and sector, and verify the whole audit trail. */
  full: boolean;
  /** The PostgreSQL stores instead of the directory stores. */
  postgres?: PostgresStores;
}

/** The stores the checks open: those the child used. */
function openStores(dir: string, postgres: PostgresStores | undefined) {
  if (!postgres) {
    const store = new FileKeyStore({ directory: join(dir, 'kms') });
    const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', store });
    return { store, kms, s3: new ObjectStore({ kms, dir: join(dir, 's3') }), ec2: new BlockStore({ kms, dir: join(dir, 'ebs') }) };
  }
  const options = { connectionString: postgres.url, rootKey: new Uint8Array(Buffer.from(postgres.rootKey, 'hex')), poolSize: 3 };
  const store = new PostgresKeyStore(options);
  const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', store });
  return {
    store, kms,
    s3: new ObjectStore({ kms, store: new PostgresObjectMetadata({ ...options, bodies: join(dir, 's3', 'objects'), orphanedBodyGraceMs: 0 }) }),
    ec2: new BlockStore({ kms, store: new PostgresBlockMetadata({ ...options, sectors: join(dir, 'ebs', 'sectors'), orphanedSectorGraceMs: 0 }) }),
  };
}

/** Opens the stores on `dir`, checks `ledger` against them, and closes them again. */
export async function checkStores(dir: string, ledger: Ledger, tally: AuditTally, options: CheckOptions): Promise<CheckResult> {
  const findings: Finding[] = [];
  const found = (kind: FindingKind, detail: string) => findings.push({ kind, detail });
  const due = <T extends { round: number }>(items: Iterable<T>) => [...items].filter((item) => options.full || item.round === options.round);
  let checked = 0;
  const count = <T>(items: T[]) => {
    checked += items.length;
    return items;
  };
  const { store, kms, s3, ec2 } = openStores(dir, options.postgres);
  try {
    const opened = await Promise.allSettled([kms.listKeys(), s3.listObjectVersions({ Bucket: BUCKET }).catch((error: Error) => {
      if (error.name !== 'NoSuchBucket' || ledger.bucketReady) throw error;
    }), ec2.describeVolumes()]);
    for (const result of opened) if (result.status === 'rejected') found('unopenable', String(result.reason));
    if (findings.length > 0) return { findings, checked: 0 };
    await checkResidue(dir, s3, ec2, ledger, found);
    await checkAttachmentGrants(kms, ec2, found);
    count([...ledger.keys, ...ledger.aliases.keys(), ...ledger.grants, ...ledger.rotations.keys(), ...ledger.deleted, ...ledger.volumes.keys(), ...ledger.snapshots]);
    await checkKms(kms, ledger, count(due(ledger.ciphertexts)), found);
    await checkObjects(s3, ledger, count(due(ledger.objects.values())), found);
    await checkVolumes(ec2, ledger, (writes) => count(due(writes)), found);
    await checkAuditTrail(kms, store, tally, options.full, found);
    return { findings, checked };
  } finally {
    await ec2.close();
    await s3.close();
    await store.close();
  }
}

type Found = (kind: FindingKind, detail: string) => void;

async function checkKms(kms: KeyManagementService, ledger: Ledger, ciphertexts: Ledger['ciphertexts'], found: Found) {
  const keys = new Set((await kms.listKeys()).Keys.map((k) => k.KeyId));
  for (const keyId of ledger.keys) if (!keys.has(keyId)) found('lost', `key ${keyId}`);
  const aliases = new Map((await kms.listAliases()).Aliases.map((a) => [a.AliasName, a.TargetKeyId]));
  for (const [name, keyId] of ledger.aliases) if (aliases.get(name) !== keyId) found('lost', `alias ${name} → ${keyId} (now ${aliases.get(name)})`);
  await eachConcurrently(ledger.grants.filter(({ keyId }) => keys.has(keyId)), async ({ keyId, grantId }) => {
    const { Grants } = await kms.listGrants({ KeyId: keyId, GrantId: grantId });
    if (Grants.length !== 1) found('lost', `grant ${grantId} on ${keyId}`);
  });
  await eachConcurrently([...ledger.rotations].filter(([keyId]) => keys.has(keyId)), async ([keyId, count]) => {
    const { Rotations } = await kms.listKeyRotations({ KeyId: keyId });
    if (Rotations.length < count) found('lost', `rotations of ${keyId}: ${Rotations.length} of ${count} acknowledged`);
  });
  await eachConcurrently(ciphertexts, async (c) => {
    try {
      const { Plaintext } = await kms.decrypt({ CiphertextBlob: fromBase64(c.ciphertext), EncryptionContext: c.context });
      if (Buffer.compare(Plaintext, fromBase64(c.plaintext)) !== 0) found('lost', `ciphertext under ${c.keyId} decrypts to other bytes`);
    } catch (error) {
      found('lost', `ciphertext under ${c.keyId}: ${String(error)}`);
    }
  });
}

async function checkObjects(s3: ObjectStore, ledger: Ledger, objects: ObjectVersion[], found: Found) {
  await eachConcurrently(objects, async (o) => {
    try {
      const { Body } = await s3.getObject({ Bucket: BUCKET, Key: o.key, VersionId: o.versionId, ...(o.customerKey ? customerKeyHeaders(o.customerKey) : {}) });
      if (sha256(await bodyBytes(Body)) !== o.sha256) found('lost', `object ${o.key} version ${o.versionId} reads back other bytes`);
    } catch (error) {
      found('lost', `object ${o.key} version ${o.versionId}: ${String(error)}`);
    }
  }, 8);
  if (!ledger.bucketReady) return;
  const listed = new Set((await s3.listObjectVersions({ Bucket: BUCKET })).Versions.map((v) => `${v.Key} ${v.VersionId}`));
  for (const d of ledger.deleted) if (listed.has(`${d.key} ${d.versionId}`)) found('lost', `deletion of ${d.key} version ${d.versionId}: the version is back`);
}

async function checkVolumes(ec2: BlockStore, ledger: Ledger, due: (writes: Array<Acknowledged<WrittenSectors>>) => WrittenSectors[], found: Found) {
  const { Volumes } = await ec2.describeVolumes();
  const live = new Set(Volumes.map((v) => v.VolumeId));
  for (const [volumeId, writes] of ledger.volumes) {
    if (!live.has(volumeId)) {
      found('lost', `volume ${volumeId}`);
      continue;
    }
    const handle = await ec2.attachVolume({ VolumeId: volumeId, InstanceId: READER });
    try {
      await eachConcurrently(due(writes), async (w) => {
        if (sha256(await handle.read(w.offset, w.length)) !== w.sha256) found('lost', `volume ${volumeId} bytes ${w.offset}+${w.length}`);
      });
    } finally {
      await ec2.detachVolume({ VolumeId: volumeId, InstanceId: READER });
    }
  }
  const snapshots = new Set((await ec2.describeSnapshots()).Snapshots.map((s) => s.SnapshotId));
  for (const snapshotId of ledger.snapshots) if (!snapshots.has(snapshotId)) found('lost', `snapshot ${snapshotId}`);
}

/**
 * Once the stores are open: no temporary file anywhere, no body that neither a version (or a part of
 * it) nor a live upload's part names, no sector file that no volume or snapshot names. An upload the kill cut short
 * keeps its acknowledged parts (uploads are durable) unless its completion became durable unacknowledged.
 */
async function checkResidue(dir: string, s3: ObjectStore, ec2: BlockStore, ledger: Ledger, found: Found) {
  for (const file of allFiles(dir)) if (file.endsWith('.tmp')) found('residue', `temporary file ${file.slice(dir.length + 1)}`);
  const listed = ledger.bucketReady ? (await s3.listObjectVersions({ Bucket: BUCKET })).Versions : [];
  let parts = 0;
  for (const [UploadId, { key, parts: acknowledged }] of ledger.uploads) {
    const stored = await s3.listParts({ Bucket: BUCKET, Key: key, UploadId }).then((out) => out.Parts, (error: Error) => {
      if (error.name !== 'NoSuchUpload') throw error;
      if (!listed.some((v) => v.Key === key)) found('lost', `upload ${UploadId} of ${key}, with ${acknowledged.size} acknowledged parts`);
      return [];
    });
    parts += stored.length;
    for (const [n, etag] of stored.length > 0 ? acknowledged : []) if (!stored.some((p) => p.PartNumber === n && p.ETag === etag)) found('lost', `part ${n} of upload ${UploadId}`);
  }
  // A version completed from a multipart upload is served from its parts' bodies, one each: its ETag
  // ("<hex>-<parts>", S3's multipart shape) says how many.
  const versionBodies = listed.reduce((sum, v) => sum + Number(/-(\d+)"$/.exec(v.ETag ?? '')?.[1] ?? 1), 0);
  const bodies = filesIn(join(dir, 's3', 'objects')).length;
  if (bodies !== versionBodies + parts) found('residue', `${bodies} body files for ${listed.length} object versions (${versionBodies} bodies with their parts) and ${parts} parts of uploads in progress`);
  const named = new Set([...(await ec2.describeVolumes()).Volumes.map((v) => v.VolumeId), ...(await ec2.describeSnapshots()).Snapshots.map((s) => s.SnapshotId)]);
  for (const file of filesIn(join(dir, 'ebs', 'sectors'))) if (!named.has(file.replace(/\.img$/, ''))) found('residue', `sector file ${file}`);
}

/** Every attachment died with the child: no volume is in use, and no key holds a grant named for a volume attachment. */
async function checkAttachmentGrants(kms: KeyManagementService, ec2: BlockStore, found: Found) {
  for (const volume of (await ec2.describeVolumes()).Volumes) {
    if (volume.Attachments.length > 0) found('attachment-grant', `${volume.VolumeId} still attached to ${volume.Attachments.map((a) => a.InstanceId).join(', ')}`);
    if (!volume.KmsKeyId) continue;
    const { Grants } = await kms.listGrants({ KeyId: volume.KmsKeyId });
    for (const grant of Grants) {
      if (grant.Name?.startsWith(`${volume.VolumeId}-`)) found('attachment-grant', `grant ${grant.GrantId} (${grant.Name}) lets ${grant.GranteePrincipal} decrypt ${volume.VolumeId}`);
    }
  }
}

/**
 * The trail verifies, and every change in the store has its record: each customer key a CreateKey,
 * each rotation its RotateKeyOnDemand, each alias a CreateAlias, each live grant a CreateGrant not
 * matched by a RetireGrant or RevokeGrant.
 */
async function checkAuditTrail(kms: KeyManagementService, store: KeyStore, tally: AuditTally, full: boolean, found: Found) {
  const { valid, detail } = await tally.advance(kms, store, full);
  if (!valid) {
    found('audit-invalid', detail);
    return;
  }
  const count = (eventName: string, keyArn?: string) => tally.count(eventName, keyArn);
  let customerKeys = 0;
  for (const { KeyId } of (await kms.listKeys()).Keys) {
    const { KeyMetadata } = await kms.describeKey({ KeyId });
    if (KeyMetadata.KeyManager !== 'CUSTOMER') continue; // AWS managed keys are made as part of another call
    customerKeys++;
    const arn = KeyMetadata.Arn;
    const rotations = (await kms.listKeyRotations({ KeyId })).Rotations.length - count('RotateKeyOnDemand', arn);
    if (rotations !== 0) found('unaudited', `key ${KeyId}: ${rotations} more rotations than RotateKeyOnDemand records`);
    const grants = (await kms.listGrants({ KeyId })).Grants.length - (count('CreateGrant', arn) - count('RetireGrant', arn) - count('RevokeGrant', arn));
    if (grants > 0) found('unaudited', `key ${KeyId}: ${grants} more grants than CreateGrant records not retired or revoked`);
  }
  // CreateKey records name no key (the key does not exist when the call is authorized); no key is ever deleted here
  if (customerKeys > count('CreateKey')) found('unaudited', `${customerKeys - count('CreateKey')} more customer keys than CreateKey records`);
  const aliases = (await kms.listAliases()).Aliases.filter((a) => !a.AliasName.startsWith('alias/aws/')).length;
  if (aliases > count('CreateAlias')) found('unaudited', `${aliases - count('CreateAlias')} more aliases than CreateAlias records`);
}
