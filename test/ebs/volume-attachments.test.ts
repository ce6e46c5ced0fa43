// EBS's attach path (volume-attachments.ts, volume-keys.ts) as the KMS sees it: the grant an attach
// makes (who may use it, for what, bound to which volume), who decrypts the volume key and how, what
// a detach retires, and the requests a misuser sends — a malformed instance id, the wrong
// instance, a second attach, a detach without naming the instance of a volume attached twice —
// and the races and crash points of attach and detach: two processes sharing one metadata store (as
// PostgreSQL shares it) attaching or detaching the same pair at once, a KMS failing mid-detach, a
// process dying between its attachment record and its grant.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BlockStore, Iam, KeyManagementService } from '../../src/node.js';
import type { BlockMetadataStore } from '../../src/ebs/block-metadata.js';
import type { BlockChange, FoundAttachment } from '../../src/ebs/block-records.js';
import { MemoryBlockMetadata } from '../../src/ebs/memory-block-metadata.js';
import { KmsError } from '../../src/kms/kms-errors.js';
import { wasm } from '../../src/core/wasm-runtime.js';
import { xts } from '../../src/core/xts.js';
import { ParallelXts } from '../../src/core/parallel.js';
import { movableClock } from '../helpers/movable-clock.js';
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

/** The KMS, keeping each Decrypt request and the plaintext key each returns. */
function recordingDecrypts(kms: KeyManagementService) {
  const requests: unknown[] = [];
  const handedOut: Uint8Array[] = [];
  const recorded = new Proxy(kms, {
    get: (target, name) => {
      const value = Reflect.get(target, name, target);
      if (name !== 'decrypt') return typeof value === 'function' ? value.bind(target) : value;
      return async (request: unknown, ...rest: unknown[]) => {
        requests.push(request);
        const output = await value.call(target, request, ...rest);
        handedOut.push(output.Plaintext);
        return output;
      };
    },
  });
  return { recorded, requests, handedOut };
}

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

  it('the instance decrypts with the grant\'s token, which AWS requires to use a grant before it is eventually consistent', async () => {
    // https://docs.aws.amazon.com/kms/latest/developerguide/grant-tokens.html
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION });
    const { recorded, requests: decrypts } = recordingDecrypts(kms);
    const ec2 = new BlockStore({ kms: recorded });
    const { VolumeId, KmsKeyId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    expect(decrypts).toEqual([expect.objectContaining({ GrantTokens: [expect.any(String)], EncryptionContext: { 'aws:ec2:arn': volumeArn(VolumeId) } })]);
    const [token] = (decrypts[0] as { GrantTokens: string[] }).GrantTokens;
    await kms.retireGrant({ GrantToken: token! }, { principal: instancePrincipal(INSTANCE) }); // the token is the instance's grant's
    expect((await kms.listGrants({ KeyId: KmsKeyId! })).Grants).toEqual([]);
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

/** The keys an attachment's ciphers hold: the XTS cipher's WASM slot and the worker pool's copy of the key. */
function cipherKeys(handle: unknown) {
  const { single, pool } = (handle as { ciphers: { single: { ctx: number }; pool: { key: Uint8Array } } }).ciphers;
  return { schedule: () => wasm().bytes().subarray(single.ctx, single.ctx + wasm().core.contextBytes()), poolKey: pool.key };
}
const allZero = (bytes: Uint8Array) => bytes.every((b) => b === 0);
/** The WASM context slot the next cipher will take (a released slot is zeroed; one holding a key schedule is not). */
function nextSlot() {
  const probe = xts(crypto.getRandomValues(new Uint8Array(64)));
  const slot = (probe as unknown as { ctx: number }).ctx;
  probe.dispose();
  return () => wasm().bytes().subarray(slot, slot + wasm().core.contextBytes());
}

describe('an attachment\'s volume key', () => {
  it('is zeroed as KMS returned it once the ciphers hold it; a detach and a close zero the ciphers\' keys', async () => {
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION });
    const { recorded, handedOut } = recordingDecrypts(kms);
    const ec2 = new BlockStore({ kms: recorded });
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    const handle = await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE });
    expect(handedOut.map((key) => [key.length, allZero(key)])).toEqual([[64, true]]);
    await handle.write(0, Buffer.from('keyed'));
    const first = cipherKeys(handle);
    expect([allZero(first.schedule()), allZero(first.poolKey)]).toEqual([false, false]);
    await ec2.detachVolume({ VolumeId });
    expect([allZero(first.schedule()), allZero(first.poolKey)]).toEqual([true, true]);
    const second = cipherKeys(await ec2.attachVolume({ VolumeId, InstanceId: OTHER_INSTANCE }));
    await ec2.close();
    expect([allZero(second.schedule()), allZero(second.poolKey)]).toEqual([true, true]);
  });

  it('an attach that fails once its ciphers exist zeroes their keys (the XTS key schedule, the pool\'s copy)', async () => {
    const dir = tempDir();
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION });
    const ec2 = new BlockStore({ kms, dir });
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true });
    await (await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE })).write(0, Buffer.from('warm')); // the KMS key's material is prepared now
    await ec2.detachVolume({ VolumeId });
    rmSync(join(dir, 'sectors'), { recursive: true, force: true });
    writeFileSync(join(dir, 'sectors'), 'in the way'); // the sector store cannot open
    const schedule = nextSlot();
    const poolsDisposed = vi.spyOn(ParallelXts.prototype, 'dispose');
    try {
      await expect(ec2.attachVolume({ VolumeId, InstanceId: INSTANCE })).rejects.toThrow();
      expect(allZero(schedule())).toBe(true);
      expect(poolsDisposed.mock.contexts.map((pool) => allZero((pool as unknown as { key: Uint8Array }).key))).toEqual([true]);
    } finally {
      poolsDisposed.mockRestore();
    }
    await ec2.close();
  });
});

describe('volume keys', () => {
  it('an unencrypted snapshot copied as encrypted: its sectors are encrypted under a fresh key whose XTS key schedule is zeroed once the copy is made', async () => {
    const { ec2 } = setup();
    const { VolumeId } = await ec2.createVolume({ Size: 1 });
    await (await ec2.attachVolume({ VolumeId, InstanceId: INSTANCE })).write(5000, Buffer.from('was plain'));
    const { SnapshotId } = await ec2.createSnapshot({ VolumeId });
    await ec2.copySnapshot({ SourceSnapshotId: SnapshotId, Encrypted: true }); // the KMS key's material is prepared (and kept) now, not below
    const schedule = nextSlot();
    const { SnapshotId: copyId } = await ec2.copySnapshot({ SourceSnapshotId: SnapshotId, Encrypted: true });
    expect(allZero(schedule())).toBe(true);
    const copy = await ec2.createVolume({ SnapshotId: copyId });
    expect(copy.Encrypted).toBe(true);
    expect(Buffer.from(await (await ec2.attachVolume({ VolumeId: copy.VolumeId, InstanceId: OTHER_INSTANCE })).read(5000, 9)).toString()).toBe('was plain');
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

/**
 * One process's view of a metadata store that several processes share (as a PostgreSQL store is
 * shared): the same state and sectors for all. The test can hold this process's next change before it
 * decides (so two processes' calls interleave where the test says), and names the orphans it reports
 * (attachments of a process the test declares dead).
 */
class SharedStoreView implements BlockMetadataStore {
  readonly name = 'shared in memory';
  orphans: FoundAttachment[] = [];
  private held: { reached: () => void; release: Promise<void> } | undefined;
  constructor(private readonly shared: MemoryBlockMetadata) {}
  get state() { return this.shared.state; }
  get sectors() { return this.shared.sectors; }
  load() { return this.shared.load(); }
  /** Holds this process's next change; resolves, once the change is waiting, with what lets it go on. */
  holdNextChange(): Promise<() => void> {
    let release!: () => void;
    return new Promise((reached) => {
      this.held = { reached: () => reached(release), release: new Promise<void>((go) => { release = go; }) };
    });
  }
  async change(decide: () => BlockChange | undefined): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (held) {
      held.reached();
      await held.release;
    }
    return this.shared.change(decide);
  }
  async orphanedAttachments(): Promise<FoundAttachment[]> {
    const found = this.orphans;
    this.orphans = [];
    return found;
  }
  async close(): Promise<void> {}
}

/** A KMS whose next call of a given operation the test holds (before it reaches the KMS) or fails. */
function controlledKms(kms: KeyManagementService) {
  const plans = new Map<string, (call: () => Promise<unknown>) => Promise<unknown>>();
  const proxy = new Proxy(kms, {
    get: (target, name) => {
      const value = Reflect.get(target, name, target);
      const plan = typeof name === 'string' ? plans.get(name) : undefined;
      if (typeof value !== 'function' || !plan) return typeof value === 'function' ? value.bind(target) : value;
      plans.delete(name as string);
      return (...args: unknown[]) => plan(() => value.apply(target, args));
    },
  });
  return {
    kms: proxy,
    /** The next `operation` waits before reaching the KMS; `reached` resolves when it does, `release` lets it go on. */
    hold(operation: string) {
      let reached!: () => void;
      let release!: () => void;
      const waiting = new Promise<void>((resolve) => { reached = resolve; });
      const go = new Promise<void>((resolve) => { release = resolve; });
      plans.set(operation, async (call) => { reached(); await go; return call(); });
      return { reached: waiting, release };
    },
    /** The next `operation` reaches the KMS, and then its caller's process dies: it never returns. */
    dieAfter(operation: string) {
      let reached!: () => void;
      const done = new Promise<void>((resolve) => { reached = resolve; });
      plans.set(operation, async (call) => { await call(); reached(); return new Promise(() => {}); });
      return done;
    },
    /** The next `operation` fails with `error` without reaching the KMS. */
    fail(operation: string, error: Error) {
      plans.set(operation, async () => { throw error; });
    },
  };
}

/** Two processes (BlockStores) over one shared metadata store and one KMS; the first's KMS calls can be held or failed. */
async function twoProcesses() {
  const clock = movableClock('2031-05-01T00:00:00.000Z');
  const kms = new KeyManagementService({ account: ACCOUNT, region: REGION, clock });
  const control = controlledKms(kms);
  const shared = new MemoryBlockMetadata();
  const views = [new SharedStoreView(shared), new SharedStoreView(shared)] as const;
  const a = new BlockStore({ kms: control.kms, store: views[0], clock });
  const b = new BlockStore({ kms, store: views[1], clock });
  const { KeyMetadata: key } = await kms.createKey();
  const { VolumeId } = await a.createVolume({ Size: 1, Encrypted: true, KmsKeyId: key.KeyId });
  const grants = async () => (await kms.listGrants({ KeyId: key.KeyId })).Grants;
  /** The volume's attachment records (attached and retiring), as a process that dies leaves them for the next opener. */
  const records = (): FoundAttachment[] => [
    ...shared.state.volumes.flatMap((v) => v.attachments.map((attachment) => ({ ...attachment, VolumeId: v.VolumeId }))),
    ...(shared.state.retiring ?? []).map((attachment) => ({ ...attachment, retiring: true as const })),
  ];
  const attachedTo = async () => (await b.describeVolumes({ VolumeIds: [VolumeId] })).Volumes[0]!.Attachments.map((x) => [x.InstanceId, x.AttachTime.toISOString()]);
  return { clock, kms, control, views, a, b, key, VolumeId, grants, records, attachedTo };
}

describe('attach and detach racing, and the crash points between their steps', () => {
  it('two processes attach one volume to one instance at once: the one recorded first attaches, the other is refused, one grant', async () => {
    const { control, a, b, VolumeId, grants } = await twoProcesses();
    const grant = control.hold('createGrant');
    const first = a.attachVolume({ VolumeId, InstanceId: INSTANCE });
    await grant.reached; // a has recorded its attachment and is making the instance's grant
    await rejectsWith(b.attachVolume({ VolumeId, InstanceId: INSTANCE }), 'VolumeInUse', `${VolumeId} is already attached to ${INSTANCE}`);
    grant.release();
    await (await first).write(0, Buffer.from('first'));
    expect((await grants()).map((g) => g.GranteePrincipal)).toEqual([instancePrincipal(INSTANCE)]);
  });

  it('an attach of a pair another process is detaching is refused until its grant is retired (CreateGrant by the same Name would return the grant being retired)', async () => {
    const { control, a, b, VolumeId, grants } = await twoProcesses();
    await a.attachVolume({ VolumeId, InstanceId: INSTANCE });
    const retire = control.hold('retireGrant');
    const detaching = a.detachVolume({ VolumeId, InstanceId: INSTANCE });
    await retire.reached; // recorded as retiring; the grant still exists
    expect(await grants()).toHaveLength(1);
    await rejectsWith(b.attachVolume({ VolumeId, InstanceId: INSTANCE }), 'VolumeInUse', `${VolumeId} is being detached from ${INSTANCE}`);
    await (await b.attachVolume({ VolumeId, InstanceId: OTHER_INSTANCE })).write(0, Buffer.from('another instance may attach meanwhile'));
    retire.release();
    expect(await detaching).toEqual({ VolumeId, InstanceId: INSTANCE, State: 'detached' });
    const again = await b.attachVolume({ VolumeId, InstanceId: INSTANCE });
    expect(Buffer.from(await again.read(0, 7)).toString()).toBe('another');
    expect((await grants()).map((g) => g.GranteePrincipal).sort()).toEqual([instancePrincipal(INSTANCE), instancePrincipal(OTHER_INSTANCE)].sort());
  });

  it('two processes detach one attachment at once: one detaches it, the other is told it is not attached (checked again on current state)', async () => {
    const { views, a, b, VolumeId, grants } = await twoProcesses();
    await a.attachVolume({ VolumeId, InstanceId: INSTANCE });
    const holds = [views[0].holdNextChange(), views[1].holdNextChange()];
    const detaches = [a.detachVolume({ VolumeId, InstanceId: INSTANCE }), b.detachVolume({ VolumeId, InstanceId: INSTANCE })];
    const [releaseA, releaseB] = await Promise.all(holds); // both have found the attachment and wait to record its detachment
    releaseA!();
    expect(await detaches[0]).toEqual({ VolumeId, InstanceId: INSTANCE, State: 'detached' });
    releaseB!();
    await rejectsWith(detaches[1]!, 'InvalidAttachment.NotFound', `${VolumeId} is not attached to ${INSTANCE}`);
    expect(await grants()).toEqual([]);
  });

  it('a detach that found an attachment since replaced (detached and attached anew by another process) leaves the new one attached', async () => {
    const { clock, views, a, b, VolumeId, grants, attachedTo } = await twoProcesses();
    await a.attachVolume({ VolumeId, InstanceId: INSTANCE });
    const hold = views[0].holdNextChange();
    const stale = a.detachVolume({ VolumeId, InstanceId: INSTANCE });
    const release = await hold;
    await b.detachVolume({ VolumeId, InstanceId: INSTANCE });
    clock.set('2031-05-02T00:00:00.000Z');
    const fresh = await b.attachVolume({ VolumeId, InstanceId: INSTANCE });
    release();
    await rejectsWith(stale, 'InvalidAttachment.NotFound', `${VolumeId} is not attached to ${INSTANCE}`);
    expect(await attachedTo()).toEqual([[INSTANCE, '2031-05-02T00:00:00.000Z']]);
    await fresh.write(0, Buffer.from('still attached'));
    expect(await grants()).toHaveLength(1);
  });

  it('an orphan reported after it was ended and its pair attached anew is not dropped: the new attachment stays recorded', async () => {
    const { clock, views, a, b, VolumeId, records, attachedTo, grants } = await twoProcesses();
    await a.attachVolume({ VolumeId, InstanceId: INSTANCE });
    const [orphan] = records();
    await a.detachVolume({ VolumeId, InstanceId: INSTANCE });
    clock.set('2031-05-02T00:00:00.000Z');
    await a.attachVolume({ VolumeId, InstanceId: INSTANCE });
    views[1].orphans = [orphan!]; // b learnt of the first attachment as orphaned before it was ended
    const { VolumeId: other } = await b.createVolume({ Size: 1 });
    await b.attachVolume({ VolumeId: other, InstanceId: OTHER_INSTANCE }); // an attach ends the orphans first: its grant is gone already
    expect(await attachedTo()).toEqual([[INSTANCE, '2031-05-02T00:00:00.000Z']]);
    expect(await grants()).toHaveLength(1);
    expect(await a.detachVolume({ VolumeId, InstanceId: INSTANCE })).toEqual({ VolumeId, InstanceId: INSTANCE, State: 'detached' });
  });

  it('ending a stale orphan of a pair this process has attached anew leaves this process\'s handle working', async () => {
    const { clock, views, a, VolumeId, records, grants } = await twoProcesses();
    await a.attachVolume({ VolumeId, InstanceId: INSTANCE });
    const [orphan] = records();
    await a.detachVolume({ VolumeId, InstanceId: INSTANCE });
    clock.set('2031-05-02T00:00:00.000Z');
    const handle = await a.attachVolume({ VolumeId, InstanceId: INSTANCE });
    views[0].orphans = [orphan!];
    const { VolumeId: other } = await a.createVolume({ Size: 1 });
    await a.attachVolume({ VolumeId: other, InstanceId: OTHER_INSTANCE }); // ends the (stale) orphan first
    await handle.write(0, Buffer.from('still mine'));
    expect(Buffer.from(await handle.read(0, 10)).toString()).toBe('still mine');
    expect(await grants()).toHaveLength(1);
  });

  it('a detach whose RetireGrant fails (a KMS outage) fails and keeps the grant recorded as retiring: the pair is not attachable until the next opener retires it', async () => {
    const { control, views, a, b, VolumeId, grants, records } = await twoProcesses();
    const handle = await a.attachVolume({ VolumeId, InstanceId: INSTANCE });
    control.fail('retireGrant', new KmsError('KMSInternalException', 'the KMS is down'));
    await rejectsWith(a.detachVolume({ VolumeId, InstanceId: INSTANCE }), 'KMSInternalException', 'the KMS is down');
    await rejectsWith(handle.read(0, 1), 'IncorrectState'); // the key is gone from this process
    expect(await grants()).toHaveLength(1); // the instance may still decrypt the volume key: it must not be forgotten
    expect(records()).toEqual([expect.objectContaining({ VolumeId, InstanceId: INSTANCE, retiring: true, grantToken: expect.any(String) })]);
    await rejectsWith(a.attachVolume({ VolumeId, InstanceId: INSTANCE }), 'VolumeInUse', `${VolumeId} is being detached from ${INSTANCE}`);
    views[1].orphans = records(); // a has died: b, opening next, finds its records orphaned
    await (await b.attachVolume({ VolumeId, InstanceId: INSTANCE })).write(0, Buffer.from('attached again'));
    expect((await grants()).map((g) => g.GranteePrincipal)).toEqual([instancePrincipal(INSTANCE)]);
    expect(records()).toEqual([expect.objectContaining({ InstanceId: INSTANCE, grantToken: expect.any(String) })]);
  });

  it('only a retiring record of the same volume and instance blocks an attach: another instance\'s or another volume\'s does not', async () => {
    const { control, a, kms, VolumeId } = await twoProcesses();
    const { VolumeId: otherVolume } = await a.createVolume({ Size: 1, Encrypted: true, KmsKeyId: (await kms.createKey()).KeyMetadata.KeyId });
    const down = () => control.fail('retireGrant', new KmsError('KMSInternalException', 'the KMS is down'));
    for (const [volume, instance] of [[VolumeId, OTHER_INSTANCE], [otherVolume, INSTANCE]] as const) {
      await a.attachVolume({ VolumeId: volume, InstanceId: instance });
      down();
      await rejectsWith(a.detachVolume({ VolumeId: volume, InstanceId: instance }), 'KMSInternalException');
    }
    await a.attachVolume({ VolumeId, InstanceId: INSTANCE }); // the same volume, the same instance: neither retiring record is this pair's
    down();
    await rejectsWith(a.detachVolume({ VolumeId, InstanceId: INSTANCE }), 'KMSInternalException');
    await rejectsWith(a.attachVolume({ VolumeId, InstanceId: INSTANCE }), 'VolumeInUse', `${VolumeId} is being detached from ${INSTANCE}`); // one of three retiring records
  });

  it('closing a process ends its attachments even when another process detached them meanwhile: the handle stops, its keys are zeroed', async () => {
    const { a, b, VolumeId, grants } = await twoProcesses();
    const handle = await a.attachVolume({ VolumeId, InstanceId: INSTANCE });
    await handle.write(0, Buffer.from('before'));
    const keys = cipherKeys(handle);
    expect(await b.detachVolume({ VolumeId, InstanceId: INSTANCE })).toEqual({ VolumeId, InstanceId: INSTANCE, State: 'detached' });
    expect(await grants()).toEqual([]);
    await a.close();
    await rejectsWith(handle.read(0, 6), 'IncorrectState');
    expect([allZero(keys.schedule()), allZero(keys.poolKey)]).toEqual([true, true]);
  });

  it('closing a process leaves alone an attachment of the same pair another process made after detaching the process\'s own', async () => {
    const { clock, a, b, VolumeId, grants, attachedTo } = await twoProcesses();
    await a.attachVolume({ VolumeId, InstanceId: INSTANCE });
    await b.detachVolume({ VolumeId, InstanceId: INSTANCE });
    clock.set('2031-05-02T00:00:00.000Z');
    const theirs = await b.attachVolume({ VolumeId, InstanceId: INSTANCE });
    await a.close();
    expect(await attachedTo()).toEqual([[INSTANCE, '2031-05-02T00:00:00.000Z']]);
    expect((await grants()).map((g) => g.GranteePrincipal)).toEqual([instancePrincipal(INSTANCE)]);
    await theirs.write(0, Buffer.from('still theirs'));
  });

  it('a process that dies between recording its attachment and CreateGrant: the next opener makes the grant by its Name and retires it', async () => {
    const { control, views, a, b, VolumeId, grants, records } = await twoProcesses();
    const grant = control.hold('createGrant');
    void a.attachVolume({ VolumeId, InstanceId: INSTANCE });
    await grant.reached; // and a dies here: its record names no grant
    expect(records()).toEqual([expect.not.objectContaining({ grantToken: expect.anything() })]);
    views[1].orphans = records();
    await (await b.attachVolume({ VolumeId, InstanceId: INSTANCE })).write(0, Buffer.from('reattached'));
    expect((await grants()).map((g) => g.GranteePrincipal)).toEqual([instancePrincipal(INSTANCE)]);
  });

  it('a process that dies after CreateGrant, before saving its token, on a volume not the first: the next opener retires the grant of that volume\'s key', async () => {
    const { control, views, a, b, kms, records } = await twoProcesses();
    const { KeyMetadata: otherKey } = await kms.createKey();
    const { VolumeId: second } = await a.createVolume({ Size: 1, Encrypted: true, KmsKeyId: otherKey.KeyId });
    const granted = control.dieAfter('createGrant');
    void a.attachVolume({ VolumeId: second, InstanceId: INSTANCE });
    await granted;
    expect((await kms.listGrants({ KeyId: otherKey.KeyId })).Grants).toHaveLength(1);
    expect(records()).toEqual([expect.objectContaining({ VolumeId: second, attachedBy: expect.any(String) })]);
    expect(records()[0]!.grantToken).toBeUndefined();
    views[1].orphans = records();
    const { VolumeId: plain } = await b.createVolume({ Size: 1 });
    await b.attachVolume({ VolumeId: plain, InstanceId: OTHER_INSTANCE });
    expect((await kms.listGrants({ KeyId: otherKey.KeyId })).Grants).toEqual([]);
  });

  it('an orphan whose key was deleted meanwhile is dropped (the grant went with the key), and the attach that found it goes on', async () => {
    const { clock, control, views, a, b, kms, key, VolumeId, records, attachedTo } = await twoProcesses();
    const grant = control.hold('createGrant');
    void a.attachVolume({ VolumeId, InstanceId: INSTANCE });
    await grant.reached; // a dies with its attachment recorded, no grant named
    await kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 });
    clock.set('2031-05-09T00:00:00.000Z'); // the key is deleted: CreateGrant now answers NotFoundException
    views[1].orphans = records();
    const { VolumeId: plain } = await b.createVolume({ Size: 1 });
    await (await b.attachVolume({ VolumeId: plain, InstanceId: INSTANCE })).write(0, Buffer.from('goes on'));
    expect(await attachedTo()).toEqual([]);
    expect(records()).toEqual([expect.objectContaining({ VolumeId: plain })]);
  });
});
