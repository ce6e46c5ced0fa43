// IncomingBody (read-body.ts): a request body read whole with the stream's events (KMS, IAM, STS) or
// streamed (S3), its bytes counted for the log, and a client that goes away mid-body an
// IncompleteBody (400), never a fault.

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { IncomingBody, readBody } from '../../src/service/read-body.js';
import { ServiceError } from '../../src/service/service-error.js';

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

/** A socket-like stream that sends `chunks` one at a time, then ends (or is destroyed, or fails). */
function source(chunks: Uint8Array[], finish: 'end' | 'destroy' | 'error' = 'end'): PassThrough {
  const stream = new PassThrough();
  void (async () => {
    for (const chunk of chunks) {
      await new Promise((r) => setImmediate(r));
      stream.write(chunk);
    }
    await new Promise((r) => setImmediate(r));
    if (finish === 'end') stream.end();
    else if (finish === 'destroy') stream.destroy();
    else stream.destroy(new Error('ECONNRESET'));
  })();
  return stream;
}

const incompleteBody = (error: unknown) => error instanceof ServiceError && error.code === 'IncompleteBody' && error.status === 400;

describe('IncomingBody', () => {
  it('readWhole: the chunks joined, and counted', async () => {
    const body = new IncomingBody(source([bytes(3, 1), bytes(5, 2), bytes(1, 3)]));
    expect([...(await body.readWhole(100))!]).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 3]);
    expect(body.bytesRead).toBe(9);
  });

  it('readWhole: an empty body, read before or after it has ended', async () => {
    expect((await new IncomingBody(source([])).readWhole(10))!.length).toBe(0);
    const ended = new PassThrough();
    ended.end();
    ended.resume();
    await new Promise((r) => ended.once('end', r));
    expect((await new IncomingBody(ended).readWhole(10))!.length).toBe(0);
  });

  it('readWhole: undefined as soon as the body runs past the limit, exactly at the limit it is read', async () => {
    expect((await new IncomingBody(source([bytes(6, 1), bytes(4, 2)])).readWhole(10))!.length).toBe(10);
    const over = new IncomingBody(source([bytes(6, 1), bytes(5, 2), bytes(100, 3)]));
    expect(await over.readWhole(10)).toBeUndefined();
    expect(over.bytesRead).toBe(11); // stopped at the chunk that went over
  });

  it('readWhole: a connection closed or failed mid-body is IncompleteBody', async () => {
    await expect(new IncomingBody(source([bytes(4, 1)], 'destroy')).readWhole(100)).rejects.toSatisfy(incompleteBody);
    await expect(new IncomingBody(source([bytes(4, 1)], 'error')).readWhole(100)).rejects.toSatisfy(incompleteBody);
  });

  it('streamed: the chunks as they come, counted; a failed connection is IncompleteBody', async () => {
    const body = new IncomingBody(source([bytes(2, 1), bytes(3, 2)]));
    const seen: number[] = [];
    for await (const chunk of body) seen.push(chunk.length);
    expect(seen).toEqual([2, 3]);
    expect(body.bytesRead).toBe(5);
    const failed = async () => {
      for await (const _ of new IncomingBody(source([bytes(2, 1)], 'error'))) { /* read on */ }
    };
    await expect(failed()).rejects.toSatisfy(incompleteBody);
  });

  it('readBody: a declared length over the limit is refused unread; a plain iterable is read as before', async () => {
    expect(await readBody({ 'content-length': '11' }, new IncomingBody(source([bytes(11, 1)])), 10)).toBeUndefined();
    const plain = (async function* () { yield bytes(2, 7); yield bytes(1, 8); })();
    expect([...(await readBody({}, plain, 10))!]).toEqual([7, 7, 8]);
  });
});
