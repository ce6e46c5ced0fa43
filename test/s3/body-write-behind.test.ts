// The write path keeps one file write in flight while it seals the next chunk (body-encryption.ts):
// the thread seals while the thread pool writes. These check that the overlap happens, that the
// bytes and their order are those of in-line writing, and that a failed write still fails the body
// (its error, the writer aborted only once the failed write settled, nothing committed).
import { describe, expect, it } from 'vitest';
import { decryptMessage } from '../../src/envelope/index.js';
import { writeEncryptedBody } from '../../src/s3/body-encryption.js';
import type { BodyWriter, ObjectBodies } from '../../src/s3/object-bodies.js';

const MiB = 1024 * 1024;
const dataKey = new Uint8Array(32).fill(7);
const materials = () => ({ dataKey: dataKey.slice(), encryptionContext: { object: 'write-behind' }, wrappedKeys: [{ providerId: 'test', keyId: 'k', blob: new Uint8Array(2) }] });

/** Bodies with one writer whose `write` is `write` and whose calls are logged in `events`. */
function bodiesWith(write: (chunk: Uint8Array, index: number) => Promise<void>) {
  const events: string[] = [];
  const written: Uint8Array[] = [];
  let writes = 0;
  const writer: BodyWriter = {
    write: async (chunk) => {
      const index = writes++;
      events.push(`write ${index} start`);
      await write(chunk, index);
      written.push(chunk.slice());
      events.push(`write ${index} done`);
    },
    commit: async () => { events.push('commit'); },
    abort: async () => { events.push('abort'); },
  };
  const bodies: ObjectBodies = { create: async () => writer, open: async () => { throw new Error('unused'); }, remove: async () => undefined };
  return { bodies, events, written };
}

/** `count` pieces of 1 MiB (each a different byte), logging when each is handed over. */
async function* pieces(count: number, events: string[]): AsyncIterable<Uint8Array> {
  for (let i = 0; i < count; i++) {
    events.push(`piece ${i}`);
    yield new Uint8Array(MiB).fill(i + 1);
  }
}

describe('writing a body behind its encryption', () => {
  it('seals the next chunk while the previous write is still under way, and writes them in order', async () => {
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => { releaseFirst = resolve; });
    const { bodies, events, written } = bodiesWith(async (_chunk, index) => {
      if (index === 0) await firstHeld; // held until the second piece has been taken (and sealed)
    });
    const source = pieces(3, events);
    const taking = (async function* () {
      for await (const piece of source) {
        if (piece[0] === 2) setTimeout(releaseFirst, 10); // after the second piece's seal, which runs at once
        yield piece;
      }
    })();
    const timeout = setTimeout(releaseFirst, 5000); // if writes were awaited in line, only this would free the first
    const result = await writeEncryptedBody(bodies, 'id', taking, [materials()], { maxBytes: 10 * MiB, contentLength: 3 * MiB });
    clearTimeout(timeout);
    expect(events.indexOf('piece 1')).toBeLessThan(events.indexOf('write 0 done'));
    expect(events.indexOf('write 1 start')).toBeGreaterThan(events.indexOf('write 0 done')); // one write in flight at a time
    expect(events.filter((e) => e.endsWith('start'))).toEqual(['write 0 start', 'write 1 start', 'write 2 start', 'write 3 start']);
    expect(events.at(-1)).toBe('commit');
    expect(result.size).toBe(3 * MiB);
    const stored = new Uint8Array(written.reduce((n, c) => n + c.length, 0));
    written.reduce((at, c) => (stored.set(c, at), at + c.length), 0);
    const plaintext = await decryptMessage(async () => dataKey.slice(), stored);
    expect(plaintext.length).toBe(3 * MiB);
    for (let i = 0; i < 3; i++) expect(plaintext.subarray(i * MiB, (i + 1) * MiB).every((b) => b === i + 1)).toBe(true);
  });

  it('a write that fails fails the body: its error, no further write, aborted after it settled, never committed', async () => {
    const { bodies, events } = bodiesWith(async (_chunk, index) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (index === 0) throw new Error('disk full');
    });
    await expect(writeEncryptedBody(bodies, 'id', pieces(4, events), [materials()], { maxBytes: 10 * MiB }))
      .rejects.toThrow('disk full');
    expect(events.filter((e) => e.startsWith('write'))).toEqual(['write 0 start']);
    expect(events.at(-1)).toBe('abort');
    expect(events).not.toContain('commit');
  });

  it('a failure of the body itself while a write is in flight waits for that write before aborting', async () => {
    const { bodies, events } = bodiesWith(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    // Two pieces declared as one: the second is too long, found while the first one's write is under way.
    await expect(writeEncryptedBody(bodies, 'id', pieces(2, events), [materials()], { maxBytes: 10 * MiB, contentLength: MiB }))
      .rejects.toThrow(/longer than the 1048576 bytes declared/);
    expect(events.slice(-2)).toEqual(['write 0 done', 'abort']);
  });
});
