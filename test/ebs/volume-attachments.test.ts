// EBS's attach path (volume-attachments.ts, volume-keys.ts) as the KMS sees it: the grant an attach
// makes (who may use it, for what, bound to which volume), who decrypts the volume key and how, what
// a detach retires, and the requests a misuser sends — a malformed instance id, the wrong
// instance, a second attach, a detach without naming the instance of a volume attached twice.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlockStore, Iam, KeyManagementService } from '../../src/node.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const ALICE = { principal: `arn:aws:iam::${ACCOUNT}:user/alice` };
const INSTANCE = 'i-0123456789abcdef0';
const OTHER_INSTANCE = 'i-0fedcba9876543210';
const instancePrincipal = (id: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/aws-ec2-instance/${id}`;
const volumeArn = (id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/${id}`;
const tempDir = temporaryDirectories('kms-wasm-attach-');

function setup(iam?: Iam) {
  const kms = new KeyManagementService({ account: ACCOUNT, region: REGION, iam });
  return { kms, ec2: new BlockStore({ kms, iam }) };
}

const rejectsWith = (promise: Promise<unknown>, name: string, message?: string | RegExp) =>
  expect(promise).rejects.toMatchObject({ name, ...(message === undefined ? {} : { message: typeof message === 'string' ? message : expect.stringMatching(message) }) });
const events = async (kms: KeyManagementService) =>
  (await kms.listAuditRecords()).map(({ eventName, principal, viaService, encryptionContext, errorCode }) => ({ eventName, principal, viaService, encryptionContext, errorCode }));

describe('attaching an encrypted volume', () => {
  it('grants the instance Decrypt and RetireGrant on the volume\'s key, bound to the volume\'s ARN, and only that; the instance decrypts through EC2 with it', async () => {
    const iam = new Iam();
    iam.putPrincipalPolicy({ PrincipalArn: ALICE.principal, PolicyName: 'attach', PolicyDocument: JSON.stringify({ Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['ec2:AttachVolume', 'ec2:DetachVolume', 'kms:CreateGrant'], Resource: '*' }] }) });
    const { kms, ec2 } = setup(iam);
    const { KeyMetadata: key } = await kms.createKey();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: key.KeyId });
    const before = (await events(kms)).length;
    await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE }, ALICE);
    expect((await events(kms)).slice(before)).toEqual([
      { eventName: 'CreateGrant', principal: ALICE.principal, viaService: 'ec2.amazonaws.com', encryptionContext: undefined, errorCode: undefined },
      { eventName: 'Decrypt', principal: instancePrincipal(INSTANCE), viaService: 'ec2.amazonaws.com', encryptionContext: { 'aws:ec2:arn': volumeArn(VolumeId) }, errorCode: undefined },
    ]);
    const { Grants: [grant, ...more] } = await kms.listGrants({ KeyId: key.KeyId });
    expect(more).toEqual([]);
    expect(grant).toMatchObject({
      KeyId: key.Arn, Name: `${VolumeId}-${INSTANCE}`, GranteePrincipal: instancePrincipal(INSTANCE), RetiringPrincipal: instancePrincipal(INSTANCE),
      Operations: ['Decrypt', 'RetireGrant'], Constraints: { EncryptionContextEquals: { 'aws:ec2:arn': volumeArn(VolumeId) } },
    });
    // Detaching retires the grant as the instance (its retiring principal).
    await ec2.detachVolume({ VolumeId, InstanceId: INSTANCE }, ALICE);
    expect((await events(kms)).at(-1)).toMatchObject({ eventName: 'RetireGrant', principal: instancePrincipal(INSTANCE), viaService: 'ec2.amazonaws.com', errorCode: undefined });
    expect((await kms.listGrants({ KeyId: key.KeyId })).Grants).toEqual([]);
  });

  it('a new volume\'s key comes from GenerateDataKeyWithoutPlaintext through EC2, bound to the volume\'s ARN (no plaintext key leaves KMS)', async () => {
    const { kms, ec2 } = setup();
    const { KeyMetadata: key } = await kms.createKey();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: key.KeyId });
    expect((await events(kms)).at(-1)).toEqual({ eventName: 'GenerateDataKeyWithoutPlaintext', principal: `arn:aws:iam::${ACCOUNT}:root`,
      viaService: 'ec2.amazonaws.com', encryptionContext: { 'aws:ec2:arn': volumeArn(VolumeId) }, errorCode: undefined });
    expect((await ec2.describeVolumes({ VolumeIds: [VolumeId] })).Volumes[0]).toMatchObject({ Encrypted: true, KmsKeyId: key.Arn });
  });

  it('an unencrypted volume attaches with no grant and no KMS call, and records no attaching principal', async () => {
    const dir = tempDir();
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION });
    const ec2 = new BlockStore({ kms, dir });
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: false });
    const before = (await events(kms)).length;
    const volume = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    await volume.write(0, Buffer.from('plain'));
    expect(Buffer.from(await volume.read(0, 5)).toString()).toBe('plain');
    const saved = JSON.parse(readFileSync(join(dir, 'ebs-state.json'), 'utf8').replace(/^.*\n/, ''));
    expect(saved.volumes[0].attachments).toEqual([{ InstanceId: INSTANCE, AttachTime: expect.any(String) }]);
    await ec2.detachVolume({ VolumeId });
    expect((await events(kms)).length).toBe(before);
    await ec2.close();
  });
});

describe('attach and detach requests a misuser sends', () => {
  it('an instance id is i- and 8 to 17 lower-case hex digits', async () => {
    const { kms, ec2 } = setup();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    for (const InstanceId of ['i-1234567', 'i-0123456789abcdef01', 'i-0123456789ABCDEF0', 'x-01234567', 'i-01234567 ', ' i-01234567', 'i-0123456g']) {
      await rejectsWith(ec2.attachVolume({ VolumeId, InstanceId: InstanceId as string }), 'InvalidParameterValue',
        `InstanceId: expected i- followed by 8 to 17 hex digits, got ${String(InstanceId)}`);
    }
    expect((await kms.listGrants({ KeyId: (await ec2.describeVolumes()).Volumes[0]!.KmsKeyId! })).Grants).toEqual([]);
    for (const InstanceId of ['i-01234567', 'i-0123456789abcdef0']) await ec2.attachVolume({ VolumeId, InstanceId });
  });

  it('a second attach to the same instance is refused and leaves the first working; another instance gets its own grant', async () => {
    const { kms, ec2 } = setup();
    const { KeyMetadata: key } = await kms.createKey();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: key.KeyId });
    const first = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    await rejectsWith(ec2.attachVolume({ VolumeId, InstanceId: INSTANCE }), 'VolumeInUse', `${VolumeId} is already attached to ${INSTANCE}`);
    await first.write(0, Buffer.from('still attached'));
    expect((await kms.listGrants({ KeyId: key.KeyId })).Grants).toHaveLength(1);
    const second = await ec2.attachVolume({ VolumeId, InstanceId: OTHER_INSTANCE });
    expect(Buffer.from(await second.read(0, 14)).toString()).toBe('still attached');
    expect((await kms.listGrants({ KeyId: key.KeyId })).Grants.map((g) => g.GranteePrincipal).sort()).toEqual([instancePrincipal(INSTANCE), instancePrincipal(OTHER_INSTANCE)].sort());
  });

  it('a detach must name the instance of a volume attached twice, and an instance it is attached to; it retires only that instance\'s grant', async () => {
    const { kms, ec2 } = setup();
    const { KeyMetadata: key } = await kms.createKey();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: key.KeyId });
    const first = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    const second = await ec2.attachVolume({ VolumeId, InstanceId: OTHER_INSTANCE });
    await rejectsWith(ec2.detachVolume({ VolumeId }), 'InvalidAttachment.NotFound', `${VolumeId} is not attached to undefined`);
    await rejectsWith(ec2.detachVolume({ VolumeId, InstanceId: 'i-00000000' }), 'InvalidAttachment.NotFound', `${VolumeId} is not attached to i-00000000`);
    expect(await ec2.detachVolume({ VolumeId, InstanceId: OTHER_INSTANCE })).toEqual({ VolumeId, InstanceId: OTHER_INSTANCE, State: 'detached' });
    await rejectsWith(second.read(0, 1), 'IncorrectState');
    await first.write(0, Buffer.from('first still works'));
    expect((await kms.listGrants({ KeyId: key.KeyId })).Grants.map((g) => g.GranteePrincipal)).toEqual([instancePrincipal(INSTANCE)]);
    await rejectsWith(ec2.detachVolume({ VolumeId, InstanceId: OTHER_INSTANCE }), 'InvalidAttachment.NotFound');
    expect(await ec2.detachVolume({ VolumeId })).toEqual({ VolumeId, InstanceId: INSTANCE, State: 'detached' }); // the only one left
    expect((await kms.listGrants({ KeyId: key.KeyId })).Grants).toEqual([]);
    await rejectsWith(ec2.detachVolume({ VolumeId }), 'InvalidAttachment.NotFound');
  });

  it('needs ec2:DetachVolume to detach, and the refusal changes nothing', async () => {
    const iam = new Iam();
    iam.putPrincipalPolicy({ PrincipalArn: ALICE.principal, PolicyName: 'attach', PolicyDocument: JSON.stringify({ Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['ec2:AttachVolume', 'kms:CreateGrant'], Resource: '*' }] }) });
    const { kms, ec2 } = setup(iam);
    const { KeyMetadata: key } = await kms.createKey();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: key.KeyId });
    const volume = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE }, ALICE);
    await rejectsWith(ec2.detachVolume({ VolumeId }, ALICE), 'UnauthorizedOperation', `${ALICE.principal} is not authorized to perform ec2:DetachVolume on ${volumeArn(VolumeId)}`);
    await volume.write(0, Buffer.from('x'));
    expect((await kms.listGrants({ KeyId: key.KeyId })).Grants).toHaveLength(1);
  });

  it('closing the store ends every attachment it holds: handles stop, grants are retired', async () => {
    const { kms, ec2 } = setup();
    const { KeyMetadata: key } = await kms.createKey();
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: key.KeyId });
    const { VolumeId: plain } = await ec2.createVolume({ Size: 1 });
    const handles = [await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE }), await ec2.attachVolume({ VolumeId, InstanceId: OTHER_INSTANCE }),
      await ec2.attachVolume({ VolumeId: plain, InstanceId: INSTANCE })];
    await ec2.close();
    for (const handle of handles) await rejectsWith(handle.read(0, 1), 'IncorrectState');
    expect((await kms.listGrants({ KeyId: key.KeyId })).Grants).toEqual([]);
  });
});
