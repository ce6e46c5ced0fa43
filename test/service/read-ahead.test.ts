// readAhead: the same pieces in the same order, the next one asked for before the current one is
// taken; a consumer that stops early ends the source; a source's failure reaches the consumer.

import { describe, expect, it } from 'vitest';
import { readAhead } from '../../src/service/read-ahead.js';

function source(count: number, log: string[], failAt?: number) {
  return (async function* pieces() {
    try {
      for (let i = 0; i < count; i++) {
        log.push(`produce ${i}`);
        if (i === failAt) throw new Error(`piece ${i} failed`);
        yield i;
      }
    } finally {
      log.push('source ended');
    }
  })();
}

describe('readAhead', () => {
  it('yields every piece in order, asking for the next before the current one is taken', async () => {
    const log: string[] = [];
    for await (const piece of readAhead(source(3, log))) log.push(`take ${piece}`);
    expect(log).toEqual(['produce 0', 'produce 1', 'take 0', 'produce 2', 'take 1', 'source ended', 'take 2']);
  });

  it('a consumer that stops early ends the source', async () => {
    const log: string[] = [];
    for await (const piece of readAhead(source(10, log))) {
      if (piece === 1) break;
    }
    expect(log.at(-1)).toBe('source ended');
    expect(log.filter((line) => line.startsWith('produce'))).toEqual(['produce 0', 'produce 1', 'produce 2']);
  });

  it('a failure of the source reaches the consumer, also when it was fetched ahead', async () => {
    const log: string[] = [];
    const taken: number[] = [];
    await expect((async () => {
      for await (const piece of readAhead(source(5, log, 2))) taken.push(piece);
    })()).rejects.toThrow('piece 2 failed');
    expect(taken).toEqual([0, 1]);
  });
});
