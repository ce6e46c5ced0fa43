import { createCipheriv } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { BlockStore, Iam, KeyManagementService, sectorTweak, terminateWorkers } from '../../src/node.js';
import { BlockStore as PortableBlockStore } from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const ACCOUNT = '111122223333';
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const INSTANCE = 'i-0123456789abcdef0';
const OTHER_INSTANCE = 'i-0fedcba9876543210';
const MiB = 1024 * 1024;

const tempDir = temporaryDirectories('kms-wasm-ebs-');

function setup(options: { dir?: string; iam?: Iam; kms?: KeyManagementService; sectorSize?: 4096 | 512 } = {}) {
  const kms = options.kms ?? new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', iam: options.iam });
  const ec2 = new BlockStore({ kms, iam: options.iam, dir: options.dir, sectorSize: options.sectorSize });
  return { kms, ec2 };
}

/** ebs-state.json's JSON, after its MAC header line. */
const savedState = (dir: string) => JSON.parse(readFileSync(join(dir, 'ebs-state.json'), 'utf8').replace(/^.*\n/, ''));

async function rejectsWith(promise: Promise<unknown>, name: string) {
  await expect(promise).rejects.toMatchObject({ name });
}

describe('volumes', () => {
  it('round-trips reads and writes at unaligned offsets and lengths, against a plain model', async () => {
    for (const sectorSize of [4096, 512] as const) {
      const { ec2 } = setup({ sectorSize });
      const { VolumeId, Encrypted } = await ec2.createVolume({ Size: 1, Encrypted: true });
      expect(Encrypted).toBe(true);
      const volume = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
      const model = new Uint8Array(4 * MiB);
      const rng = new SeededRandom(70 + sectorSize);
      for (let i = 0; i < 150; i++) {
        const offset = rng.int(model.length - 1);
        const length = Math.min(model.length - offset, rng.length(70_000));
        const data = rng.bytes(length);
        await volume.write(offset, data);
        model.set(data, offset);
        const at = rng.int(model.length - 1);
        const readLength = Math.min(model.length - at, rng.length(70_000));
        if (!Buffer.from(await volume.read(at, readLength)).equals(model.subarray(at, at + readLength))) {
          expect.fail(`sector size ${sectorSize}, step ${i}: read ${at}+${readLength} differs`);
        }
      }
      expect(Buffer.from(await volume.read(0, model.length)).equals(model)).toBe(true);
      expect((await volume.read(512 * MiB, 10_000)).every((b) => b === 0)).toBe(true); // never written
      await rejectsWith(volume.read(1024 * MiB - 10, 11), 'InvalidParameterValue');
    }
  });

  it('stores XTS-AES-256 ciphertext: raw sectors equal node:crypto aes-256-xts with the sector number as tweak', async () => {
    const dir = tempDir();
    const { kms, ec2 } = setup({ dir });
    const { VolumeId } = await ec2.createVolume({ Size: 2, Encrypted: true });
    const volume = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    const text = Buffer.from('plaintext that must never reach the disk '.repeat(300));
    const offset = 3 * 4096 + 100;
    await volume.write(offset, text);

    const metadata = savedState(dir);
    const record = metadata.volumes.find((v: { VolumeId: string }) => v.VolumeId === VolumeId);
    const volumeArn = `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/${VolumeId}`;
    const { Plaintext: dataKey } = await kms.decrypt({ CiphertextBlob: Buffer.from(record.wrappedDataKey, 'base64'), EncryptionContext: { 'aws:ec2:arn': volumeArn } },
      { principal: `arn:aws:iam::${ACCOUNT}:root`, viaService: 'ec2.amazonaws.com' });
    expect(dataKey).toHaveLength(64);

    const raw = readFileSync(join(dir, 'sectors', `${VolumeId}.img`));
    expect(raw.includes(Buffer.from('must never reach the disk'))).toBe(false);
    const plain = Buffer.alloc(8 * 4096);
    text.copy(plain, offset);
    for (let sector = 3; sector <= Math.floor((offset + text.length) / 4096); sector++) {
      const expected = createCipheriv('aes-256-xts', dataKey, sectorTweak(BigInt(sector))).update(plain.subarray(sector * 4096, (sector + 1) * 4096));
      expect(raw.subarray(sector * 4096, (sector + 1) * 4096).equals(expected), `sector ${sector}`).toBe(true);
    }
    expect(raw.subarray(0, 3 * 4096).every((b) => b === 0)).toBe(true); // sparse: unwritten sectors are holes
  });

  it('two attachments of one volume see each other\'s writes; a detached handle stops working', async () => {
    const { ec2 } = setup();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    const a = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    const b = await ec2.attachVolume({ VolumeId, InstanceId: OTHER_INSTANCE });
    await a.write(10_000, Buffer.from('from a'));
    expect(Buffer.from(await b.read(10_000, 6)).toString()).toBe('from a');
    await rejectsWith(ec2.attachVolume({ VolumeId, InstanceId: INSTANCE }), 'VolumeInUse');
    expect((await ec2.describeVolumes({ VolumeIds: [VolumeId] })).Volumes[0]).toMatchObject({ State: 'in-use' });
    await rejectsWith(ec2.deleteVolume({ VolumeId }), 'VolumeInUse');
    await ec2.detachVolume({ VolumeId, InstanceId: INSTANCE });
    await rejectsWith(a.read(0, 1), 'IncorrectState');
    expect(Buffer.from(await b.read(10_000, 6)).toString()).toBe('from a');
    await ec2.detachVolume({ VolumeId });
    expect((await ec2.describeVolumes({ VolumeIds: [VolumeId] })).Volumes[0]).toMatchObject({ State: 'available', Attachments: [] });
    await ec2.deleteVolume({ VolumeId });
    await rejectsWith(ec2.attachVolume({ VolumeId, InstanceId: INSTANCE }), 'InvalidVolume.NotFound');
  });

});

describe('volume keys', () => {
  it('concurrent writes into one sector, from one attachment or two, all land', async () => {
    const { ec2 } = setup();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    const first = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    const second = await ec2.attachVolume({ VolumeId, InstanceId: OTHER_INSTANCE });
    const data = new Uint8Array(64).map((_, i) => i + 1);
    // Byte by byte into sector 0, alternating handles, plus a whole-sector write to sector 1, all at once.
    const whole = new Uint8Array(4096).fill(7);
    await Promise.all([
      ...Array.from(data, (byte, i) => (i % 2 === 0 ? first : second).write(i, new Uint8Array([byte]))),
      second.write(4096, whole),
    ]);
    expect(Buffer.from(await first.read(0, 64)).equals(Buffer.from(data))).toBe(true);
    expect(Buffer.from(await second.read(4096, 4096)).equals(Buffer.from(whole))).toBe(true);
  });

  it('uses alias/aws/ebs by default, a chosen default key, or the named key; encryption by default applies', async () => {
    const { kms, ec2 } = setup();
    expect((await ec2.createVolume({ Size: 1 })).Encrypted).toBe(false);
    const managed = await ec2.createVolume({ Size: 1, Encrypted: true });
    expect(managed.KmsKeyId).toBe((await kms.describeKey({ KeyId: 'alias/aws/ebs' })).KeyMetadata.Arn);
    const { KeyMetadata: mine } = await kms.createKey();
    expect((await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: mine.KeyId })).KmsKeyId).toBe(mine.Arn);
    await ec2.enableEbsEncryptionByDefault();
    expect((await ec2.getEbsEncryptionByDefault()).EbsEncryptionByDefault).toBe(true);
    expect((await ec2.createVolume({ Size: 1 })).Encrypted).toBe(true);
    expect((await ec2.getEbsDefaultKmsKeyId()).KmsKeyId).toMatch(/alias\/aws\/ebs$/);
    await ec2.modifyEbsDefaultKmsKeyId({ KmsKeyId: mine.KeyId });
    expect((await ec2.getEbsDefaultKmsKeyId()).KmsKeyId).toBe(mine.Arn);
    expect((await ec2.createVolume({ Size: 1 })).KmsKeyId).toBe(mine.Arn);
    // ResetEbsDefaultKmsKeyId answers with the default key after the reset, the AWS managed key (Amazon EC2 API Reference)
    expect((await ec2.resetEbsDefaultKmsKeyId()).KmsKeyId).toBe(`arn:aws:kms:${kms.region}:${kms.account}:alias/aws/ebs`);
    expect((await ec2.getEbsDefaultKmsKeyId()).KmsKeyId).toBe(`arn:aws:kms:${kms.region}:${kms.account}:alias/aws/ebs`);
    await ec2.disableEbsEncryptionByDefault();
    expect((await ec2.createVolume({ Size: 1 })).Encrypted).toBe(false);
    await rejectsWith(ec2.createVolume({ Size: 1, KmsKeyId: mine.KeyId }), 'InvalidParameterValue');
    await rejectsWith(ec2.createVolume({ Size: 0 }), 'InvalidParameterValue');
    await rejectsWith(ec2.createVolume({}), 'MissingParameter');
  });
});

describe('bulk I/O', () => {
  it('large reads and writes go through the worker pool and agree with small ones', async () => {
    const { ec2 } = setup();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    const volume = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    const big = new SeededRandom(90).bytes(9 * MiB + 4096);
    await volume.write(4096, big); // one 9 MiB aligned run: pool
    for (let at = 0; at < big.length; at += 1_000_003) {
      const piece = await volume.read(4096 + at, Math.min(5000, big.length - at)); // small reads: single thread
      if (!Buffer.from(piece).equals(big.subarray(at, at + piece.length))) expect.fail(`offset ${at}`);
    }
    expect(Buffer.from(await volume.read(4096, big.length)).equals(big)).toBe(true); // large read: pool
    await volume.write(8192 + 3, big.subarray(0, 5 * MiB)); // unaligned large write: read-modify-write, pool both ways
    expect(Buffer.from(await volume.read(8192 + 3, 5 * MiB)).equals(big.subarray(0, 5 * MiB))).toBe(true);
    await ec2.detachVolume({ VolumeId });
    await terminateWorkers();
  });
});

describe('who may attach', () => {
  const policy = (actions: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });

  it('needs ec2 permissions for the volume and kms permissions for the key; a refused attach leaves no attachment', async () => {
    const iam = new Iam();
    const { ec2, kms } = setup({ iam });
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true }, undefined); // root, alias/aws/ebs
    const { KeyMetadata } = await kms.createKey();
    const { VolumeId: own } = await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: KeyMetadata.KeyId });
    const alice = { principal: ALICE };
    await rejectsWith(ec2.attachVolume({ VolumeId: own, InstanceId: INSTANCE }, alice), 'UnauthorizedOperation');
    iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'ec2', PolicyDocument: policy(['ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:DescribeVolumes']) });
    await rejectsWith(ec2.attachVolume({ VolumeId: own, InstanceId: INSTANCE }, alice), 'AccessDeniedException'); // no kms:CreateGrant
    expect((await ec2.describeVolumes({ VolumeIds: [own] }, alice)).Volumes[0]!.State).toBe('available');
    iam.putPrincipalPolicy({ PrincipalArn: ALICE, PolicyName: 'kms', PolicyDocument: policy(['kms:CreateGrant']) });
    const handle = await ec2.attachVolume({ VolumeId: own, InstanceId: INSTANCE }, alice);
    await handle.write(0, Buffer.from('ok'));
    // The AWS managed key admits account principals through EC2 without any kms identity policy.
    await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE }, alice);
    await rejectsWith(ec2.attachVolume({ VolumeId, InstanceId: OTHER_INSTANCE }, { principal: 'arn:aws:iam::444455556666:user/x' }), 'UnauthorizedOperation');
  });

  it('disabling or scheduling deletion of the key stops new attaches; existing attachments keep working until detached', async () => {
    const { kms, ec2 } = setup();
    const { KeyMetadata: key } = await kms.createKey();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: key.KeyId });
    const attached = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    await attached.write(0, Buffer.from('before'));
    await kms.disableKey({ KeyId: key.KeyId });
    await rejectsWith(ec2.attachVolume({ VolumeId, InstanceId: OTHER_INSTANCE }), 'DisabledException');
    await attached.write(4096, Buffer.from('during'));
    expect(Buffer.from(await attached.read(4096, 6)).toString()).toBe('during');
    await kms.enableKey({ KeyId: key.KeyId });
    await kms.scheduleKeyDeletion({ KeyId: key.KeyId });
    await rejectsWith(ec2.attachVolume({ VolumeId, InstanceId: OTHER_INSTANCE }), 'KMSInvalidStateException');
    expect(Buffer.from(await attached.read(0, 6)).toString()).toBe('before');
    await ec2.detachVolume({ VolumeId, InstanceId: INSTANCE });
    expect((await kms.listGrants({ KeyId: key.KeyId })).Grants).toEqual([]);
  });
});

describe('snapshots', () => {
  it('are point in time and stay encrypted; volumes made from them read the snapshot\'s data', async () => {
    const { ec2 } = setup();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    const volume = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    await volume.write(5000, Buffer.from('version one'));
    const snapshot = await ec2.createSnapshot({ VolumeId, Description: 'v1' });
    expect(snapshot).toMatchObject({ Encrypted: true, VolumeSize: 1, State: 'completed' });
    await volume.write(5000, Buffer.from('version two'));
    const restored = await ec2.createVolume({ SnapshotId: snapshot.SnapshotId });
    expect(restored).toMatchObject({ Encrypted: true, Size: 1, SnapshotId: snapshot.SnapshotId });
    const handle = await ec2.attachVolume({ VolumeId: restored.VolumeId, InstanceId: OTHER_INSTANCE });
    expect(Buffer.from(await handle.read(5000, 11)).toString()).toBe('version one');
    expect(Buffer.from(await volume.read(5000, 11)).toString()).toBe('version two');
    await rejectsWith(ec2.createVolume({ SnapshotId: 'snap-0000' }), 'InvalidSnapshot.NotFound');
  });

  it('copySnapshot re-encrypts under another key; an unencrypted snapshot can be copied to an encrypted one', async () => {
    const { kms, ec2 } = setup();
    const { KeyMetadata: other } = await kms.createKey();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    const volume = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    await volume.write(0, Buffer.from('moved to another key'));
    const snapshot = await ec2.createSnapshot({ VolumeId });
    const { SnapshotId: copyId } = await ec2.copySnapshot({ SourceSnapshotId: snapshot.SnapshotId, Encrypted: true, KmsKeyId: other.KeyId });
    expect((await ec2.describeSnapshots({ SnapshotIds: [copyId] })).Snapshots[0]).toMatchObject({ Encrypted: true, KmsKeyId: other.Arn });
    const fromCopy = await ec2.createVolume({ SnapshotId: copyId });
    expect(fromCopy.KmsKeyId).toBe(other.Arn);
    const readBack = await ec2.attachVolume({ VolumeId: fromCopy.VolumeId, InstanceId: OTHER_INSTANCE });
    expect(Buffer.from(await readBack.read(0, 20)).toString()).toBe('moved to another key');

    const { VolumeId: plainId } = await ec2.createVolume({ Size: 1 });
    const plain = await ec2.attachVolume({ VolumeId: plainId, InstanceId: INSTANCE });
    await plain.write(9000, Buffer.from('was unencrypted'));
    const plainSnapshot = await ec2.createSnapshot({ VolumeId: plainId });
    expect(plainSnapshot.Encrypted).toBe(false);
    const { SnapshotId: encryptedCopy } = await ec2.copySnapshot({ SourceSnapshotId: plainSnapshot.SnapshotId, Encrypted: true });
    const encryptedVolume = await ec2.createVolume({ SnapshotId: encryptedCopy });
    expect(encryptedVolume.Encrypted).toBe(true);
    const handle = await ec2.attachVolume({ VolumeId: encryptedVolume.VolumeId, InstanceId: OTHER_INSTANCE });
    expect(Buffer.from(await handle.read(9000, 15)).toString()).toBe('was unencrypted');
    await ec2.deleteSnapshot({ SnapshotId: plainSnapshot.SnapshotId });
    await rejectsWith(ec2.copySnapshot({ SourceSnapshotId: plainSnapshot.SnapshotId }), 'InvalidSnapshot.NotFound');
  });
});

describe('persistence', () => {
  it("only kms-wasm/node's BlockStore opens a dir: the portable one refuses it, naming the field and the entry, and writes nothing", async () => {
    const dir = join(tempDir(), 'ebs');
    const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1' });
    expect(PortableBlockStore).not.toBe(BlockStore);
    expect(() => new PortableBlockStore({ kms, dir })).toThrow(expect.objectContaining({
      name: 'InvalidParameterValue', message: expect.stringMatching(/^dir: .*import \{ BlockStore \} from 'kms-wasm\/node'/),
    }));
    expect(() => readdirSync(dir)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    // Both a dir and a store: refused by either.
    expect(() => new BlockStore({ kms, dir, store: {} as never })).toThrow(expect.objectContaining({ name: 'InvalidParameterValue', message: expect.stringMatching(/^store: /) }));
    // kms-wasm/node's opens the directory: metadata and sector files, read back by a second store.
    const ec2 = new BlockStore({ kms, dir });
    const { VolumeId } = await ec2.createVolume({ Size: 1 });
    await (await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE })).write(0, Buffer.from('on disk'));
    await ec2.close();
    expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['ebs-state.json', 'sectors']));
    expect(readdirSync(join(dir, 'sectors'))).toEqual([`${VolumeId}.img`]);
    const reopened = new BlockStore({ kms, dir });
    const volume = await reopened.attachVolume({ VolumeId, InstanceId: INSTANCE });
    expect(Buffer.from(await volume.read(0, 7)).toString()).toBe('on disk');
    await reopened.close();
  });

  it('an attach that fails after its grant was made leaves no attachment and no grant behind', async () => {
    const dir = tempDir();
    const { kms, ec2 } = setup({ dir });
    const { KeyMetadata: key } = await kms.createKey();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: key.KeyId });
    // The sector store cannot open: a file stands where its directory should be.
    rmSync(join(dir, 'sectors'), { recursive: true, force: true });
    writeFileSync(join(dir, 'sectors'), 'in the way');
    await expect(ec2.attachVolume({ VolumeId, InstanceId: INSTANCE })).rejects.toThrow();
    expect((await kms.listGrants({ KeyId: key.KeyId })).Grants).toEqual([]);
    expect((await ec2.describeVolumes({ VolumeIds: [VolumeId] })).Volumes[0]!.State).toBe('available');
    expect(savedState(dir).volumes[0].attachments).toEqual([]);
    rmSync(join(dir, 'sectors'));
    await (await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE })).write(0, Buffer.from('attached'));
    expect((await kms.listGrants({ KeyId: key.KeyId })).Grants).toHaveLength(1);
  });

  it('an operation whose metadata cannot be saved changes nothing: not the state, not the sectors, not an attachment', async () => {
    const dir = tempDir();
    const { ec2 } = setup({ dir });
    const { VolumeId: attachedId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    const { VolumeId: spareId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    const attached = await ec2.attachVolume({ VolumeId: attachedId, InstanceId: INSTANCE });
    await attached.write(0, Buffer.from('kept'));
    const spare = await ec2.attachVolume({ VolumeId: spareId, InstanceId: OTHER_INSTANCE });
    await spare.write(0, Buffer.from('spare'));
    await ec2.detachVolume({ VolumeId: spareId });
    const images = () => readdirSync(join(dir, 'sectors')).sort();
    const imagesBefore = images();
    // A directory where the metadata file goes: every save now fails at its rename.
    const metadata = join(dir, 'ebs-state.json');
    rmSync(metadata);
    mkdirSync(metadata);
    await expect(ec2.createVolume({ Size: 1, Encrypted: true })).rejects.toThrow();
    await expect(ec2.createSnapshot({ VolumeId: attachedId })).rejects.toThrow();
    await expect(ec2.enableEbsEncryptionByDefault()).rejects.toThrow();
    await expect(ec2.detachVolume({ VolumeId: attachedId })).rejects.toThrow();
    await expect(ec2.deleteVolume({ VolumeId: spareId })).rejects.toThrow();
    expect((await ec2.describeVolumes()).Volumes.map((v) => [v.VolumeId, v.State])).toEqual([[attachedId, 'in-use'], [spareId, 'available']]);
    expect((await ec2.describeSnapshots()).Snapshots).toEqual([]);
    expect((await ec2.getEbsEncryptionByDefault()).EbsEncryptionByDefault).toBe(false);
    expect(images()).toEqual(imagesBefore);
    expect(Buffer.from(await attached.read(0, 4)).toString()).toBe('kept'); // still attached, key and all
    rmSync(metadata, { recursive: true });
    await ec2.detachVolume({ VolumeId: attachedId });
    const reattached = await ec2.attachVolume({ VolumeId: spareId, InstanceId: INSTANCE });
    expect(Buffer.from(await reattached.read(0, 5)).toString()).toBe('spare');
  });

  it('a second BlockStore on the same directory is refused until the first closes (detaching its volumes), then attaches and reads the volume', async () => {
    const dir = tempDir();
    const { kms, ec2 } = setup({ dir });
    const { VolumeId, KmsKeyId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    const volume = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    await volume.write(123_456, Buffer.from('survives a restart'));
    expect((await kms.listGrants({ KeyId: KmsKeyId! })).Grants).toHaveLength(1);
    await expect(new BlockStore({ kms, dir }).describeVolumes()).rejects.toMatchObject({ name: 'StoreLockedError' });
    await ec2.close(); // detaches: the handle stops working, the instance's grant is retired
    await rejectsWith(volume.read(0, 1), 'IncorrectState');
    expect((await kms.listGrants({ KeyId: KmsKeyId! })).Grants).toEqual([]);
    await rejectsWith(ec2.describeVolumes(), 'StoreClosedError');
    const second = new BlockStore({ kms, dir });
    const { Volumes } = await second.describeVolumes();
    expect(Volumes.map((v) => v.VolumeId)).toEqual([VolumeId]);
    expect(Volumes[0]!.State).toBe('available');
    const handle = await second.attachVolume({ VolumeId, InstanceId: OTHER_INSTANCE });
    expect(Buffer.from(await handle.read(123_456, 18)).toString()).toBe('survives a restart');
  });
});

describe('ebs-state.json is authenticated', () => {
  async function storeWithVolume() {
    const dir = tempDir();
    const { kms, ec2 } = setup({ dir });
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    await ec2.close();
    return { dir, kms, VolumeId, file: join(dir, 'ebs-state.json') };
  }

  const damages: Array<[string, (text: string) => string, RegExp]> = [
    ['"Encrypted" flipped to false', (t) => t.replace('"Encrypted": true', '"Encrypted": false'), /does not authenticate/],
    ['encryption by default switched on', (t) => t.replace('"encryptionByDefault": false', '"encryptionByDefault": true'), /does not authenticate/],
    ['truncated', (t) => t.slice(0, t.length / 2), /does not authenticate/],
    ['the header removed (plain JSON once the store has a metadata key)', (t) => t.replace(/^.*\n/, ''), /has no kms-wasm metadata header/],
  ];
  for (const [what, damage, message] of damages) {
    it(`${what}: a StoreIntegrityError, and the file is left as it is`, async () => {
      const { dir, kms, file } = await storeWithVolume();
      const damaged = damage(readFileSync(file, 'utf8'));
      expect(damaged).not.toBe(readFileSync(file, 'utf8'));
      writeFileSync(file, damaged);
      const ec2 = new BlockStore({ kms, dir });
      await rejectsWith(ec2.describeVolumes(), 'StoreIntegrityError');
      await expect(ec2.createVolume({ Size: 1 })).rejects.toMatchObject({ name: 'StoreIntegrityError', file, message });
      expect(readFileSync(file, 'utf8')).toBe(damaged);
      await ec2.close();
    });
  }

  it('a store written by kms-wasm 0.1 (plain JSON, no metadata key) is adopted once and authenticated from then on', async () => {
    const { dir, kms, VolumeId, file } = await storeWithVolume();
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^.*\n/, ''));
    rmSync(join(dir, 'ebs-state.key'));
    const ec2 = new BlockStore({ kms, dir });
    expect((await ec2.describeVolumes()).Volumes.map((v) => [v.VolumeId, v.Encrypted])).toEqual([[VolumeId, true]]);
    await ec2.close();
    expect(readFileSync(file, 'utf8')).toMatch(/^kms-wasm-metadata v2 hmac-sha256=[0-9a-f]{64}\n\{/);
  });
});

describe('BlockStore residue', () => {
  /**
   * The directory as a crash leaves it just after the KMS made a grant (`createGrant`) or just before
   * it retired one (`retireGrant`): at that call the store's directory is copied (its lock left out:
   * the OS drops a dead holder's) and the call never returns. The copy is then opened by a new store
   * over the same KMS.
   */
  async function crashAt(step: 'createGrant' | 'retireGrant' | 'after retireGrant', work: (ec2: BlockStore, VolumeId: string) => Promise<unknown>) {
    const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1' });
    const dir = tempDir();
    const crashed = tempDir();
    let copied!: () => void;
    const copy = new Promise<void>((resolve) => { copied = resolve; });
    let armed = false;
    const dying = new Proxy(kms, {
      get: (target, name) => (name === step.replace('after ', '') && armed ? async (...args: [never, never]) => {
        if (step === 'createGrant') await target.createGrant(...args);
        if (step === 'after retireGrant') await target.retireGrant(...args);
        cpSync(dir, crashed, { recursive: true, filter: (path) => !path.endsWith('/locks') });
        copied();
        return new Promise(() => {}); // the process is gone: this call never returns
      } : Reflect.get(target, name, target)),
    });
    const ec2 = new BlockStore({ kms: dying, dir });
    const { VolumeId, KmsKeyId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    if (step !== 'createGrant') await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    armed = true;
    void work(ec2, VolumeId);
    await copy;
    if (step === 'after retireGrant') expect(savedState(crashed).retiring).toHaveLength(1); // what the crash left: a record of a retired grant
    else expect((await kms.listGrants({ KeyId: KmsKeyId! })).Grants).toHaveLength(1); // what the crash left: a live grant
    const reopened = new BlockStore({ kms, dir: crashed });
    expect((await reopened.describeVolumes()).Volumes.map((v) => v.State)).toEqual(['available']);
    expect((await kms.listGrants({ KeyId: KmsKeyId! })).Grants).toEqual([]);
    expect(savedState(crashed).volumes[0].attachments).toEqual([]);
    expect(savedState(crashed).retiring).toBeUndefined();
    await (await reopened.attachVolume({ VolumeId, InstanceId: OTHER_INSTANCE })).write(0, Buffer.from('after the crash'));
    await reopened.close();
  }

  it('a crash in attachVolume after the grant was created, before its token was saved: the next open finds the grant by its Name and retires it', async () => {
    await crashAt('createGrant', (ec2, VolumeId) => ec2.attachVolume({ VolumeId, InstanceId: INSTANCE }));
  });

  it('a crash in detachVolume after the detachment was saved, before the grant was retired: the next open retires it', async () => {
    await crashAt('retireGrant', (ec2, VolumeId) => ec2.detachVolume({ VolumeId }));
  });

  it('a crash in detachVolume after the grant was retired, before the detachment was forgotten: the next open retires the grant again, which is gone, and opens', async () => {
    await crashAt('after retireGrant', (ec2, VolumeId) => ec2.detachVolume({ VolumeId }));
  });
});
