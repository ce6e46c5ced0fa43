// IamDirectory (src/service/iam-directory.ts) on a FileIamStore: a change is published only once its write succeeded,
// so a reader never sees a change that a failed write takes back — not while the write is under way,
// not after it failed; and a change whose write succeeds is seen from then on.
import { describe, expect, it } from 'vitest';
import { Iam } from '../../src/policy/index.js';
import { FileIamStore } from '../../src/service/file-iam-store.js';
import { IamDirectory, type IamState } from '../../src/service/iam-directory.js';
import type { SealedStateFile } from '../../src/service/sealed-state-file.js';

const ACCOUNT = '111122223333';
const ROOT = { accessKeyId: 'AKIAROOTROOTROOTROOT', secretAccessKey: 'root-secret' };
/** Lets a started change run up to its pending write. */
const reachWrite = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A state file whose writes wait until released, then succeed or fail as told. */
function gatedFile() {
  const attempted: IamState[] = [];
  const written: IamState[] = [];
  let release: (ok: boolean) => void = () => undefined;
  const file = {
    async write(state: IamState) {
      attempted.push(structuredClone(state));
      const ok = await new Promise<boolean>((resolve) => { release = resolve; });
      if (!ok) throw new Error('ENOSPC: no space left on device');
      written.push(structuredClone(state));
    },
  } as unknown as SealedStateFile<IamState>;
  /** Lets the pending write finish (after the change has reached it). */
  const finish = async (ok: boolean) => {
    await reachWrite();
    release(ok);
  };
  return { file, attempted, written, finish };
}

async function openDirectory() {
  const gate = gatedFile();
  const stored: IamState = { account: ACCOUNT, root: ROOT, users: [], accessKeys: [] };
  const directory = new IamDirectory(new FileIamStore(gate.file, stored), new Iam());
  return { directory, ...gate };
}

describe('IamDirectory changes', () => {
  it('a change whose write fails is never seen: not while the write runs, not after it failed', async () => {
    const { directory, attempted, written, finish } = await openDirectory();
    const creating = directory.createUser('alice');
    await reachWrite();
    expect(attempted.at(-1)!.users.map((u) => u.userName)).toEqual(['alice']); // the write is under way
    expect(directory.listUsers()).toEqual([]);
    expect(() => directory.getUser('alice')).toThrow(expect.objectContaining({ code: 'NoSuchEntity' }));
    await finish(false);
    await expect(creating).rejects.toThrow('ENOSPC');
    expect(directory.listUsers()).toEqual([]);
    expect(written).toEqual([]);
  });

  it('an access key whose write fails never authenticates, even while the write runs', async () => {
    const { directory, attempted, written, finish } = await openDirectory();
    const creatingUser = directory.createUser('bob');
    await finish(true);
    await creatingUser;
    const creatingKey = directory.createAccessKey('bob');
    await reachWrite();
    const [pendingKey] = attempted.at(-1)!.accessKeys; // the key the pending write holds
    expect(pendingKey).toBeDefined();
    expect(directory.credentialsFor(pendingKey!.accessKeyId)).toBeUndefined();
    expect(directory.listAccessKeys('bob')).toEqual([]);
    await finish(false);
    await expect(creatingKey).rejects.toThrow('ENOSPC');
    expect(directory.credentialsFor(pendingKey!.accessKeyId)).toBeUndefined();
    expect(directory.listAccessKeys('bob')).toEqual([]);
    expect(written.map((s) => s.accessKeys)).toEqual([[]]);
  });

  it('a change whose write succeeds is seen once the write is done, and the next change builds on it', async () => {
    const { directory, attempted, written, finish } = await openDirectory();
    const creating = directory.createUser('carol');
    await reachWrite();
    expect(attempted).toHaveLength(1);
    expect(directory.listUsers()).toEqual([]);
    await finish(true);
    const user = await creating;
    expect(directory.getUser('carol')).toEqual(user);
    const keyCreating = directory.createAccessKey('carol');
    await finish(true);
    const key = await keyCreating;
    expect(directory.credentialsFor(key.accessKeyId)).toMatchObject({ secretAccessKey: key.secretAccessKey, identity: { arn: user.arn } });
    expect(written.map((s) => [s.users.length, s.accessKeys.length])).toEqual([[1, 0], [1, 1]]);
  });

  // IAM policy names are [\w+=,.@-]+ (IAM API Reference, PutUserPolicy): `__proto__`, `constructor` and
  // `toString` are names like any other, not the plain object's inherited members.
  it('a policy named as an Object member (__proto__, constructor, toString) is stored, read, listed, enforced and deleted like any other', async () => {
    const { directory, finish } = await openDirectory();
    const iam = (directory as unknown as { iam: Iam }).iam;
    const creating = directory.createUser('dave');
    await finish(true);
    const user = await creating;
    const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' }] });
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      expect(() => directory.getUserPolicy('dave', name)).toThrow(expect.objectContaining({ code: 'NoSuchEntity' }));
    }
    const putting = directory.putUserPolicy('dave', '__proto__', document);
    await finish(true);
    await putting;
    expect(directory.getUserPolicy('dave', '__proto__')).toBe(document);
    expect(directory.listUserPolicies('dave')).toEqual(['__proto__']);
    expect(iam.getPrincipalPolicy({ PrincipalArn: user.arn, PolicyName: '__proto__' })).toEqual({ PolicyDocument: document });
    const deleting = directory.deleteUserPolicy('dave', '__proto__');
    await finish(true);
    await deleting;
    expect(directory.listUserPolicies('dave')).toEqual([]);
    expect(iam.getPrincipalPolicy({ PrincipalArn: user.arn, PolicyName: '__proto__' })).toBeUndefined();
  });
});
