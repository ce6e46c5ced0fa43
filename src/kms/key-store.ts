// What the KMS persists, and where. The KMS keeps its state in memory as tables of records; each call
// is recorded in one step (commit): its audit record and, if it changed something, exactly the
// records that changed, atomically, so that no change is ever durable without its audit record. A
// store that several processes share (PostgreSQL) also tells the KMS what the others changed
// (updatesSince) and has a call that raced another process's change run again under its lock (redo).
// Key material in a record is always wrapped under the store's root key.

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
/** What a call records; the trail adds the id, place and MACs (audit-trail.ts). */
export type AuditEvent = Omit<AuditRecord, 'eventId' | 'sequence' | 'previousMac' | 'mac'>;

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

/** One record changed by another process, as of the store's version `seq`: its new content, or undefined once deleted. */
export interface RecordUpdate<T> {
  id: string;
  seq: number;
  record: T | undefined;
}

/** What changed in a shared store after some version, up to `version` (the store's version when read). */
export interface StoreUpdates {
  version: number;
  /**
   * The lists hold every live record (with the records changed after the version asked for): a
   * record the caller holds that they do not name was deleted (a store that prunes tombstones, for
   * a caller older than the last pruned one).
   */
  whole?: boolean;
  keys: Array<RecordUpdate<KeyRecord>>;
  aliases: Array<RecordUpdate<AliasRecord>>;
  grants: Array<RecordUpdate<GrantRecord>>;
}

/** What one call records: its audit event and, if it changed something, its change. */
export interface CallRecord {
  event: AuditEvent;
  change?: {
    changes: StoreChanges;
    /** Every record after the change, for a store that writes whole snapshots; a store of separate records ignores it. */
    state: () => StoreSnapshot;
  };
}

/** A call's state change and its audit event: stored together, or not at all. */
export interface StateChange {
  event: AuditEvent;
  changes: StoreChanges;
  /** Every record after the change, for a store that writes whole snapshots; a store of separate records ignores it. */
  state: () => StoreSnapshot;
  /** The store version the change was computed on (see updatesSince; 0 for a store with one writer). */
  version: number;
  /**
   * For a shared store that finds, under its write lock, that others changed it after `version`:
   * the KMS applies `updates`, decides the call again (core/state-change.ts's redecide) and returns
   * its new event and change (no change if the call now changes nothing; nothing at all if it now
   * records nothing: AWS managed key creation that another process did first). Called at most once
   * per commit, with the lock held, so the second run cannot race anything.
   */
  redo: (updates: StoreUpdates) => Promise<CallRecord | undefined>;
}

export interface KeyStore {
  /** The 32-byte key that wraps all key material (and from which the audit MAC key is derived). */
  rootKey(): Promise<Uint8Array>;
  /** Every record, or undefined for a new store: read when the KMS starts (a store with one writer). */
  read(): Promise<StoreSnapshot | undefined>;
  /**
   * Records calls: one audit record per event, chained (under the key deriveAuditKey(rootKey)) to
   * the trail's head as the store holds it, then, with `change`, that call's state change and its
   * event's record, all in one atomic step: after a crash, all of it is durable or none. Resolves,
   * once durable, to the store's version after the commit (0 for a store with one writer).
   * A store that can pipeline its group commit (FileKeyStore) calls `written` once the records are
   * written but not yet durable: the caller may then start the next commit, which the store chains
   * to these records and makes durable only after them (failing it if they fail). A store that
   * never calls it is given the next commit only once this one has resolved.
   */
  commit(events: AuditEvent[], change?: StateChange, written?: () => void): Promise<number>;
  /**
   * Only in a store whose commit is done as soon as it is made (in memory): commit([event]) done at
   * once, the record durable (as this store's records are) when it returns. The KMS stores a call
   * that changed nothing this way when no commit is under way, so its record still follows every
   * record before it, without a promise and a turn of the event loop per call.
   */
  commitNow?(event: AuditEvent): void;
  /**
   * Only in a store that several processes share: the records changed after `version` (every
   * record, from 0) and the store's version now. The KMS calls it before each call, so a call sees
   * every change committed before it began, wherever it was made.
   */
  updatesSince?(version: number): Promise<StoreUpdates>;
  /** The audit chain's end, without reading the whole trail. */
  auditHead(): Promise<AuditHead>;
  /**
   * The audit trail, oldest first, from a position (the default: from the start), read as it is
   * consumed so that memory stays flat however long the trail.
   */
  readAudit(from?: AuditPosition): AsyncIterable<StoredAuditRecord>;
}
