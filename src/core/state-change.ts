// The one shape in which the services change their state: a decision taken on current state (so a
// check in it — the bucket exists, is empty, the user is new — holds when the change is made), applied
// in memory, then made durable; if making it durable fails, the change is taken back and the call
// fails, so no failed call leaves a change behind. A store makes its own records durable, in call
// order and as it sees fit (one write, a journal line, group commit in one database transaction);
// a store whose records are whole snapshots runs its changes one after another (a SerialQueue).

/** A change `decide` made in memory: the record that makes it durable, and how to take it back. */
export interface StateChange<R> {
  record: R;
  undo: () => unknown;
}

/**
 * Runs `decide` on current state and makes the change it returns durable with `persist` (none: a
 * store in memory). If `decide` throws, nothing is persisted; if `persist` fails, `undo` runs and the
 * failure is the call's.
 */
export async function commitChange<R>(decide: () => StateChange<R>, persist?: (record: R) => Promise<unknown>): Promise<void> {
  const { record, undo } = decide();
  if (!persist) return;
  try {
    await persist(record);
  } catch (error) {
    await undo();
    throw error;
  }
}
