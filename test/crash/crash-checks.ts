// After a kill: reopens the three stores on the directory, in this process, and holds them to the
// ledger of acknowledged results. Each finding names its kind, so the harness can count them and a
// known gap can be told apart from a new loss.

import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BlockStore, FileKeyStore, KeyManagementService, ObjectStore } from '../../src/index.js';
import type { Ledger } from './crash-ledger.js';

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

export interface CheckResult { findings: Finding[]; checked: number }

/** Opens the stores on `dir`, checks everything in `ledger`, and closes them again. */
export async function checkStores(dir: string, ledger: Ledger): Promise<CheckResult> {
  const findings: Finding[] = [];
  const found = (kind: FindingKind, detail: string) => findings.push({ kind, detail });
  const store = new FileKeyStore({ directory: join(dir, 'kms') });
  const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', store });
  const s3 = new ObjectStore({ kms, dir: join(dir, 's3') });
  const ec2 = new BlockStore({ kms, dir: join(dir, 'ebs') });
  try {
    const opened = await Promise.allSettled([kms.listKeys(), s3.listObjectVersions({ Bucket: BUCKET }).catch((error: Error) => {
      if (error.name !== 'NoSuchBucket' || ledger.bucketReady) throw error;
    }), ec2.describeVolumes()]);
    for (const result of opened) if (result.status === 'rejected') found('unopenable', String(result.reason));
    if (findings.length > 0) return { findings, checked: 0 };
    await checkResidue(dir, s3, ec2, ledger, found);
    await checkAttachmentGrants(kms, ec2, found);
    await checkKms(kms, ledger, found);
    await checkObjects(s3, ledger, found);
    await checkVolumes(ec2, ledger, found);
    await checkAuditTrail(kms, found);
    return { findings, checked: ledger.items };
  } finally {
    await ec2.close();
    await s3.close();
    await store.close();
  }
}

type Found = (kind: FindingKind, detail: string) => void;

async function checkKms(kms: KeyManagementService, ledger: Ledger, found: Found) {
  const keys = new Set((await kms.listKeys()).Keys.map((k) => k.KeyId));
  for (const keyId of ledger.keys) if (!keys.has(keyId)) found('lost', `key ${keyId}`);
  const aliases = new Map((await kms.listAliases()).Aliases.map((a) => [a.AliasName, a.TargetKeyId]));
  for (const [name, keyId] of ledger.aliases) if (aliases.get(name) !== keyId) found('lost', `alias ${name} → ${keyId} (now ${aliases.get(name)})`);
  for (const { keyId, grantId } of ledger.grants) {
    if (!keys.has(keyId)) continue;
    const { Grants } = await kms.listGrants({ KeyId: keyId, GrantId: grantId });
    if (Grants.length !== 1) found('lost', `grant ${grantId} on ${keyId}`);
  }
  for (const [keyId, count] of ledger.rotations) {
    if (!keys.has(keyId)) continue;
    const { Rotations } = await kms.listKeyRotations({ KeyId: keyId });
    if (Rotations.length < count) found('lost', `rotations of ${keyId}: ${Rotations.length} of ${count} acknowledged`);
  }
  for (const c of ledger.ciphertexts) {
    try {
      const { Plaintext } = await kms.decrypt({ CiphertextBlob: fromBase64(c.ciphertext), EncryptionContext: c.context });
      if (Buffer.compare(Plaintext, fromBase64(c.plaintext)) !== 0) found('lost', `ciphertext under ${c.keyId} decrypts to other bytes`);
    } catch (error) {
      found('lost', `ciphertext under ${c.keyId}: ${String(error)}`);
    }
  }
}

async function checkObjects(s3: ObjectStore, ledger: Ledger, found: Found) {
  for (const o of ledger.objects.values()) {
    try {
      const { Body } = await s3.getObject({ Bucket: BUCKET, Key: o.key, VersionId: o.versionId, ...(o.customerKey ? customerKeyHeaders(o.customerKey) : {}) });
      if (sha256(await bodyBytes(Body)) !== o.sha256) found('lost', `object ${o.key} version ${o.versionId} reads back other bytes`);
    } catch (error) {
      found('lost', `object ${o.key} version ${o.versionId}: ${String(error)}`);
    }
  }
  if (!ledger.bucketReady) return;
  const listed = new Set((await s3.listObjectVersions({ Bucket: BUCKET })).Versions.map((v) => `${v.Key} ${v.VersionId}`));
  for (const d of ledger.deleted) if (listed.has(`${d.key} ${d.versionId}`)) found('lost', `deletion of ${d.key} version ${d.versionId}: the version is back`);
}

async function checkVolumes(ec2: BlockStore, ledger: Ledger, found: Found) {
  const { Volumes } = await ec2.describeVolumes();
  const live = new Set(Volumes.map((v) => v.VolumeId));
  for (const [volumeId, writes] of ledger.volumes) {
    if (!live.has(volumeId)) {
      found('lost', `volume ${volumeId}`);
      continue;
    }
    const handle = await ec2.attachVolume({ VolumeId: volumeId, InstanceId: READER });
    try {
      for (const w of writes) {
        if (sha256(await handle.read(w.offset, w.length)) !== w.sha256) found('lost', `volume ${volumeId} bytes ${w.offset}+${w.length}`);
      }
    } finally {
      await ec2.detachVolume({ VolumeId: volumeId, InstanceId: READER });
    }
  }
  const snapshots = new Set((await ec2.describeSnapshots()).Snapshots.map((s) => s.SnapshotId));
  for (const snapshotId of ledger.snapshots) if (!snapshots.has(snapshotId)) found('lost', `snapshot ${snapshotId}`);
}

/** Once the stores are open: no temporary file anywhere, no body that no version names, no sector file that no volume or snapshot names. */
async function checkResidue(dir: string, s3: ObjectStore, ec2: BlockStore, ledger: Ledger, found: Found) {
  for (const file of allFiles(dir)) if (file.endsWith('.tmp')) found('residue', `temporary file ${file.slice(dir.length + 1)}`);
  const versions = ledger.bucketReady ? (await s3.listObjectVersions({ Bucket: BUCKET })).Versions.length : 0;
  const bodies = filesIn(join(dir, 's3', 'objects')).length;
  if (bodies !== versions) found('residue', `${bodies} body files for ${versions} object versions`);
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
async function checkAuditTrail(kms: KeyManagementService, found: Found) {
  const verification = await kms.verifyAuditTrail();
  if (!verification.valid) found('audit-invalid', JSON.stringify(verification));
  const succeeded = (await kms.listAuditRecords()).filter((r) => r.errorCode === undefined);
  const count = (eventName: string, keyArn?: string) => succeeded.filter((r) => r.eventName === eventName && (keyArn === undefined || r.keyArn === keyArn)).length;
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
