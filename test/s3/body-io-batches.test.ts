// How a body meets its store: a PUT fed in 64 KiB pieces (as a socket gives them) is sealed and
// written 1 MiB at a time, and a GET reads the frames it needs up to 1 MiB at a time — never a frame
// it does not need (a 10-byte Range reads the header and one frame). Counted on the store's own calls,
// with every SSE mode's layers (DSSE-KMS: two), and the bytes read back checked.

import { describe, expect, it, vi } from 'vitest';
import { KeyManagementService, ObjectStore } from '../../src/index.js';
import type { BodyReader, BodyWriter, MemoryBodies } from '../../src/s3/object-bodies.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { sseModes } from '../helpers/sse-modes.js';

const MiB = 1024 * 1024;
const FRAME = 64 * 1024;
const rng = new SeededRandom(1519);
const customerKey = Buffer.from(rng.bytes(32));
const MODES = sseModes({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey.toString('base64'),
  SSECustomerKeyMD5: (await import('node:crypto')).createHash('md5').update(customerKey).digest('base64') });

describe.each(MODES)('body reads and writes in batches, $mode', ({ put, get }) => {
  it('a 6 MiB PUT in 64 KiB pieces is written in 1 MiB batches; a GET reads the frames 1 MiB at a time, a small Range one frame', async () => {
    const s3 = new ObjectStore({ kms: new KeyManagementService({ account: '111122223333', region: 'us-east-1' }) });
    await s3.createBucket({ Bucket: 'batches' });
    const bodies = (s3 as unknown as { bodies: MemoryBodies }).bodies;
    const writes: number[] = [];
    const reads: number[] = [];
    const create = bodies.create.bind(bodies);
    const open = bodies.open.bind(bodies);
    vi.spyOn(bodies, 'create').mockImplementation(async (id) => {
      const writer: BodyWriter = await create(id);
      return { ...writer, write: (chunk) => { writes.push(chunk.length); return writer.write(chunk); } };
    });
    vi.spyOn(bodies, 'open').mockImplementation(async (id) => {
      const reader: BodyReader = await open(id);
      return { ...reader, size: reader.size, read: (offset, length) => { reads.push(length); return reader.read(offset, length); } };
    });
    const body = rng.bytes(6 * MiB + 5);
    async function* socket() { for (let at = 0; at < body.length; at += FRAME) yield body.slice(at, at + FRAME); }
    await s3.putObject({ Bucket: 'batches', Key: 'k', Body: socket(), ...put });
    // 6 MiB + 5 bytes: six 1 MiB batches, then the rest and the final frame(s) (DSSE's two layers: no more writes, as the outer layer seals the inner's output).
    expect(writes.length).toBeLessThanOrEqual(8);
    expect(writes.slice(0, 6).every((n) => n >= MiB)).toBe(true);

    const whole = await (await s3.getObject({ Bucket: 'batches', Key: 'k', ...get })).Body.transformToByteArray();
    expect(Buffer.from(whole).equals(Buffer.from(body))).toBe(true);
    expect(reads.length).toBeLessThanOrEqual(12); // the header (each layer's) and 7 MiB of frames in ≤ 1 MiB reads; one per frame would be 97+
    expect(Math.max(...reads)).toBeLessThanOrEqual(MiB);

    reads.length = 0;
    const ranged = await (await s3.getObject({ Bucket: 'batches', Key: 'k', Range: 'bytes=3000000-3000009', ...get })).Body.transformToByteArray();
    expect(Buffer.from(ranged).equals(Buffer.from(body.subarray(3_000_000, 3_000_010)))).toBe(true);
    const frameBytes = 4 + FRAME + 16;
    // The header read(s), then one frame per layer: never more than one frame's bytes at once (DSSE: the outer layer's frames under the inner's).
    expect(reads.filter((n) => n > 4096).every((n) => n <= 2 * frameBytes)).toBe(true);
    expect(reads.reduce((sum, n) => sum + n, 0)).toBeLessThanOrEqual(4 * 4096 + 2 * 2 * frameBytes);
  });
});
