// commitChange (src/core/state-change.ts): the decision runs on current state, its record is
// persisted, and a failed persist takes the change back (`undo`) or never makes it current
// (`publish`); a decision that throws persists nothing. Decisions that wait run one at a time in a
// queue; a store that finds others changed it has the decision taken again (redecide); a group
// commit lets the queue move on (queued) and the call is answered once its record is durable.
import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../src/core/serial-queue.js';
import { commitChange, queued } from '../../src/core/state-change.js';

/** A store of one counter whose change records are the new values. */
function counter(persistFails = false) {
  const state = { value: 0 };
  const persisted: number[] = [];
  const persist = async (record: number) => {
    if (persistFails) throw new Error('disk full');
    persisted.push(record);
  };
  const increment = () => commitChange(() => {
    const before = state.value;
    state.value += 1;
    return { record: state.value, undo: () => { state.value = before; } };
  }, persist);
  return { state, persisted, increment };
}

describe('commitChange', () => {
  it('applies the decision and persists its record', async () => {
    const store = counter();
    await store.increment();
    await store.increment();
    expect(store.state.value).toBe(2);
    expect(store.persisted).toEqual([1, 2]);
  });

  it('a failed persist undoes the change and fails the call with its error', async () => {
    const store = counter(true);
    await expect(store.increment()).rejects.toThrow('disk full');
    expect(store.state.value).toBe(0);
  });

  it('a decision that throws persists nothing and undoes nothing', async () => {
    let persisted = 0;
    let undone = 0;
    await expect(commitChange<number>(() => { throw new Error('no such bucket'); }, async () => { persisted++; })).rejects.toThrow('no such bucket');
    await expect(commitChange(() => ({ record: 1, undo: () => undone++ }), async () => { persisted++; })).resolves.toBeUndefined();
    expect({ persisted, undone }).toEqual({ persisted: 1, undone: 0 });
  });

  it('without a persist (a store in memory) the decision alone is the change', async () => {
    const state = { value: 0 };
    await commitChange(() => { state.value = 7; return { record: 7, undo: () => { state.value = 0; } }; });
    expect(state.value).toBe(7);
  });

  it('the undo runs before the call fails: a caller sees its state back when the rejection arrives', async () => {
    const order: string[] = [];
    const failed = commitChange(() => ({ record: 1, undo: async () => { await Promise.resolve(); order.push('undone'); } }),
      async () => { throw new Error('write failed'); });
    await failed.catch(() => order.push('rejected'));
    expect(order).toEqual(['undone', 'rejected']);
  });

  it('a change prepared aside is published only once persisted: a reader during the persist sees the state before it', async () => {
    let current = { value: 0 };
    let seenDuringPersist: number | undefined;
    const set = (value: number, fails: boolean) => commitChange(() => {
      const next = { value };
      return { record: next, publish: () => { current = next; } };
    }, async () => {
      await Promise.resolve();
      seenDuringPersist = current.value;
      if (fails) throw new Error('write failed');
    });
    await expect(set(5, true)).rejects.toThrow('write failed');
    expect({ seenDuringPersist, now: current.value }).toEqual({ seenDuringPersist: 0, now: 0 });
    await set(6, false);
    expect({ seenDuringPersist, now: current.value }).toEqual({ seenDuringPersist: 0, now: 6 });
    // Without a persist (a store in memory), publishing is the change.
    await commitChange(() => ({ record: 7, publish: () => { current = { value: 7 }; } }));
    expect(current.value).toBe(7);
  });

  it('decisions that wait, run in a queue, each see the state the one before left: no lost update', async () => {
    const state = { value: 0 };
    const queue = new SerialQueue();
    const increment = () => commitChange(async () => {
      const before = state.value;
      await new Promise((resolve) => setTimeout(resolve, 1)); // a decision that waits (WebCrypto, a read)
      state.value = before + 1;
      return { record: state.value, undo: () => { state.value = before; } };
    }, async () => undefined, queue);
    await Promise.all(Array.from({ length: 5 }, increment));
    expect(state.value).toBe(5);
    // Without the queue the same decisions overlap and updates are lost: the queue is what prevents it.
    state.value = 0;
    await Promise.all(Array.from({ length: 5 }, () => commitChange(async () => {
      const before = state.value;
      await new Promise((resolve) => setTimeout(resolve, 1));
      state.value = before + 1;
      return { record: state.value };
    })));
    expect(state.value).toBe(1);
  });

  it('redecide: the change is taken back, the store catches up, the decision is taken again and its record stored instead', async () => {
    const state = { value: 10 };
    const stored: number[] = [];
    const steps: string[] = [];
    let published: number | undefined;
    await commitChange(async () => {
      const before = state.value;
      state.value = before * 2;
      steps.push(`decided ${state.value}`);
      return { record: state.value, undo: () => { steps.push('undone'); state.value = before; }, publish: () => { published = state.value; } };
    }, async (record, redecide) => {
      // Under its lock the store finds another process set the value to 21 after the decision.
      const again = await redecide(() => { steps.push('caught up'); state.value = 21; });
      stored.push(again);
      expect(record).toBe(20);
    });
    expect(steps).toEqual(['decided 20', 'undone', 'caught up', 'decided 42']);
    expect({ stored, value: state.value, published }).toEqual({ stored: [42], value: 42, published: 42 });
  });

  it('a failed persist after redecide undoes the second decision, not the first', async () => {
    const state = { value: 1 };
    await expect(commitChange(async () => {
      const before = state.value;
      state.value = before + 100;
      return { record: state.value, undo: () => { state.value = before; } };
    }, async (_record, redecide) => {
      await redecide(() => { state.value = 5; });
      throw new Error('commit failed');
    })).rejects.toThrow('commit failed');
    expect(state.value).toBe(5); // the caught-up state, without the second decision's change
  });

  it('a decision that throws when taken again leaves the change taken back once: the call fails with its error and nothing is undone twice', async () => {
    const state = { items: ['a'] };
    let decisions = 0;
    await expect(commitChange(async () => {
      if (++decisions > 1) throw new Error('NoSuchBucket');
      state.items.push('mine');
      return { record: 'mine', undo: () => { state.items.pop(); } };
    }, async (_record, redecide) => {
      await redecide(() => { state.items.push('theirs'); });
    })).rejects.toThrow('NoSuchBucket');
    expect(state.items).toEqual(['a', 'theirs']);
  });

  it('a catch-up that throws leaves the change taken back once and fails the call', async () => {
    const state = { items: ['a'] };
    await expect(commitChange(async () => {
      state.items.push('mine');
      return { record: 'mine', undo: () => { state.items.pop(); } };
    }, async (_record, redecide) => {
      await redecide(() => { throw new Error('connection lost'); });
    })).rejects.toThrow('connection lost');
    expect(state.items).toEqual(['a']);
  });

  it('queued: the queue moves on to the next decision before the record is durable, and the call is answered only once it is', async () => {
    const queue = new SerialQueue();
    const order: string[] = [];
    let makeDurable!: () => void;
    const durable = new Promise<void>((resolve) => { makeDurable = resolve; });
    const first = commitChange(() => ({ record: 'a', publish: () => order.push('a published') }), () => queued(durable), queue).then(() => order.push('a answered'));
    const second = commitChange(() => { order.push('b decided'); return { record: 'b' }; }, async () => undefined, queue).then(() => order.push('b answered'));
    await second;
    expect(order).toEqual(['b decided', 'b answered']);
    makeDurable();
    await first;
    expect(order).toEqual(['b decided', 'b answered', 'a published', 'a answered']);
  });

  it('queued: a group commit that fails undoes the change and fails the call, never publishing it', async () => {
    const queue = new SerialQueue();
    let undone = 0;
    let published = 0;
    await expect(commitChange(() => ({ record: 1, undo: () => undone++, publish: () => published++ }),
      () => queued(Promise.reject(new Error('fsync failed'))), queue)).rejects.toThrow('fsync failed');
    expect({ undone, published }).toEqual({ undone: 1, published: 0 });
  });

  it('without queued, the queue waits for the record to be durable and published before the next decision', async () => {
    const queue = new SerialQueue();
    const order: string[] = [];
    const first = commitChange(() => ({ record: 'a', publish: () => order.push('a published') }),
      async () => { await new Promise((resolve) => setTimeout(resolve, 5)); order.push('a durable'); }, queue);
    const second = commitChange(() => { order.push('b decided'); return { record: 'b' }; }, undefined, queue);
    await Promise.all([first, second]);
    expect(order).toEqual(['a durable', 'a published', 'b decided']);
  });
});
