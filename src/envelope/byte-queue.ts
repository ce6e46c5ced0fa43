// Bytes arriving in chunks, read from the front. Chunks are kept as they come and joined only when
// a reader needs a span that crosses them, so waiting for a large frame in small chunks costs one
// join per frame rather than one per chunk (which grew quadratically with the frame size).

import { concatBytes, copyBytes } from '../core/bytes.js';

export class ByteQueue {
  private readonly chunks: Uint8Array[] = [];
  private bytes = 0;

  get length(): number {
    return this.bytes;
  }

  push(chunk: Uint8Array): void {
    // Stryker disable next-line ConditionalExpression: an empty chunk kept in the queue is skipped by head() and drop() alike; leaving it out only saves work
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** The first `n` bytes (at most `length`) as one array, a view into the queue. */
  head(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    let joined = this.chunks[0]!.length;
    let count = 1;
    while (joined < n) joined += this.chunks[count++]!.length;
    if (count > 1) this.chunks.splice(0, count, concatBytes(this.chunks.slice(0, count)));
    return this.chunks[0]!.subarray(0, n);
  }

  /** Removes the first `n` bytes (at most `length`). */
  drop(n: number): void {
    this.bytes -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      // Stryker disable next-line EqualityOperator: with ">=", a chunk dropped exactly to its end stays as an empty chunk, which head() and drop() skip
      if (first.length > n) {
        this.chunks[0] = first.subarray(n);
        return;
      }
      n -= first.length;
      this.chunks.shift();
    }
  }

  /** Copies a leftover tail out of the chunk it came in, so a long stream does not pin earlier chunks in memory. */
  compact(): void {
    const first = this.chunks[0];
    // Stryker disable next-line ConditionalExpression,EqualityOperator: copying a chunk that already starts its buffer changes only memory use (test/envelope/memory.test.ts, outside Stryker's runs, measures that)
    if (first && first.byteOffset > 0) this.chunks[0] = copyBytes(first); // not slice(): a Node Buffer's is a view
  }
}
