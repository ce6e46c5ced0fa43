// What the KMS persists, and where. The KMS keeps its state in memory and writes a whole snapshot
// after every change; key material inside a snapshot is always wrapped under the store's root key.

import type { GrantRecord } from './grants.js';
import type { ImportParameters } from './key-import.js';
import type { KeyState } from './key-states.js';

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
  /** HMAC-SHA-256 chain: mac = HMAC(auditKey, previousMac || the record's other fields). */
  previousMac: string;
  mac: string;
}

/** Keys, aliases and grants: written whole, but only when a call changed them. */
export interface StoreSnapshot {
  keys: KeyRecord[];
  aliases: AliasRecord[];
  grants: GrantRecord[];
}

export interface KeyStore {
  /** The 32-byte key that wraps all key material (and from which the audit MAC key is derived). */
  rootKey(): Promise<Uint8Array>;
  /** The last snapshot written, or undefined for a new store. */
  read(): Promise<StoreSnapshot | undefined>;
  write(snapshot: StoreSnapshot): Promise<void>;
  /** The audit trail, oldest first. */
  readAudit(): Promise<AuditRecord[]>;
  /** Appends one record: O(1), however long the trail (every call appends one). */
  appendAudit(record: AuditRecord): Promise<void>;
}

/** A store in memory: a random root key, and snapshots and records kept as JSON so no caller can mutate them. */
export class MemoryKeyStore implements KeyStore {
  private readonly root = crypto.getRandomValues(new Uint8Array(32));
  private saved: string | undefined;
  private readonly auditRecords: string[] = [];

  async rootKey(): Promise<Uint8Array> {
    return this.root;
  }

  async read(): Promise<StoreSnapshot | undefined> {
    return this.saved === undefined ? undefined : JSON.parse(this.saved);
  }

  async write(snapshot: StoreSnapshot): Promise<void> {
    this.saved = JSON.stringify(snapshot);
  }

  async readAudit(): Promise<AuditRecord[]> {
    return this.auditRecords.map((line) => JSON.parse(line) as AuditRecord);
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    this.auditRecords.push(JSON.stringify(record));
  }
}
