// The one shape in which the services change their state: a decision taken on current state (so a
// check in it — the bucket exists, is empty, the user is new — holds when the change is made), then
// made durable; no failed call leaves a change behind. A decision either applies its change in memory
// at once and says how to take it back (`undo`, run if making it durable fails: cheap for a store
// whose readers must see their own writes at once), or prepares it aside and says how to make it
// current (`publish`, run only once it is durable: no reader ever sees a change that is taken back).
// A store makes its own records durable, in call order and as it sees fit (one write, a journal
// line, group commit in one database transaction); a store whose records are whole snapshots runs
// its changes one after another (a SerialQueue).

/** A change applied in memory at once: the record that makes it durable, and how to take it back if that fails. */
export interface AppliedChange<R> {
  record: R;
  undo: () => unknown;
}

/** A change prepared aside: the record that makes it durable, and how to make it current once it is. */
export interface PreparedChange<R> {
  record: R;
  publish: () => unknown;
}

/** A change `decide` made. */
export type StateChange<R> = AppliedChange<R> | PreparedChange<R>;

/**
 * Runs `decide` on current state and makes the change it returns durable with `persist` (none: a
 * store in memory). If `decide` throws, nothing is persisted; if `persist` fails, an applied change's
 * `undo` runs (a prepared one is never published) and the failure is the call's; once `persist`
 * succeeds, a prepared change's `publish` runs.
 */
export async function commitChange<R>(decide: () => StateChange<R>, persist?: (record: R) => Promise<unknown>): Promise<void> {
  const change = decide();
  if (persist) {
    try {
      await persist(change.record);
    } catch (error) {
      if ('undo' in change) await change.undo();
      throw error;
    }
  }
  if ('publish' in change) await change.publish();
}
