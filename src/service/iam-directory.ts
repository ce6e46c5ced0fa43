// IAM users, their access keys and inline policies, and the root access key: the service's
// identities, kept in an IamStore — a sealed file in DIR (file-iam-store.ts), or PostgreSQL tables
// that several servers share (postgres-iam-store.ts). Every change is stored before it is
// acknowledged, and user policies are handed to the library's Iam, which the KMS consults for
// identity policies, whenever the store's state changes (this server's change or, on a shared
// store, another server's, seen at the catch-up each request starts with). Errors are IAM's (IAM
// API Reference: NoSuchEntity 404, EntityAlreadyExists 409, DeleteConflict 409, LimitExceeded 409,
// MalformedPolicyDocument 400, ValidationError 400).

import { systemClock, type Clock } from '../core/clock.js';
import { MalformedPolicyError, parsePolicy, rootArn, type Iam } from '../policy/index.js';
import { newAccessKey, newUserId, type AccessKeyPair } from './access-key-generator.js';
import { ServiceError } from './service-error.js';

export interface UserRecord {
  userName: string;
  userId: string;
  path: string;
  arn: string;
  createDate: string;
  /** Inline policies by name, as JSON text. */
  policies: Record<string, string>;
}

export interface AccessKeyRecord extends AccessKeyPair {
  userName: string;
  status: 'Active' | 'Inactive';
  createDate: string;
}

export interface IamState {
  /** The account the directory was first started for: users' ARNs name it. */
  account: string;
  root: AccessKeyPair;
  users: UserRecord[];
  accessKeys: AccessKeyRecord[];
}

/**
 * Where the identities are kept. `state` is never changed in place: a change or a catch-up replaces
 * it with a new object, so a reader holding one sees one consistent state.
 */
export interface IamStore {
  /** The identities as of the last catch-up or change. */
  readonly state: IamState;
  /** Catches up with the changes other servers sharing the store made (a store no other server writes: nothing to do). */
  refresh(): Promise<void>;
  /**
   * Runs `mutate` on a copy of the current state (on a shared store, caught up under its write lock,
   * so a check in it holds when the change is made), stores that copy, and only then makes it
   * `state`; if `mutate` throws or the write fails, nothing changes.
   */
  change<T>(mutate: (state: IamState) => T): Promise<T>;
  close(): Promise<void>;
}

/** Who an access key belongs to: the principal the request is made as. */
export interface Identity {
  arn: string;
  /** STS GetCallerIdentity's UserId: the account id for the root, the user's id for a user. */
  userId: string;
}

/** IAM's limit of access keys per user (IAM User Guide, "IAM and AWS STS quotas"). */
const ACCESS_KEYS_PER_USER = 2;
const USER_NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const PATH = /^\/(?:[\x21-\x7e]{0,510}\/)?$/;

const noSuchEntity = (what: string) => new ServiceError('NoSuchEntity', 404, what);
const validationError = (message: string) => new ServiceError('ValidationError', 400, message);

export class IamDirectory {
  /** The state whose user policies `iam` holds. */
  private synced: IamState;
  private readonly account: string;

  /** The identities `store` holds, whose user policies go to `iam`. `clock`: where CreateDate comes from. */
  constructor(private readonly store: IamStore, private readonly iam: Iam, private readonly clock: Clock = systemClock) {
    this.account = store.state.account;
    this.synced = { ...store.state, users: [] };
    this.syncPolicies();
  }

  private get state(): IamState {
    return this.store.state;
  }

  /** Catches up with other servers' changes (a shared store), before a request is authenticated and served. */
  async refresh(): Promise<void> {
    await this.store.refresh();
    this.syncPolicies();
  }

  /** The secret and identity of an active access key, or undefined for a key we do not know. */
  credentialsFor(accessKeyId: string): { secretAccessKey: string; identity: Identity } | undefined {
    if (accessKeyId === this.state.root.accessKeyId) {
      return { secretAccessKey: this.state.root.secretAccessKey, identity: { arn: rootArn(this.account), userId: this.account } };
    }
    const key = this.state.accessKeys.find((k) => k.accessKeyId === accessKeyId && k.status === 'Active');
    const user = key && this.state.users.find((u) => u.userName === key.userName);
    return key && user && { secretAccessKey: key.secretAccessKey, identity: { arn: user.arn, userId: user.userId } };
  }

  getUser(userName: string): UserRecord {
    const user = this.state.users.find((u) => u.userName === checkUserName(userName));
    if (!user) throw noSuchEntity(`The user with name ${userName} cannot be found.`);
    return structuredClone(user);
  }

  listUsers(): UserRecord[] {
    return structuredClone(this.state.users);
  }

  createUser(userName: string, path = '/'): Promise<UserRecord> {
    return this.change((state) => {
      checkUserName(userName);
      if (!PATH.test(path)) throw validationError('Path: expected "/" or "/" followed by text ending in "/"');
      if (state.users.some((u) => u.userName.toLowerCase() === userName.toLowerCase())) {
        throw new ServiceError('EntityAlreadyExists', 409, `User with name ${userName} already exists.`);
      }
      const user: UserRecord = {
        userName, userId: newUserId(), path, arn: `arn:aws:iam::${this.account}:user${path}${userName}`,
        createDate: this.clock.now().toISOString(), policies: {},
      };
      state.users.push(user);
      return structuredClone(user);
    });
  }

  /** As IAM: a user with access keys or inline policies cannot be deleted (DeleteConflict). */
  deleteUser(userName: string): Promise<void> {
    return this.change((state) => {
      const user = this.findUser(state, userName);
      if (state.accessKeys.some((k) => k.userName === user.userName) || Object.keys(user.policies).length > 0) {
        throw new ServiceError('DeleteConflict', 409, 'Cannot delete entity, must delete access keys and policies first.');
      }
      state.users = state.users.filter((u) => u !== user);
    });
  }

  createAccessKey(userName: string): Promise<AccessKeyRecord> {
    return this.change((state) => {
      const user = this.findUser(state, userName);
      if (state.accessKeys.filter((k) => k.userName === user.userName).length >= ACCESS_KEYS_PER_USER) {
        throw new ServiceError('LimitExceeded', 409, `Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`);
      }
      const key: AccessKeyRecord = { ...newAccessKey(), userName: user.userName, status: 'Active', createDate: this.clock.now().toISOString() };
      state.accessKeys.push(key);
      return { ...key };
    });
  }

  /** The user's access keys, without their secrets. */
  listAccessKeys(userName: string): Array<Omit<AccessKeyRecord, 'secretAccessKey'>> {
    const user = this.getUser(userName);
    return this.state.accessKeys.filter((k) => k.userName === user.userName)
      .map(({ accessKeyId, userName: name, status, createDate }) => ({ accessKeyId, userName: name, status, createDate }));
  }

  deleteAccessKey(userName: string, accessKeyId: string): Promise<void> {
    return this.change((state) => {
      const user = this.findUser(state, userName);
      const key = state.accessKeys.find((k) => k.accessKeyId === accessKeyId && k.userName === user.userName);
      if (!key) throw noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);
      state.accessKeys = state.accessKeys.filter((k) => k !== key);
    });
  }

  putUserPolicy(userName: string, policyName: string, document: string): Promise<void> {
    return this.change((state) => {
      const user = this.findUser(state, userName);
      if (typeof policyName !== 'string' || !POLICY_NAME.test(policyName)) throw validationError('PolicyName: expected 1-128 letters, digits or +=,.@_-');
      try {
        parsePolicy(document, false);
      } catch (error) {
        if (error instanceof MalformedPolicyError) throw new ServiceError('MalformedPolicyDocument', 400, error.message);
        throw error;
      }
      // Defined, not assigned: `user.policies.__proto__ = document` would be dropped (a valid IAM policy name).
      Object.defineProperty(user.policies, policyName, { value: document, enumerable: true, writable: true, configurable: true });
    });
  }

  getUserPolicy(userName: string, policyName: string): string {
    const { policies } = this.getUser(userName);
    const document = Object.hasOwn(policies, policyName) ? policies[policyName] : undefined; // not an inherited member such as `constructor`
    if (document === undefined) throw noSuchEntity(`The user policy with name ${policyName} cannot be found.`);
    return document;
  }

  deleteUserPolicy(userName: string, policyName: string): Promise<void> {
    return this.change((state) => {
      const user = this.findUser(state, userName);
      if (!Object.hasOwn(user.policies, policyName)) throw noSuchEntity(`The user policy with name ${policyName} cannot be found.`);
      delete user.policies[policyName];
    });
  }

  listUserPolicies(userName: string): string[] {
    return Object.keys(this.getUser(userName).policies);
  }

  private findUser(state: IamState, userName: string): UserRecord {
    const user = state.users.find((u) => u.userName === checkUserName(userName));
    if (!user) throw noSuchEntity(`The user with name ${userName} cannot be found.`);
    return user;
  }

  /** A change made by the store (on a copy, stored, then current), whose policies then go to `iam`. */
  private async change<T>(mutate: (state: IamState) => T): Promise<T> {
    try {
      return await this.store.change(mutate);
    } finally {
      this.syncPolicies(); // a shared store may have caught up even if the change failed
    }
  }

  /** Gives `iam` the user policies the store's state holds, where they differ from those it was last given. */
  private syncPolicies(): void {
    const next = this.state;
    if (next === this.synced) return;
    const before = new Map(this.synced.users.map((u) => [u.arn, u.policies]));
    const after = new Map(next.users.map((u) => [u.arn, u.policies]));
    for (const [arn, policies] of before) {
      for (const name of Object.keys(policies)) if (!Object.hasOwn(after.get(arn) ?? {}, name)) this.iam.deletePrincipalPolicy({ PrincipalArn: arn, PolicyName: name });
    }
    for (const [arn, policies] of after) {
      for (const [name, document] of Object.entries(policies)) {
        const previous = before.get(arn);
        if (!previous || !Object.hasOwn(previous, name) || previous[name] !== document) this.iam.putPrincipalPolicy({ PrincipalArn: arn, PolicyName: name, PolicyDocument: document });
      }
    }
    this.synced = next;
  }
}

function checkUserName(userName: unknown): string {
  if (typeof userName !== 'string' || !USER_NAME.test(userName)) throw validationError('UserName: expected 1-64 letters, digits or +=,.@_-');
  return userName;
}
