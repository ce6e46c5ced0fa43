import { describe, expect, it } from 'vitest';
import { ByteQueue } from '../../src/envelope/byte-queue.js';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('ByteQueue', () => {
  it('reads spans across chunks, joining chunks only when a span crosses them', () => {
    const queue = new ByteQueue();
    const first = bytes(1, 2, 3);
    queue.push(first);
    queue.push(new Uint8Array(0));
    queue.push(bytes(4, 5));
    queue.push(bytes(6));
    expect(queue.length).toBe(6);
    expect(queue.head(2).buffer).toBe(first.buffer); // inside the first chunk: a view, no copy
    expect(Array.from(queue.head(5))).toEqual([1, 2, 3, 4, 5]);
    queue.drop(4);
    expect(queue.length).toBe(2);
    expect(Array.from(queue.head(2))).toEqual([5, 6]);
    queue.drop(2);
    expect(queue.length).toBe(0);
    expect(queue.head(0)).toHaveLength(0);
  });

  it('drops across chunk boundaries without joining them first, and a later head still reads the right bytes', () => {
    const queue = new ByteQueue();
    for (const chunk of [bytes(1, 2), bytes(3, 4, 5), bytes(6), bytes(7, 8)]) queue.push(chunk);
    queue.drop(3); // all of the first chunk, part of the second
    expect(queue.length).toBe(5);
    expect(Array.from(queue.head(1))).toEqual([4]);
    queue.drop(3); // the rest of the second chunk and all of the third
    expect(queue.length).toBe(2);
    expect(Array.from(queue.head(2))).toEqual([7, 8]);
  });

  it('a head that joins some chunks leaves the later ones in place, once each', () => {
    const queue = new ByteQueue();
    for (const chunk of [bytes(1), bytes(2), bytes(3), bytes(4)]) queue.push(chunk);
    expect(Array.from(queue.head(2))).toEqual([1, 2]);
    expect(Array.from(queue.head(4))).toEqual([1, 2, 3, 4]);
    queue.drop(1);
    expect(Array.from(queue.head(3))).toEqual([2, 3, 4]);
    queue.drop(3);
    queue.push(bytes(5));
    expect(queue.length).toBe(1);
    expect(Array.from(queue.head(1))).toEqual([5]); // not a chunk the join left behind
  });

  it('compact copies a leftover tail out of its large chunk, a Node Buffer too', () => {
    for (const large of [new Uint8Array(1 << 20).fill(9), Buffer.alloc(1 << 20, 9)]) {
      const queue = new ByteQueue();
      queue.push(large);
      queue.drop(large.length - 3);
      queue.compact();
      const tail = queue.head(3);
      expect(tail.buffer).not.toBe(large.buffer);
      expect(tail.buffer.byteLength).toBe(3);
      expect(Array.from(tail)).toEqual([9, 9, 9]);
    }
  });
});
