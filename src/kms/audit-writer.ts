// Group commit for the audit trail. A call that changed nothing queues its event; events queued
// while a commit is under way go to the store together in the next commit (one fsync, or one
// database transaction, for all of them), where the store chains them to the trail's head. Where
// the store says a commit's records are written (KeyStore.commit's `written`: FileKeyStore), the
// next commit starts then, while the last one's fsync runs, instead of waiting for it: the server's
// thread keeps deciding calls during every fsync, and how the calls split between groups stops
// mattering. Each call is told its record is stored only once the commit holding it, and every
// commit before it, has resolved: nothing is acknowledged before it is durable. If a commit fails,
// its calls are refused, and so are those of any commit the store had chained to it; the events
// queued behind them go in the next commit, chained to what the store actually holds.

import type { AuditEvent } from './audit-trail.js';
import type { KeyStore } from './key-store.js';

interface Pending {
  event: AuditEvent;
  stored: () => void;
  failed: (error: unknown) => void;
}

/**
 * Commits under way at once: the one being fsynced and the next one, written behind it. More would
 * only queue fsyncs in the thread pool (which object bodies' file writes share) behind the first.
 */
const COMMITS_IN_FLIGHT = 2;

export class AuditWriter {
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  /** Set while the writer, with nothing queued, waits for an event to queue or a commit to settle. */
  private wake: (() => void) | undefined;

  constructor(private readonly store: KeyStore) {}

  /** Queues the record of `event`; resolves once it is durable in the store. */
  append(event: AuditEvent): Promise<void> {
    const done = new Promise<void>((stored, failed) => this.queue.push({ event, stored, failed }));
    this.wake?.();
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
    const inFlight = new Set<Promise<void>>();
    while (this.queue.length > 0 || inFlight.size > 0) {
      if (this.queue.length === 0 || inFlight.size >= COMMITS_IN_FLIGHT) {
        // Until a commit settles (whose calls, answered, may queue more) or, with nothing queued, an
        // event queues: with two commits in flight an event cannot start a third, so it wakes nothing.
        await new Promise<void>((resolve) => {
          if (this.queue.length === 0) this.wake = resolve;
          void Promise.race(inFlight).then(resolve);
        });
        this.wake = undefined;
        continue;
      }
      const batch = this.queue;
      this.queue = [];
      let written!: () => void;
      const wrote = new Promise<void>((resolve) => { written = resolve; });
      const committing: Promise<void> = this.store.commit(batch.map((p) => p.event), undefined, written).then(
        () => { for (const pending of batch) pending.stored(); },
        (error: unknown) => { for (const pending of batch) pending.failed(error); },
      ).finally(() => inFlight.delete(committing));
      inFlight.add(committing);
      await Promise.race([wrote, committing]);
    }
    this.writing = undefined;
  }
}
