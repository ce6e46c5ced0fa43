// commitChange (src/core/state-change.ts): the decision runs on current state, its record is
// persisted, and a failed persist takes the change back (`undo`) or never makes it current
// (`publish`); a decision that throws persists nothing.
import { describe, expect, it } from 'vitest';
import { commitChange } from '../../src/core/state-change.js';

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
});
