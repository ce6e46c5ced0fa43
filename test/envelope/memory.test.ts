// A 1 GiB object streams through encryption and decryption in memory bounded by a few frames.
import { describe, expect, it } from 'vitest';
import { decryptStream, encryptStream } from '../../src/index.js';

const MiB = 1024 * 1024;
const TOTAL = 1024 * MiB;

const gc = (globalThis as { gc?: () => void }).gc;

describe('streaming memory', () => {
  it('encrypts and decrypts 1 GiB with live memory growing by well under 64 MiB', async () => {
    expect(gc, 'run with --expose-gc (vitest.config.ts)').toBeTypeOf('function');
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    const chunk = new Uint8Array(MiB);
    let produced = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (produced === TOTAL) {
          controller.close();
          return;
        }
        chunk.fill(produced / MiB & 0xff);
        controller.enqueue(chunk.slice());
        produced += MiB;
      },
    }, { highWaterMark: 1 });
    gc!();
    const baseline = process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed;
    let peak = 0;
    let received = 0;
    let mismatch: string | undefined;
    const sink = new WritableStream<Uint8Array>({
      write(part) {
        for (let i = 0; i < part.length; i += 4099) {
          const expected = ((received + i) / MiB) & 0xff;
          if (part[i] !== expected && !mismatch) mismatch = `byte ${received + i}`;
        }
        received += part.length;
        if ((received & (64 * MiB - 1)) < part.length) {
          gc!();
          const { arrayBuffers, heapUsed } = process.memoryUsage();
          peak = Math.max(peak, arrayBuffers + heapUsed - baseline);
        }
      },
    });
    const resolve = async () => dataKey.slice();
    await source
      .pipeThrough(encryptStream({ dataKey: dataKey.slice(), encryptionContext: {}, wrappedKeys: [{ providerId: 'test', keyId: 'k', blob: new Uint8Array(8) }] }))
      .pipeThrough(decryptStream(resolve))
      .pipeTo(sink);
    expect(mismatch).toBeUndefined();
    expect(received).toBe(TOTAL);
    console.log(`1 GiB streamed: peak live-memory growth ${(peak / MiB).toFixed(1)} MiB`);
    expect(peak).toBeLessThan(64 * MiB);
  });
});
