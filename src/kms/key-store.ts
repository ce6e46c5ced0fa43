// What the KMS persists, and where. The KMS reads its state once and keeps it in memory; after a call
// that changed something it hands the store exactly the records that changed. Key material in a
// record is always wrapped under the store's root key.

import type { GrantRecord } from './grants.js';
import type { ImportParameters } from './key-import.js';
import type { KeyState } from './key-states.js';
import type { TableChanges } from './record-tables.js';

/** The MAC before the first audit record. */
export const GENESIS_MAC = '0'.repeat(64);

export interface KeyMaterialVersion {
  version: number;
  createdAt: string;
  /** base64 of IV || AES-256-GCM(root key, material) || tag; see key-material.ts. */
  wrapped: string;
  rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
}

export interface KeyRecord {
  keyId: string;
  arn: string;
  description: string;
  keyUsage: 'ENCRYPT_DECRYPT';
  origin: 'AWS_KMS' | 'EXTERNAL';
  keyManager: 'CUSTOMER' | 'AWS';
  keyState: KeyState;
  creationDate: string;
  deletionDate?: string;
  policy: string;
  tags: Array<{ TagKey: string; TagValue: string }>;
  materials: KeyMaterialVersion[];
  rotation: { enabled: boolean; periodDays: number; nextRotationDate?: string };
  /** EXTERNAL keys: the open import parameters, the material's commitment and its expiry. */
  importParameters?: ImportParameters;
  importedMaterial?: { commitment: string; expirationModel: 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE'; validTo?: string };
}

export interface AliasRecord {
  aliasName: string;
  targetKeyId: string;
  creationDate: string;
}

export interface AuditRecord {
  eventId: string;
  eventTime: string;
  eventName: string;
  principal: string;
  viaService?: string;
  keyArn?: string;
  encryptionContext?: Record<string, string>;
  grantId?: string;
  errorCode?: string;
  errorMessage?: string;
  /** The record's place in the trail, from 0 (records written before kms-wasm 0.2 have none). */
  sequence?: number;
  /** HMAC-SHA-256 chain: mac = HMAC(auditKey, previousMac || the record's other fields). */
  previousMac: string;
  mac: string;
}

/** Keys, aliases and grants, as a store holds them. */
export interface StoreSnapshot {
  keys: KeyRecord[];
  aliases: AliasRecord[];
  grants: GrantRecord[];
}

/** The records one call changed: put (new or changed) and deleted, by id (keyId, aliasName, grantId). */
export interface StoreChanges {
  keys: TableChanges<KeyRecord>;
  aliases: TableChanges<AliasRecord>;
  grants: TableChanges<GrantRecord>;
}

/** The end of the audit chain: how many records it holds and the last one's MAC (64 zeros for none). */
export interface AuditHead {
  count: number;
  mac: string;
}

/** A record as read from the store, and where the one after it starts (a position to resume reading from). */
export interface StoredAuditRecord {
  record: AuditRecord;
  next: number;
}

/** Where to resume reading the trail: before record `count`, at the `next` that record `count - 1` gave. */
export interface AuditPosition {
  count: number;
  position: number;
}

export interface KeyStore {
  /** The 32-byte key that wraps all key material (and from which the audit MAC key is derived). */
  rootKey(): Promise<Uint8Array>;
  /** Every record, or undefined for a new store: read once, when the KMS starts. */
  read(): Promise<StoreSnapshot | undefined>;
  /**
   * Stores what one call changed, only when it changed something. `state` gives every record after
   * the change, for a store that writes whole snapshots; a store of separate records ignores it.
   */
  write(changes: StoreChanges, state: () => StoreSnapshot): Promise<void>;
  /** The audit chain's end, without reading the whole trail. */
  auditHead(): Promise<AuditHead>;
  /**
   * The audit trail, oldest first, from a position (the default: from the start), read as it is
   * consumed so that memory stays flat however long the trail.
   */
  readAudit(from?: AuditPosition): AsyncIterable<StoredAuditRecord>;
  /** Appends records, all durable when it resolves: O(records), however long the trail. */
  appendAudit(records: AuditRecord[]): Promise<void>;
}

/** A store in memory: a random root key, and records kept as JSON so no caller can mutate them. */
export class MemoryKeyStore implements KeyStore {
  private readonly root = crypto.getRandomValues(new Uint8Array(32));
  private readonly tables = { keys: new Map<string, string>(), aliases: new Map<string, string>(), grants: new Map<string, string>() };
  private written = false;
  private readonly auditRecords: string[] = [];

  async rootKey(): Promise<Uint8Array> {
    return this.root;
  }

  async read(): Promise<StoreSnapshot | undefined> {
    if (!this.written) return undefined;
    const parsed = <T>(table: Map<string, string>) => [...table.values()].map((json) => JSON.parse(json) as T);
    return { keys: parsed(this.tables.keys), aliases: parsed(this.tables.aliases), grants: parsed(this.tables.grants) };
  }

  async write(changes: StoreChanges): Promise<void> {
    const apply = <T>(table: Map<string, string>, { put, deleted }: TableChanges<T>, idOf: (record: T) => string) => {
      for (const id of deleted) table.delete(id);
      for (const record of put) table.set(idOf(record), JSON.stringify(record));
    };
    apply(this.tables.keys, changes.keys, (k) => k.keyId);
    apply(this.tables.aliases, changes.aliases, (a) => a.aliasName);
    apply(this.tables.grants, changes.grants, (g) => g.grantId);
    this.written = true;
  }

  async auditHead(): Promise<AuditHead> {
    const last = this.auditRecords.at(-1);
    return { count: this.auditRecords.length, mac: last === undefined ? GENESIS_MAC : (JSON.parse(last) as AuditRecord).mac };
  }

  async *readAudit(from: AuditPosition = { count: 0, position: 0 }): AsyncIterable<StoredAuditRecord> {
    for (let i = from.position; i < this.auditRecords.length; i++) yield { record: JSON.parse(this.auditRecords[i]!) as AuditRecord, next: i + 1 };
  }

  async appendAudit(records: AuditRecord[]): Promise<void> {
    for (const record of records) this.auditRecords.push(JSON.stringify(record));
  }
}
