// Group commit for the audit trail. A call's record is chained to the head in memory at once, so
// the next call can chain its own; records queued while a write is under way go to the store
// together in the next write (one fsync for all of them in the file store). Each call is told its
// record is stored only once the write holding it has resolved: nothing is acknowledged before it is
// durable. If a write fails, its records and every record queued behind them (chained to records
// that were never stored) are refused to their calls, and the head goes back to the last stored record.

import { nextRecord, type AuditEvent } from './audit-trail.js';
import type { AuditHead, AuditRecord, KeyStore } from './key-store.js';

interface Pending {
  record: AuditRecord;
  stored: () => void;
  failed: (error: unknown) => void;
}

export class AuditWriter {
  /** The head including records not yet stored: what the next record chains to. */
  private head: AuditHead;
  /** The head of what the store holds. */
  private storedHead: AuditHead;
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;

  constructor(private readonly store: KeyStore, private readonly auditKey: Uint8Array, head: AuditHead) {
    this.head = head;
    this.storedHead = head;
  }

  /** The chain's end as stored (records still being written are not counted). */
  get stored(): AuditHead {
    return this.storedHead;
  }

  /** Chains a record for `event` and queues it; resolves once it is durable in the store. */
  append(event: AuditEvent): Promise<void> {
    const record = nextRecord(this.head, this.auditKey, event);
    this.head = { count: this.head.count + 1, mac: record.mac };
    const done = new Promise<void>((stored, failed) => this.queue.push({ record, stored, failed }));
    this.writing ??= this.writeQueued();
    return done;
  }

  /** Resolves when every record queued so far is stored or refused (never rejects). */
  async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeQueued(): Promise<void> {
    // Lets the calls already running queue their records before the first write starts.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.store.appendAudit(batch.map((p) => p.record));
      } catch (error) {
        const refused = [...batch, ...this.queue];
        this.queue = [];
        this.head = this.storedHead;
        for (const pending of refused) pending.failed(error);
        continue;
      }
      const last = batch[batch.length - 1]!.record;
      this.storedHead = { count: this.storedHead.count + batch.length, mac: last.mac };
      for (const pending of batch) pending.stored();
    }
    this.writing = undefined;
  }
}
