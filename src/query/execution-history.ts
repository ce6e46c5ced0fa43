// The query executions a QueryService has run, in submission order: in memory, or durable in the
// catalog's QueryStore (query-store.ts) as its athena-executions document (in a directory:
// athena-executions.json, authenticated and written atomically under the catalog's lock). Each change of
// state is written, so a new QueryService on the same directory reports what the last one did:
// state, reason, statistics, output location. An execution that was still queued or running when
// its service stopped cannot go on (its caller's request is gone), so it is reported FAILED.
// Athena keeps query history for 45 days (https://docs.aws.amazon.com/athena/latest/ug/queries-viewing-history.html);
// older executions are dropped when the history is written.

import type { Clock } from '../core/clock.js';
import { SerialQueue } from '../core/serial-queue.js';
import type { QueryExecutionRecord } from './query-executions.js';
import type { QueryDocument, QueryStore } from './query-store.js';

const RETENTION_MS = 45 * 24 * 3600_000;
export const INTERRUPTED = 'Query was interrupted: its service stopped before the query finished';

/** What is kept of an execution: everything but the caller (needed only while it runs). */
interface SavedExecution extends Omit<QueryExecutionRecord, 'caller' | 'submitted' | 'started' | 'completed'> {
  submitted: string;
  started?: string;
  completed?: string;
}

const date = (text: string | undefined) => (text === undefined ? undefined : new Date(text));

export class ExecutionHistory {
  private readonly executions = new Map<string, QueryExecutionRecord>();
  private metadata: QueryDocument<{ executions: SavedExecution[] }> | undefined;
  private readonly writes = new SerialQueue();
  private closed = false;

  /** `clock`: the service's, for the retention and for when an interrupted execution is reported to have ended. */
  constructor(private readonly clock: Clock) {}

  /** Reads the store's history; call once, after the catalog has opened the store. */
  async open(store: QueryStore): Promise<void> {
    const metadata = await store.open<{ executions: SavedExecution[] }>('athena-executions');
    for (const execution of metadata.saved?.executions ?? []) {
      const record: QueryExecutionRecord = { ...execution, caller: undefined, submitted: new Date(execution.submitted),
        started: date(execution.started), completed: date(execution.completed) };
      if (record.state === 'QUEUED' || record.state === 'RUNNING') Object.assign(record, { state: 'FAILED', reason: INTERRUPTED, errorCategory: 1, completed: record.completed ?? this.clock.now() });
      this.executions.set(record.id, record);
    }
    this.metadata = metadata;
  }

  /** Stops writing, once the writes under way are done (the directory's lock is then released); later changes stay in memory. */
  close(): Promise<void> {
    return this.writes.run(async () => {
      this.closed = true;
    });
  }

  get(id: unknown): QueryExecutionRecord | undefined {
    return typeof id === 'string' ? this.executions.get(id) : undefined;
  }

  /** The ids, newest first. */
  idsNewestFirst(): string[] {
    return [...this.executions.keys()].reverse();
  }

  /** Adds a new execution and writes it; if the write fails the execution is forgotten and the error thrown. */
  async add(execution: QueryExecutionRecord): Promise<void> {
    this.executions.set(execution.id, execution);
    try {
      await this.save();
    } catch (error) {
      this.executions.delete(execution.id);
      throw error;
    }
  }

  /**
   * Writes the history as it is now (after a change of an execution's state). Writes run one at a
   * time; each writes the latest state, so a failed write is made good by the next one.
   */
  save(): Promise<void> {
    return this.writes.run(async () => {
      if (!this.metadata || this.closed) return;
      const now = this.clock.now().getTime();
      for (const [id, execution] of this.executions) {
        if (now - execution.submitted.getTime() > RETENTION_MS) this.executions.delete(id);
      }
      await this.metadata.write({ executions: [...this.executions.values()].map(saved) });
    });
  }
}

function saved(execution: QueryExecutionRecord): SavedExecution {
  const { caller: _caller, submitted, started, completed, ...rest } = execution;
  return { ...rest, submitted: submitted.toISOString(), started: started?.toISOString(), completed: completed?.toISOString() };
}
