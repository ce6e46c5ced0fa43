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
