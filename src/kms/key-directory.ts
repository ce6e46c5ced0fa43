// The KMS's key directory: its keys, aliases and grants as tables in memory, and how a request's key
// identifier (key id, key ARN, alias name, alias ARN) finds a key. Loaded from the KeyStore on the
// first call; calls change it only inside a Transaction (see kms-calls.ts).

import { accountOf, parsePolicy, type Caller, type PolicyDocument } from '../policy/index.js';
import type { GrantRecord } from './grants.js';
import { kmsError } from './kms-errors.js';
import type { AliasRecord, KeyRecord, KeyStore, RecordUpdate, StoreChanges, StoreSnapshot, StoreUpdates } from './key-store.js';
import { RecordTable, type Transaction } from './record-tables.js';
import type { KeyMetadata } from './kms-api-types.js';

export class KeyDirectory {
  readonly keys = new RecordTable<KeyRecord>((k) => k.keyId);
  readonly aliases = new RecordTable<AliasRecord>((a) => a.aliasName, { byKey: (a) => a.targetKeyId });
  readonly grants = new RecordTable<GrantRecord>((g) => g.grantId, { byKey: (g) => g.keyId, byToken: (g) => g.grantToken });
  /** The store's version the tables reflect (shared stores; always 0 for a store with one writer). */
  version = 0;
  private readonly parsedPolicies = new Map<string, PolicyDocument>();

  private constructor(readonly account: string, readonly region: string) {}

  /** The directory as the store holds it. */
  static async load(store: KeyStore, account: string, region: string): Promise<KeyDirectory> {
    const directory = new KeyDirectory(account, region);
    if (store.updatesSince) {
      const updates = await store.updatesSince(0);
      const live = <T>(list: Array<RecordUpdate<T>>) => list.flatMap((u) => (u.record === undefined ? [] : [u.record]));
      directory.keys.load(live(updates.keys));
      directory.aliases.load(live(updates.aliases));
      directory.grants.load(live(updates.grants));
      directory.version = updates.version;
    } else {
      const saved = await store.read();
      directory.keys.load(saved?.keys ?? []);
      directory.aliases.load(saved?.aliases ?? []);
      directory.grants.load(saved?.grants ?? []);
    }
    return directory;
  }

  /**
   * Applies another process's changes: only those newer than what this process holds (its own
   * commits may have overtaken the query). Returns the keys that changed, or undefined if none is newer.
   */
  applyUpdates(updates: StoreUpdates): KeyRecord[] | undefined {
    if (updates.version <= this.version) return undefined;
    if (updates.whole) updates = this.withDeletions(updates);
    const apply = <T extends object>(table: RecordTable<T>, list: Array<RecordUpdate<T>>) => {
      for (const { id, seq, record } of list) if (seq > this.version) table.replace(id, record);
    };
    apply(this.keys, updates.keys);
    apply(this.aliases, updates.aliases);
    apply(this.grants, updates.grants);
    this.version = updates.version;
    return updates.keys.flatMap(({ record }) => (record ? [record] : []));
  }

  /** A whole read's updates, with a deletion (as of its version) for every record held that none of its records names. */
  private withDeletions(updates: StoreUpdates): StoreUpdates {
    const gone = <T extends object>(table: RecordTable<T>, list: Array<RecordUpdate<T>>): Array<RecordUpdate<T>> => {
      const live = new Set(list.filter((u) => u.record !== undefined).map((u) => u.id));
      const deleted = [...table.values()].map(table.idOf).filter((id) => !live.has(id));
      return [...list, ...deleted.map((id) => ({ id, seq: updates.version, record: undefined }))];
    };
    return { version: updates.version, keys: gone(this.keys, updates.keys), aliases: gone(this.aliases, updates.aliases), grants: gone(this.grants, updates.grants) };
  }

  /** What `tx` changed, as the store takes it. */
  changes(tx: Transaction): StoreChanges {
    return { keys: tx.changes(this.keys), aliases: tx.changes(this.aliases), grants: tx.changes(this.grants) };
  }

  snapshot(): StoreSnapshot {
    return { keys: [...this.keys.values()], aliases: [...this.aliases.values()], grants: [...this.grants.values()] };
  }

  keyArn(keyId: string): string {
    return `arn:aws:kms:${this.region}:${this.account}:key/${keyId}`;
  }

  aliasArn(name: string): string {
    return `arn:aws:kms:${this.region}:${this.account}:${name}`;
  }

  keyById(keyId: string): KeyRecord {
    const key = this.keys.get(keyId);
    if (!key) throw kmsError('NotFoundException', `Key ${this.keyArn(keyId)} does not exist`);
    return key;
  }

  findAlias(name: string): AliasRecord {
    const alias = this.aliases.get(name);
    if (!alias) throw kmsError('NotFoundException', `Alias ${this.aliasArn(name)} is not found`);
    return alias;
  }

  aliasNamesOf(keyId: string): string[] {
    return this.aliases.lookup('byKey', keyId).map((a) => a.aliasName);
  }

  grantsOf(keyId: string | undefined): GrantRecord[] {
    return keyId === undefined ? [] : this.grants.lookup('byKey', keyId);
  }

  /** A key by key id, key ARN, alias name or alias ARN. */
  resolveKey(identifier: string): KeyRecord {
    const aliasArnPrefix = `arn:aws:kms:${this.region}:${this.account}:`;
    let name = identifier;
    if (name.startsWith(`${aliasArnPrefix}alias/`)) name = name.slice(aliasArnPrefix.length);
    if (name.startsWith('alias/')) return this.keyById(this.findAlias(name).targetKeyId);
    if (name.startsWith(`${aliasArnPrefix}key/`)) name = name.slice(`${aliasArnPrefix}key/`.length);
    else if (name.startsWith('arn:')) throw kmsError('NotFoundException', `${identifier} is not a key of ${this.account} in ${this.region}`);
    return this.keyById(name);
  }

  /**
   * The key a request names, and the alias it named it by (kms:RequestAlias). A principal of another
   * account must name a key by its key ARN or alias ARN: a key id or alias name would be looked up
   * in its own account, as in AWS.
   */
  resolveKeyFor(identifier: string, who: Caller): { key: KeyRecord; requestAlias?: string } {
    const account = accountOf(who.principal);
    if (account !== undefined && account !== this.account && !identifier.startsWith('arn:')) {
      throw kmsError('NotFoundException', `${identifier} is not a key of account ${account}: name another account's key by its ARN`);
    }
    const aliasName = identifier.startsWith('arn:') ? /^arn:aws:kms:[^:]*:\d{12}:(alias\/.+)$/.exec(identifier)?.[1] : identifier;
    return { key: this.resolveKey(identifier), requestAlias: aliasName?.startsWith('alias/') ? aliasName : undefined };
  }

  /** The key's policy, parsed once per distinct policy text. */
  policyOf(key: KeyRecord): PolicyDocument {
    let parsed = this.parsedPolicies.get(key.policy);
    if (!parsed) {
      parsed = parsePolicy(key.policy, true);
      this.parsedPolicies.set(key.policy, parsed);
    }
    return parsed;
  }

  metadata(key: KeyRecord): KeyMetadata {
    return {
      AWSAccountId: this.account, KeyId: key.keyId, Arn: key.arn, CreationDate: new Date(key.creationDate),
      Enabled: key.keyState === 'Enabled', Description: key.description, KeyUsage: key.keyUsage, KeyState: key.keyState,
      DeletionDate: key.deletionDate ? new Date(key.deletionDate) : undefined, Origin: key.origin, KeyManager: key.keyManager,
      KeySpec: 'SYMMETRIC_DEFAULT', CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT', EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
      ExpirationModel: key.importedMaterial?.expirationModel,
      ValidTo: key.importedMaterial?.validTo ? new Date(key.importedMaterial.validTo) : undefined,
    };
  }
}
