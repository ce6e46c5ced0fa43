// Group commit for the audit trail. A call that changed nothing queues its event; events queued
// while a commit is under way go to the store together in the next commit (one fsync, or one
// database transaction, for all of them), where the store chains them to the trail's head. Each
// call is told its record is stored only once the commit holding it has resolved: nothing is
// acknowledged before it is durable. If a commit fails, its calls are refused; the events queued
// behind it go in the next commit, chained to what the store actually holds.

import type { AuditEvent } from './audit-trail.js';
import type { KeyStore } from './key-store.js';

interface Pending {
  event: AuditEvent;
  stored: () => void;
  failed: (error: unknown) => void;
}

export class AuditWriter {
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;

  constructor(private readonly store: KeyStore) {}

  /** Queues the record of `event`; resolves once it is durable in the store. */
  append(event: AuditEvent): Promise<void> {
    const done = new Promise<void>((stored, failed) => this.queue.push({ event, stored, failed }));
    this.writing ??= this.writeQueued();
    return done;
  }

  /**
   * Stores the record of `event` at once, where the store can (KeyStore.commitNow) and nothing is
   * queued or being written before it: true once it is stored; false if it must be appended.
   */
  storedAtOnce(event: AuditEvent): boolean {
    if (this.writing || !this.store.commitNow) return false;
    this.store.commitNow(event);
    return true;
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
        await this.store.commit(batch.map((p) => p.event));
      } catch (error) {
        for (const pending of batch) pending.failed(error);
        continue;
      }
      for (const pending of batch) pending.stored();
    }
    this.writing = undefined;
  }
}
