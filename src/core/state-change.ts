// The one shape in which the services change their state: a decision taken on current state (so a
// check in it — the bucket exists, is empty, the user is new — holds when the change is made), then
// made durable; no failed call leaves a change behind. A decision either applies its change in memory
// at once and says how to take it back (`undo`, run if making it durable fails: cheap for a store
// whose readers must see their own writes at once), or prepares it aside and says how to make it
// current (`publish`, run only once it is durable: no reader ever sees a change that is taken back);
// an applied change may also have a `publish`, to settle it once durable.
//
// A store makes its own records durable, in call order and as it sees fit (one write, a journal
// line, group commit, one database transaction). Three things some stores need besides:
// - decisions that wait (WebCrypto, a store read) run one at a time in a SerialQueue, so none begins
//   on state another has yet to finish changing;
// - a store that several processes share finds, under its write lock, whether another process
//   changed it since the decision; if so it has the decision taken again (`redecide`) on the state
//   brought up to date, under that lock, and stores the new record instead;
// - a store that makes records durable in groups returns `queued(durable)` as soon as the record has
//   its place in the next group: the queue lets the next decision run at once, and this change is
//   acknowledged (published, its call answered) only once `durable` resolves. Only a change that
//   can be taken back whatever was decided after it (or that changed nothing) may be queued so.

import type { SerialQueue } from './serial-queue.js';

/** A change `decide` made: the record that makes it durable, how to take it back if that fails, and what to do once it is durable. */
export interface DecidedChange<R> {
  record: R;
  undo?: () => unknown;
  publish?: () => unknown;
}

/** A change applied in memory at once: the record that makes it durable, and how to take it back if that fails. */
export type AppliedChange<R> = DecidedChange<R> & { undo: () => unknown };

/** A change prepared aside: the record that makes it durable, and how to make it current once it is. */
export type PreparedChange<R> = DecidedChange<R> & { publish: () => unknown };

/** A record a store has queued for a group commit: in its place among the others, durable once `durable` resolves. */
export class Queued {
  constructor(readonly durable: Promise<unknown>) {}
}

export function queued(durable: Promise<unknown>): Queued {
  durable.catch(() => undefined); // awaited once the queue has moved on; not an unhandled rejection meanwhile
  return new Queued(durable);
}

/**
 * For a store that finds, under its write lock, that others changed it since the decision: takes the
 * change back, runs `catchUp` (which applies what the others changed), decides again and resolves
 * to the new decision's record. If `catchUp` or the decision throws, the change stays taken back and
 * the error is thrown (the store fails the call with it).
 */
export type Redecide<R> = (catchUp: () => unknown) => Promise<R>;

/** Makes a record durable: resolves once it is, or returns `queued(durable)` for a group commit. */
export type Persist<R> = (record: R, redecide: Redecide<R>) => Promise<unknown> | Queued;

/**
 * Runs `decide` on current state and makes the change it returns durable with `persist` (none: a
 * store in memory); with a `queue`, decisions run one at a time there, and the next begins once this
 * change is durable and published (or queued). If `decide` throws, nothing is persisted; if
 * `persist` fails, the change's `undo` runs (`publish` never does) and the failure is the call's;
 * once `persist` succeeds, `publish` runs.
 */
export async function commitChange<R>(decide: () => DecidedChange<R> | Promise<DecidedChange<R>>, persist?: Persist<R>, queue?: SerialQueue): Promise<void> {
  let change: DecidedChange<R>;
  const redecide: Redecide<R> = async (catchUp) => {
    const taken = change;
    change = { record: taken.record }; // taken back: nothing to undo or publish unless decided again
    await taken.undo?.();
    await catchUp();
    change = await decide();
    return change.record;
  };
  const settle = async (durable: Promise<unknown> | undefined): Promise<void> => {
    if (durable) {
      try {
        await durable;
      } catch (error) {
        await change.undo?.();
        throw error;
      }
    }
    if (change.publish) await change.publish();
  };
  const made = async (): Promise<Queued | undefined> => {
    change = await decide();
    let persisted: Promise<unknown> | Queued | undefined;
    try {
      persisted = persist?.(change.record, redecide);
    } catch (error) {
      persisted = Promise.reject(error);
    }
    if (persisted instanceof Queued) return persisted;
    await settle(persisted);
    return undefined;
  };
  const pending = queue ? await queue.run(made) : await made();
  if (pending) await settle(pending.durable);
}
