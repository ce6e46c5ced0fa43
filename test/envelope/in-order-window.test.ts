// The in-order window of the pooled framed cipher: results come out in the order work was added,
// however it finishes; take(keep) waits only until `keep` are left; a failure zeroes everything in
// the window (and what take had already collected) and is thrown; discard zeroes what is pending now
// and each result once it settles.

import { describe, expect, it } from 'vitest';
import { InOrderWindow } from '../../src/envelope/in-order-window.js';

/** A promise settled from outside, with the bytes it resolves to. */
function deferred(bytes: number[]) {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const result = new Uint8Array(bytes);
  const promise = new Promise<Uint8Array>((ok, fail) => {
    resolve = () => ok(result);
    reject = fail;
  });
  return { promise, result, held: new Uint8Array(bytes), resolve, reject };
}

describe('InOrderWindow', () => {
  it('returns results in the order added, joined, however they finish', async () => {
    const window = new InOrderWindow();
    const [a, b, c] = [deferred([1]), deferred([2, 2]), deferred([3])];
    for (const work of [a, b, c]) window.add(work.promise, work.held);
    c.resolve();
    b.resolve();
    let taken: Uint8Array | undefined;
    const taking = window.take(1).then((bytes) => (taken = bytes));
    await Promise.resolve();
    expect(taken, 'the oldest is not done: nothing yet').toBeUndefined();
    a.resolve();
    await taking;
    expect([...taken!]).toEqual([1, 2, 2]);
    expect([...await window.take(0)]).toEqual([3]);
    expect([...await window.take(0)], 'an empty window').toEqual([]);
  });

  it('take(keep) returns at once while no more than keep are pending', async () => {
    const window = new InOrderWindow();
    const a = deferred([1]);
    window.add(a.promise, a.held);
    expect((await window.take(1)).length).toBe(0);
    a.resolve();
    expect([...await window.take(0)]).toEqual([1]);
  });

  it('a failure zeroes what was taken so far and everything pending, now or once it settles, and is thrown', async () => {
    const window = new InOrderWindow();
    const [a, b, c] = [deferred([1]), deferred([2]), deferred([3])];
    for (const work of [a, b, c]) window.add(work.promise, work.held);
    a.resolve();
    b.reject(new Error('frame 9 does not authenticate'));
    await expect(window.take(0)).rejects.toThrow('frame 9 does not authenticate');
    expect([...a.result], 'taken before the failure, never released').toEqual([0]);
    expect([...c.held], 'pending work').toEqual([0]);
    c.resolve();
    await c.promise;
    await Promise.resolve();
    expect([...c.result], 'a result that came after the failure').toEqual([0]);
    expect([...await window.take(0)], 'nothing left in the window').toEqual([]);
  });

  it('an early failure is not reported as unhandled before take awaits it', async () => {
    const window = new InOrderWindow();
    const a = deferred([1]);
    window.add(a.promise, a.held);
    a.reject(new Error('early'));
    await new Promise((done) => setTimeout(done, 10)); // vitest fails the run on an unhandled rejection
    await expect(window.take(0)).rejects.toThrow('early');
  });

  it('discard zeroes what is pending and each result once it settles', async () => {
    const window = new InOrderWindow();
    const a = deferred([7, 7]);
    window.add(a.promise, a.held);
    window.discard();
    expect([...a.held]).toEqual([0, 0]);
    a.resolve();
    await a.promise;
    await Promise.resolve();
    expect([...a.result]).toEqual([0, 0]);
  });
});
