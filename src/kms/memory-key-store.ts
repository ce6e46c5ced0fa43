// A KeyStore in memory: a random root key, and key, alias and grant records kept as JSON so no
// caller can mutate them. Audit records are kept as bytes (packed-audit-trail.ts: the text their MAC
// was computed over, and the MAC) and handed out as new objects rebuilt from them, so a reader gets
// exactly what a JSON store would give and cannot change the trail.
// One writer (the process), so its version is always 0 and a change never needs to be run again.

import { deriveAuditKey, lastMacInput, nextRecord, type AuditEvent } from './audit-trail.js';
import {
  GENESIS_MAC, type AuditHead, type AuditPosition, type KeyStore, type StateChange, type StoredAuditRecord, type StoreSnapshot,
} from './key-store.js';
import { PackedAuditTrail } from './packed-audit-trail.js';
import type { TableChanges } from './record-tables.js';

export class MemoryKeyStore implements KeyStore {
  private readonly root = crypto.getRandomValues(new Uint8Array(32));
  private readonly auditKey = deriveAuditKey(this.root);
  private readonly tables = { keys: new Map<string, string>(), aliases: new Map<string, string>(), grants: new Map<string, string>() };
  private written = false;
  private readonly trail = new PackedAuditTrail();

  async rootKey(): Promise<Uint8Array> {
    return this.root;
  }

  async read(): Promise<StoreSnapshot | undefined> {
    if (!this.written) return undefined;
    const parsed = <T>(table: Map<string, string>) => [...table.values()].map((json) => JSON.parse(json) as T);
    return { keys: parsed(this.tables.keys), aliases: parsed(this.tables.aliases), grants: parsed(this.tables.grants) };
  }

  async commit(events: AuditEvent[], change?: StateChange): Promise<number> {
    for (const event of events) this.commitNow(event);
    if (!change) return 0;
    this.commitNow(change.event);
    const apply = <T>(table: Map<string, string>, { put, deleted }: TableChanges<T>, idOf: (record: T) => string) => {
      for (const id of deleted) table.delete(id);
      for (const record of put) table.set(idOf(record), JSON.stringify(record));
    };
    apply(this.tables.keys, change.changes.keys, (k) => k.keyId);
    apply(this.tables.aliases, change.changes.aliases, (a) => a.aliasName);
    apply(this.tables.grants, change.changes.grants, (g) => g.grantId);
    this.written = true;
    return 0;
  }

  /** Its commit is done once the record is in memory, so a call's record can be stored at once (see KeyStore.commitNow). */
  commitNow(event: AuditEvent): void {
    this.trail.push(nextRecord(this.currentHead(), this.auditKey, event), lastMacInput(this.auditKey));
  }

  async auditHead(): Promise<AuditHead> {
    return this.currentHead();
  }

  private currentHead(): AuditHead {
    return { count: this.trail.length, mac: this.trail.last ?? GENESIS_MAC };
  }

  async *readAudit(from: AuditPosition = { count: 0, position: 0 }): AsyncIterable<StoredAuditRecord> {
    for (let i = from.position; i < this.trail.length; i++) yield { record: this.trail.at(i), next: i + 1 };
  }
}
