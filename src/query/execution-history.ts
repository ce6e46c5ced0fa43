// The query executions a QueryService has run, in submission order: a record per execution in the
// QueryStore's athena-executions collection (query-store.ts: in memory, a directory, or PostgreSQL
// shared with other services, who then report and list each other's executions). Each change of
// state is written, so a new QueryService on the same store reports what the last one did: state,
// reason, statistics, output location. An execution records who runs it (the store's runner); one
// that is still queued or running when its runner is gone (its service stopped or died: its
// caller's request is gone with it) cannot go on, so it is recorded FAILED when it is next read.
// Athena keeps query history for 45 days (https://docs.aws.amazon.com/athena/latest/ug/queries-viewing-history.html);
// older executions are dropped when a new one is added.

import type { Clock } from '../core/clock.js';
import { loadOnce } from '../core/load-once.js';
import { unfinished, type QueryExecutionRecord } from './query-executions.js';
import type { QueryCollection, QueryRecords, QueryStore } from './query-store.js';

const RETENTION_MS = 45 * 24 * 3600_000;
export const INTERRUPTED = 'Query was interrupted: its service stopped before the query finished';

/** What is kept of an execution: its record with the times as ISO text, and while it is queued or running, who runs it. */
interface SavedExecution extends Omit<QueryExecutionRecord, 'submitted' | 'started' | 'completed'> {
  submitted: string;
  started?: string;
  completed?: string;
  runner?: string;
}

const EXECUTIONS: QueryCollection<SavedExecution> = { name: 'athena-executions', list: 'executions', id: (execution) => execution.id };

const date = (text: string | undefined) => (text === undefined ? undefined : new Date(text));

/** How an execution's state changes: the fields to set, decided on its record as it is now; undefined: no change. */
export type ExecutionStep = (current: QueryExecutionRecord) => Partial<QueryExecutionRecord> | undefined;

export class ExecutionHistory {
  private saved: QueryRecords<SavedExecution> | undefined;
  /** Bytes scanned so far by the executions this service is running (written when each ends). */
  private readonly scanning = new Map<string, number>();
  private closed = false;

  /** `clock`: the service's, for the retention and for when an interrupted execution is reported to have ended. */
  constructor(private readonly store: QueryStore, private readonly clock: Clock) {}

  /** Opens the history on first call (the store's refresh() catches it up with the executions other services started or ended). */
  async load(): Promise<void> {
    await this.opened();
  }

  private readonly opened = loadOnce(async () => {
    this.saved = await this.store.open(EXECUTIONS);
  });

  /** Stops writing, once the writes under way are done (the store is then released); later changes are not recorded. */
  close(): void {
    this.closed = true;
  }

  /**
   * The executions, as they are now: one whose runner is gone while it is queued or running is
   * recorded FAILED first (INTERRUPTED). Undefined for an id the history does not hold.
   */
  async current(ids: unknown[]): Promise<Array<QueryExecutionRecord | undefined>> {
    const records = this.saved!.records;
    const held = ids.map((id) => (typeof id === 'string' ? records.get(id) : undefined));
    const others = held.filter((e): e is SavedExecution => e !== undefined && unfinished(e) && e.runner !== this.store.runner);
    if (others.length > 0 && !this.closed) {
      const live = await this.store.liveRunners([...new Set(others.map((e) => e.runner ?? ''))]);
      for (const { id } of others.filter((e) => !live.has(e.runner ?? ''))) {
        await this.update(id, (now) => (unfinished(now)
          ? { state: 'FAILED', reason: INTERRUPTED, errorCategory: 1, completed: now.completed ?? this.clock.now() } : undefined));
      }
    }
    return ids.map((id) => {
      const execution = typeof id === 'string' ? this.saved!.records.get(id) : undefined;
      return execution && this.dated(execution);
    });
  }

  /** The ids, newest first. */
  idsNewestFirst(): string[] {
    return [...this.saved!.records.keys()].reverse();
  }

  /** Adds a new execution, run by this service, and writes it, dropping those past the retention; a failed write is thrown, nothing added. */
  async add(execution: QueryExecutionRecord): Promise<void> {
    const now = this.clock.now().getTime();
    await this.saved!.change((records) => {
      const expired: string[] = [];
      for (const held of records.values()) { // oldest first: the expired ones lead
        if (now - new Date(held.submitted).getTime() <= RETENTION_MS) break;
        expired.push(held.id);
      }
      return { put: [{ ...saved(execution), runner: this.store.runner }], deleted: expired };
    });
  }

  /** Whether the execution was stopped (as this service last read the history). */
  cancelled(id: string): boolean {
    return this.saved?.records.get(id)?.state === 'CANCELLED';
  }

  /** Notes how many bytes a running execution has scanned so far (reported until it ends). */
  noteScanned(id: string, bytes: number): void {
    this.scanning.set(id, bytes);
  }

  /**
   * Changes an execution's state as `step` decides on its record as it is now (in a shared store:
   * under the store's lock, so a stop made through another service is not overwritten), and writes
   * it. Resolves to whether it changed; nothing changes once the history is closed.
   */
  async update(id: string, step: ExecutionStep): Promise<boolean> {
    if (this.closed) return false;
    let changed = false;
    await this.saved!.change((records) => {
      const held = records.get(id);
      const fields = held && step(this.dated(held));
      changed = fields !== undefined;
      if (!held || !fields) return undefined;
      const next = saved({ ...this.dated(held), ...fields });
      return { put: [unfinished(next) ? { ...next, runner: held.runner } : next], deleted: [] };
    });
    if (changed && this.saved!.records.get(id)?.state !== 'RUNNING') this.scanning.delete(id);
    return changed;
  }

  private dated(execution: SavedExecution): QueryExecutionRecord {
    const { runner: _runner, ...rest } = execution;
    const scanned = execution.state === 'RUNNING' ? this.scanning.get(execution.id) : undefined;
    return { ...rest, submitted: new Date(execution.submitted), started: date(execution.started), completed: date(execution.completed),
      ...(scanned === undefined ? {} : { scanned }) };
  }
}

function saved(execution: QueryExecutionRecord): SavedExecution {
  const { submitted, started, completed, ...rest } = execution;
  return { ...rest, submitted: submitted.toISOString(), started: started?.toISOString(), completed: completed?.toISOString() };
}
