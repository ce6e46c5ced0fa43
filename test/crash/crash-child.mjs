// The process the crash harness kills: it opens the three directory stores on one directory (the
// built package, `k`) — or, given `postgres`, the three PostgreSQL stores on that database, their
// bodies and sectors in the directory — runs the round's plan of KMS, S3 and EBS calls one after another, and prints
// one JSON line per ACKNOWLEDGED result the moment its call resolves (stdout to a pipe is written
// synchronously on Linux, so a printed line is a call that returned before the kill). With
// `killAtWrite`, it kills itself (SIGKILL) just before its n-th file-system write, so a round's
// crash point is set by its seed; without it, the parent kills it after a delay.
// Plain JavaScript: node runs it as it is, against dist/.

import { createHash } from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';

const require = createRequire(import.meta.url);
const ACCOUNT = '111122223333';
const GRANTEE = `arn:aws:iam::${ACCOUNT}:role/crash-grantee`;
export const BUCKET = 'crash-objects';

const print = (ack) => process.stdout.write(`${JSON.stringify(ack)}\n`);
const base64 = (bytes) => Buffer.from(bytes).toString('base64');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const randomBytes = (n) => {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 65536) crypto.getRandomValues(out.subarray(at, Math.min(n, at + 65536)));
  return out;
};
const instanceId = () => `i-${Buffer.from(randomBytes(9)).toString('hex').slice(0, 17)}`;

/** Kills this process just before its `n`-th write to the file system (opening for writing, writing, syncing, renaming, linking, removing). */
async function armKillAtWrite(n) {
  let writes = 0;
  const count = (call, file) => {
    if (++writes !== n) return;
    print({ t: 'killed', at: `${call} ${typeof file === 'string' ? file.split('/').slice(-2).join('/') : ''}` });
    process.kill(process.pid, 'SIGKILL');
  };
  const writing = (flags) => flags !== undefined && flags !== 'r' && flags !== 0;
  const fsp = require('node:fs/promises');
  const fileNames = new WeakMap(); // handle → the file it was opened on, for the kill's report
  for (const name of ['open', 'rename', 'link', 'rm', 'unlink', 'writeFile', 'appendFile', 'mkdir', 'copyFile', 'truncate']) {
    const original = fsp[name];
    fsp[name] = function patched(...args) {
      if (name !== 'open' || writing(args[1])) count(name, args[0]);
      const result = original.apply(this, args);
      if (name === 'open') result.then((handle) => fileNames.set(handle, args[0]), () => undefined);
      return result;
    };
  }
  const probe = await fsp.open(process.execPath, 'r');
  const handle = Object.getPrototypeOf(probe);
  await probe.close();
  for (const name of ['write', 'writeFile', 'appendFile', 'sync', 'datasync', 'truncate']) {
    const original = handle[name];
    handle[name] = function patched(...args) {
      count(`handle.${name}`, fileNames.get(this));
      return original.apply(this, args);
    };
  }
  syncBuiltinESMExports(); // import('node:fs/promises') in the package now sees the counting functions
}

function customerKeyHeaders(key) {
  return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: base64(key), SSECustomerKeyMD5: createHash('md5').update(key).digest('base64') };
}

/** The encryption settings of a PUT (or multipart upload) in `mode`, and what the reader needs to read it back. */
function encryption(mode, keyId) {
  if (mode === 'SSE-S3') return { request: { ServerSideEncryption: 'AES256' }, ack: {} };
  if (mode === 'SSE-KMS') return { request: { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyId }, ack: {} };
  const key = randomBytes(32);
  return { request: customerKeyHeaders(key), ack: { customerKey: base64(key) } };
}

/** The KMS, ObjectStore and BlockStore: in `dir`, or on `postgres` ({ url, rootKey } in hex) with bodies and sectors in `dir`. */
function openStores(k, dir, postgres) {
  if (!postgres) {
    const kms = new k.KeyManagementService({ account: ACCOUNT, region: 'us-east-1', store: new k.FileKeyStore({ directory: `${dir}/kms` }) });
    return { kms, s3: new k.ObjectStore({ kms, dir: `${dir}/s3` }), ec2: new k.BlockStore({ kms, dir: `${dir}/ebs` }) };
  }
  const options = { connectionString: postgres.url, rootKey: Uint8Array.from(Buffer.from(postgres.rootKey, 'hex')), poolSize: 3 };
  const kms = new k.KeyManagementService({ account: ACCOUNT, region: 'us-east-1', store: new k.PostgresKeyStore(options) });
  return {
    kms,
    s3: new k.ObjectStore({ kms, store: new k.PostgresObjectMetadata({ ...options, bodies: `${dir}/s3/objects` }) }),
    ec2: new k.BlockStore({ kms, store: new k.PostgresBlockMetadata({ ...options, sectors: `${dir}/ebs/sectors` }) }),
  };
}

export async function run(k, { dir, killAtWrite, world, plan, postgres }) {
  if (killAtWrite !== undefined) await armKillAtWrite(killAtWrite);
  const { kms, s3, ec2 } = openStores(k, dir, postgres);
  const keys = [...world.keys];
  const volumes = world.volumes.map((v) => ({ ...v }));
  const versions = [...world.versions];
  const handles = [];
  const pick = (list, n) => list[n % list.length];
  const ensureBucket = async () => {
    if (world.bucketReady) return;
    await s3.createBucket({ Bucket: BUCKET }).catch((error) => {
      if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
    });
    await s3.putBucketVersioning({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } });
    world.bucketReady = true;
    print({ t: 'bucket' });
  };
  const putObject = async (step) => {
    await ensureBucket();
    const body = randomBytes(step.size);
    const { request, ack } = encryption(step.mode, pick(keys, step.key));
    const key = `r${step.round}/${step.index}`;
    const { VersionId } = await s3.putObject({ Bucket: BUCKET, Key: key, Body: body, ...request });
    versions.push({ key, versionId: VersionId });
    print({ t: 'object', key, versionId: VersionId, sha256: sha256(body), ...ack });
  };
  const multipart = async (step) => {
    await ensureBucket();
    const { request, ack } = encryption(step.mode, pick(keys, step.key));
    const key = `r${step.round}/${step.index}`;
    const { UploadId } = await s3.createMultipartUpload({ Bucket: BUCKET, Key: key, ...request });
    print({ t: 'upload', key, uploadId: UploadId }); // its parts count as stored from the first one on, acknowledged or not
    // Parts and the completion take only the SSE-C key (as S3's UploadPart does), not the upload's other SSE settings.
    const { SSECustomerAlgorithm, SSECustomerKey, SSECustomerKeyMD5 } = request;
    const customerKey = SSECustomerKey === undefined ? {} : { SSECustomerAlgorithm, SSECustomerKey, SSECustomerKeyMD5 };
    const parts = [];
    const whole = createHash('sha256');
    for (const [i, size] of step.partSizes.entries()) {
      const body = randomBytes(size);
      const { ETag } = await s3.uploadPart({ Bucket: BUCKET, Key: key, UploadId, PartNumber: i + 1, Body: body, ...customerKey });
      whole.update(body);
      parts.push({ PartNumber: i + 1, ETag });
      print({ t: 'part', key, uploadId: UploadId, partNumber: i + 1, etag: ETag });
    }
    const { VersionId } = await s3.completeMultipartUpload({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: parts }, ...customerKey });
    versions.push({ key, versionId: VersionId });
    print({ t: 'object', key, versionId: VersionId, sha256: whole.digest('hex'), ...ack });
  };

  const steps = {
    createKey: async () => {
      const { KeyMetadata } = await kms.createKey({ Description: 'crash harness' });
      keys.push(KeyMetadata.KeyId);
      print({ t: 'key', keyId: KeyMetadata.KeyId });
    },
    createAlias: async (step) => {
      const name = `alias/crash-r${step.round}-${step.index}`;
      const keyId = pick(keys, step.key);
      await kms.createAlias({ AliasName: name, TargetKeyId: keyId });
      print({ t: 'alias', name, keyId });
    },
    createGrant: async (step) => {
      const keyId = pick(keys, step.key);
      const { GrantId } = await kms.createGrant({ KeyId: keyId, GranteePrincipal: GRANTEE, Operations: ['Decrypt', 'Encrypt'] });
      print({ t: 'grant', keyId, grantId: GrantId });
    },
    rotate: async (step) => {
      const keyId = pick(keys, step.key);
      await kms.rotateKeyOnDemand({ KeyId: keyId });
      print({ t: 'rotation', keyId });
    },
    encrypt: async (step) => {
      const keyId = pick(keys, step.key);
      const plaintext = randomBytes(step.size);
      const context = { round: String(step.round) };
      const { CiphertextBlob } = await kms.encrypt({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context });
      print({ t: 'ciphertext', keyId, ciphertext: base64(CiphertextBlob), plaintext: base64(plaintext), context });
    },
    generateDataKey: async (step) => {
      const keyId = pick(keys, step.key);
      const context = { round: String(step.round), purpose: 'data key' };
      const { CiphertextBlob, Plaintext } = await kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context });
      print({ t: 'ciphertext', keyId, ciphertext: base64(CiphertextBlob), plaintext: base64(Plaintext), context });
    },
    putObject,
    multipart,
    deleteObject: async (step) => {
      if (versions.length === 0) return putObject(step);
      const [{ key, versionId }] = versions.splice(step.key % versions.length, 1);
      print({ t: 'deleting', key, versionId }); // from here the version may be gone, acknowledged or not
      await s3.deleteObject({ Bucket: BUCKET, Key: key, VersionId: versionId });
      print({ t: 'deleted', key, versionId });
    },
    createVolume: async (step) => {
      const { VolumeId } = await ec2.createVolume({ Size: 1, ...(step.encrypted ? { Encrypted: true, KmsKeyId: pick(keys, step.key) } : {}) });
      volumes.push({ volumeId: VolumeId, nextSector: 0 });
      print({ t: 'volume', volumeId: VolumeId });
    },
    attach: async (step) => {
      if (volumes.length === 0) return steps.createVolume(step);
      const volume = pick(volumes, step.key);
      const InstanceId = instanceId();
      handles.push({ volume, handle: await ec2.attachVolume({ VolumeId: volume.volumeId, InstanceId }) });
      print({ t: 'attachment', volumeId: volume.volumeId, instanceId: InstanceId });
    },
    writeSectors: async (step) => {
      if (handles.length === 0) return steps.attach(step);
      const { volume, handle } = pick(handles, step.key);
      const data = randomBytes(step.sectors * 4096);
      const offset = volume.nextSector * 4096; // always fresh sectors: an acknowledged write is never overwritten
      volume.nextSector += step.sectors;
      await handle.write(offset, data);
      print({ t: 'sectors', volumeId: volume.volumeId, offset, length: data.length, sha256: sha256(data) });
    },
    snapshot: async (step) => {
      if (volumes.length === 0) return steps.createVolume(step);
      const { volumeId } = pick(volumes, step.key);
      const { SnapshotId } = await ec2.createSnapshot({ VolumeId: volumeId, Description: `round ${step.round}` });
      print({ t: 'snapshot', snapshotId: SnapshotId, volumeId });
    },
  };

  print({ t: 'started' });
  for (const step of plan) {
    if (keys.length === 0 && step.op !== 'createKey') await steps.createKey();
    print({ t: 'calling', op: step.op }); // so a finding can name the call the kill cut short
    await steps[step.op](step);
  }
  print({ t: 'finished' });
  setInterval(() => {}, 60_000); // waits for its kill
}
