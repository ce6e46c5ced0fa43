// The pooled framed encryptor/decryptor (the CLI's): round trips at sizes around the 512 KiB pool
// threshold and the 1 MiB batches, fed whole and in uneven chunks; its messages equal the
// single-thread encryptor's byte for byte (same data key and message id: every IV and AAD follows
// from the frame number), each side decrypts the other's; batches really run on the pool, with
// shared memory and with posted buffers; a flipped byte in any frame fails with AuthenticationError
// and releases nothing of its chunk.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError } from '../../src/core/errors.js';
import { poolSettings, terminateWorkers, WorkerPool } from '../../src/core/worker-pool.js';
import { decryptMessage, encryptMessage, type EncryptionMaterials } from '../../src/index.js';
import { pooledDecryptStream, pooledEncryptStream } from '../../src/envelope/pooled-framed-cipher.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const FRAME = 64 * KiB;

const dataKey = crypto.getRandomValues(new Uint8Array(32));
const materials = (): EncryptionMaterials => ({
  dataKey: dataKey.slice(), encryptionContext: { purpose: 'pool test' }, wrappedKeys: [{ providerId: 'test', keyId: 'k', blob: new Uint8Array(8) }],
});
const resolve = async () => dataKey.slice();

const random = (length: number) => {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(length, i + 65536)));
  return bytes;
};
const same = (actual: Uint8Array, expected: Uint8Array, what: string) => expect(Buffer.from(actual).equals(Buffer.from(expected)), what).toBe(true);

/** Feeds `input` through `transform` in chunks of `chunkBytes`; returns each output chunk (or the error, with what came out before it). */
async function run(transform: TransformStream<Uint8Array, Uint8Array>, input: Uint8Array, chunkBytes: number):
  Promise<{ outputs: Uint8Array[]; error?: unknown }> {
  const outputs: Uint8Array[] = [];
  let at = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= input.length) return controller.close();
      controller.enqueue(Buffer.from(input.subarray(at, at + chunkBytes))); // Buffers, as a Node file stream gives
      at += chunkBytes;
    },
  });
  try {
    await source.pipeThrough(transform).pipeTo(new WritableStream({ write: (chunk) => void outputs.push(chunk) }));
    return { outputs };
  } catch (error) {
    return { outputs, error };
  }
}
const joined = (parts: Uint8Array[]) => Buffer.concat(parts);

/** Runs `work` with crypto.getRandomValues answering a fixed message id, so two encryptors write the same header. */
function withFixedMessageId<T>(work: () => T): T {
  const spy = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<A extends ArrayBufferView>(array: A) => {
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).fill(0x42);
    return array;
  });
  try {
    return work();
  } finally {
    spy.mockRestore();
  }
}

/** Counts the gcm-frames jobs the pool runs while `work` runs. */
async function framesJobsDuring(work: () => Promise<void>): Promise<number> {
  const spy = vi.spyOn(WorkerPool.prototype, 'run');
  try {
    await work();
    return spy.mock.calls.filter(([job]) => job.kind === 'gcm-frames').length;
  } finally {
    spy.mockRestore();
  }
}

const SIZES = [0, 1, FRAME - 1, FRAME, 512 * KiB - 1, 512 * KiB, 512 * KiB + 1, MiB - 1, MiB, MiB + 17, 3 * MiB + 5];

afterEach(async () => {
  poolSettings.sharedMemory = true;
  await terminateWorkers();
});

describe('pooled framed encryption', () => {
  it("decrypts an AWS Encryption SDK message too (on this thread), as decryptStream does: the CLI's large files may be in either format", async () => {
    const plaintext = random(2 * MiB + 3);
    const message = encryptMessage(materials(), plaintext, { format: 'aws-esdk' });
    const jobs = await framesJobsDuring(async () => {
      const opened = await run(pooledDecryptStream(resolve), message, MiB);
      expect(opened.error).toBeUndefined();
      same(joined(opened.outputs), plaintext, 'aws-esdk message');
    });
    expect(jobs).toBe(0);
    const damaged = message.slice();
    damaged[damaged.length - 200]! ^= 1;
    const { outputs, error } = await run(pooledDecryptStream(resolve), damaged, MiB);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(joined(outputs).length).toBeLessThan(plaintext.length);
  });

  it('equals the single-thread message byte for byte, and each decrypts the other, around the threshold and batch sizes', async () => {
    for (const size of SIZES) {
      const plaintext = random(size);
      for (const chunkBytes of [4 * MiB, 700_001]) {
        const what = `${size} B in chunks of ${chunkBytes}`;
        const pooledStream = withFixedMessageId(() => pooledEncryptStream(materials()));
        const single = withFixedMessageId(() => encryptMessage(materials(), plaintext));
        const pooled = await run(pooledStream, plaintext, chunkBytes);
        expect(pooled.error, what).toBeUndefined();
        same(joined(pooled.outputs), single, what);
        same(await decryptMessage(resolve, joined(pooled.outputs)), plaintext, what);
        const opened = await run(pooledDecryptStream(resolve), single, chunkBytes);
        expect(opened.error, what).toBeUndefined();
        same(joined(opened.outputs), plaintext, what);
      }
    }
  });

  for (const sharedMemory of [true, false]) {
    it(`runs the frames of a large chunk on the pool in batches (${sharedMemory ? 'shared memory' : 'posted buffers'})`, async () => {
      poolSettings.sharedMemory = sharedMemory;
      await terminateWorkers();
      const plaintext = random(3 * MiB + 5);
      let sealed = new Uint8Array(0);
      const sealing = await framesJobsDuring(async () => {
        const { outputs, error } = await run(pooledEncryptStream(materials()), plaintext, 4 * MiB);
        expect(error).toBeUndefined();
        sealed = joined(outputs);
      });
      // 3 MiB of frames in batches of at most 1 MiB: at least three jobs.
      expect(sealing).toBeGreaterThanOrEqual(3);
      let opened = new Uint8Array(0);
      const opening = await framesJobsDuring(async () => {
        const { outputs, error } = await run(pooledDecryptStream(resolve), sealed, 4 * MiB);
        expect(error).toBeUndefined();
        opened = joined(outputs);
      });
      expect(opening).toBeGreaterThanOrEqual(3);
      same(opened, plaintext, 'round trip');
      same(await decryptMessage(resolve, sealed), plaintext, 'single-thread decrypt');
    });

    it(`a flipped byte in any frame fails with AuthenticationError, releasing nothing of its chunk (${sharedMemory ? 'shared memory' : 'posted buffers'})`, async () => {
      poolSettings.sharedMemory = sharedMemory;
      await terminateWorkers();
      const plaintext = random(2 * MiB + 100);
      const sealed = encryptMessage(materials(), plaintext);
      const frameBytes = 4 + FRAME + 16;
      const bodyStart = sealed.length - (100 + 28) - 32 * frameBytes; // the header's end: 32 full frames, then the final frame (12-byte prefix + 16-byte tag)
      const spots = [bodyStart + 4, bodyStart + 5 * frameBytes + 1000, bodyStart + 17 * frameBytes - 1, bodyStart + 31 * frameBytes + 4 + 7, sealed.length - 20, sealed.length - 1];
      for (const at of spots) {
        const damaged = sealed.slice();
        damaged[at]! ^= 0x01;
        const { outputs, error } = await run(pooledDecryptStream(resolve), damaged, 4 * MiB);
        expect(error, `byte ${at}`).toBeInstanceOf(AuthenticationError);
        expect(outputs, `byte ${at}`).toEqual([]);
      }
    });
  }

  describe('a message of many reads (more than the chunks it keeps in flight)', () => {
    const size = 13 * MiB + 5;
    const plaintext = random(size);
    const sealed = withFixedMessageId(() => encryptMessage(materials(), plaintext));
    const fullFrames = Math.floor(size / FRAME);
    const sealedFrame = 4 + FRAME + 16;
    const bodyStart = sealed.length - (size % FRAME + 28) - fullFrames * sealedFrame;
    /** Where the plaintext of the frame holding sealed byte `at` starts. */
    const plaintextOfFrameAt = (at: number) => Math.floor((at - bodyStart) / sealedFrame) * FRAME;

    it('encrypts to the single-thread message and decrypts it, byte for byte, in 1 MiB and uneven reads', async () => {
      for (const chunkBytes of [MiB, 3 * MiB + 11]) {
        const pooled = await run(withFixedMessageId(() => pooledEncryptStream(materials())), plaintext, chunkBytes);
        expect(pooled.error).toBeUndefined();
        same(joined(pooled.outputs), sealed, `encrypt in chunks of ${chunkBytes}`);
        const opened = await run(pooledDecryptStream(resolve), sealed, chunkBytes);
        expect(opened.error).toBeUndefined();
        same(joined(opened.outputs), plaintext, `decrypt in chunks of ${chunkBytes}`);
      }
    });

    it('a flipped byte in an early, middle or last read fails; what came out before is the plaintext up to, never including, the damaged frame', async () => {
      for (const at of [bodyStart + 10, bodyStart + 100 * sealedFrame + 77, bodyStart + 150 * sealedFrame - 1, sealed.length - 1]) {
        const damaged = sealed.slice();
        damaged[at]! ^= 0x80;
        const { outputs, error } = await run(pooledDecryptStream(resolve), damaged, MiB);
        expect(error, `byte ${at}`).toBeInstanceOf(AuthenticationError);
        const released = joined(outputs);
        expect(released.length, `byte ${at}`).toBeLessThanOrEqual(plaintextOfFrameAt(at));
        same(released, plaintext.subarray(0, released.length), `byte ${at}`);
      }
    });

    it('a message cut short anywhere fails as truncated, having released only whole frames before the cut', async () => {
      for (const length of [bodyStart + 3, bodyStart + 5 * MiB, bodyStart + 90 * sealedFrame, sealed.length - 1]) {
        const { outputs, error } = await run(pooledDecryptStream(resolve), sealed.subarray(0, length), MiB);
        expect((error as Error | undefined)?.message, `cut at ${length}`).toBe('the message is truncated: its final frame is missing');
        const released = joined(outputs);
        expect(released.length, `cut at ${length}`).toBeLessThanOrEqual(plaintextOfFrameAt(length));
        same(released, plaintext.subarray(0, released.length), `cut at ${length}`);
      }
    });
  });
});
