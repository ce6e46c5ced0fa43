// A KeyStore in memory: a random root key, and key, alias and grant records kept as JSON so no
// caller can mutate them. Audit records are kept as the objects the commit made (serialising each one at every call cost
// more than its MAC; nothing else holds them) and handed out as copies made through JSON, so a
// reader gets exactly what a JSON store would give and cannot change the trail.
// One writer (the process), so its version is always 0 and a change never needs to be run again.
// The audit chain's head is kept beside the trail, not read from its last record at each commit.

import { chainRecords, deriveAuditKey, nextRecord, type AuditEvent } from './audit-trail.js';
import {
  GENESIS_MAC, type AuditHead, type AuditPosition, type AuditRecord, type KeyStore, type StateChange, type StoredAuditRecord,
  type StoreSnapshot,
} from './key-store.js';
import type { TableChanges } from './record-tables.js';

export class MemoryKeyStore implements KeyStore {
  private readonly root = crypto.getRandomValues(new Uint8Array(32));
  private readonly auditKey = deriveAuditKey(this.root);
  private readonly tables = { keys: new Map<string, string>(), aliases: new Map<string, string>(), grants: new Map<string, string>() };
  private written = false;
  private readonly auditRecords: AuditRecord[] = [];
  /** The head as of the last commit, valid while the trail still ends in the record that commit wrote. */
  private head: { count: number; mac: string; last: AuditRecord | undefined } = { count: 0, mac: GENESIS_MAC, last: undefined };

  async rootKey(): Promise<Uint8Array> {
    return this.root;
  }

  async read(): Promise<StoreSnapshot | undefined> {
    if (!this.written) return undefined;
    const parsed = <T>(table: Map<string, string>) => [...table.values()].map((json) => JSON.parse(json) as T);
    return { keys: parsed(this.tables.keys), aliases: parsed(this.tables.aliases), grants: parsed(this.tables.grants) };
  }

  async commit(events: AuditEvent[], change?: StateChange): Promise<number> {
    const { records, head } = chainRecords(this.currentHead(), this.auditKey, change ? [...events, change.event] : events);
    for (const record of records) this.auditRecords.push(record);
    this.head = { count: head.count, mac: head.mac, last: this.auditRecords.at(-1) };
    if (!change) return 0;
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
    const head = this.currentHead();
    const record = nextRecord(head, this.auditKey, event);
    this.auditRecords.push(record);
    this.head = { count: head.count + 1, mac: record.mac, last: record };
  }

  async auditHead(): Promise<AuditHead> {
    return this.currentHead();
  }

  private currentHead(): AuditHead {
    const last = this.auditRecords.at(-1);
    if (last !== this.head.last || this.auditRecords.length !== this.head.count) {
      this.head = { count: this.auditRecords.length, mac: last === undefined ? GENESIS_MAC : last.mac, last };
    }
    return { count: this.head.count, mac: this.head.mac };
  }

  async *readAudit(from: AuditPosition = { count: 0, position: 0 }): AsyncIterable<StoredAuditRecord> {
    for (let i = from.position; i < this.auditRecords.length; i++) yield { record: JSON.parse(JSON.stringify(this.auditRecords[i]!)) as AuditRecord, next: i + 1 };
  }
}
