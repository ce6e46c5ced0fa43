// The worker pool: parallelGcm and ParallelXts are byte-identical to the single-thread ciphers,
// leave the caller's buffers alone, authenticate before releasing plaintext, and never keep a
// process alive.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError, CipherStateError, gcm, InvalidInputError, PARALLEL_THRESHOLD_BYTES, parallelGcm, parallelXts,
  terminateWorkers, workerPoolInfo, xts,
} from '../../src/index.js';
import { GcmState } from '../../src/core/gcm-state.js';
import { poolSettings, sharedPool, WorkerPool } from '../../src/core/worker-pool.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const MiB = 1024 * 1024;
const rng = new SeededRandom(60);
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes); // Node Buffers: their .slice() is a view

afterAll(() => terminateWorkers());

// Every equality test runs twice: parts written into the workers' shared memory (what Node does),
// and parts posted in transfer buffers (what a browser page that is not cross-origin isolated does).
describe.each([['shared memory', true], ['posted buffers', false]] as const)('over %s', (_, sharedMemory) => {
  beforeAll(async () => {
    await terminateWorkers();
    poolSettings.sharedMemory = sharedMemory;
    expect((await workerPoolInfo()).sharedMemory).toBe(sharedMemory);
  });
  afterAll(async () => {
    await terminateWorkers();
    poolSettings.sharedMemory = true;
  });

  describe('parallelGcm', () => {
    const sizes = [0, 1, 4095, PARALLEL_THRESHOLD_BYTES - 1, PARALLEL_THRESHOLD_BYTES, 4 * MiB + 5, 9 * MiB + 3];

    it.each(sizes)('equals gcm() at %i bytes, both ways, and leaves the inputs unchanged', async (size) => {
      for (const [ivLength, options] of [[12, undefined], [7, { constantTime: true }], [12, { tagLength: 12 }]] as const) {
        const inputs = [rng.bytes(32), rng.bytes(ivLength), rng.bytes(33), rng.bytes(size)].map(asBuffer);
        const [key, iv, aad, plaintext] = inputs as [Buffer, Buffer, Buffer, Buffer];
        const before = inputs.map((b) => Buffer.from(b));
        const expected = gcm(key, iv, aad, options).encrypt(plaintext);
        const sealed = await parallelGcm(key, iv, aad, options).encrypt(plaintext);
        expect(Buffer.from(sealed).equals(expected), `iv ${ivLength}`).toBe(true);
        const opened = await parallelGcm(key, iv, aad, options).decrypt(asBuffer(sealed));
        expect(Buffer.from(opened).equals(plaintext)).toBe(true);
        inputs.forEach((b, i) => expect(b.equals(before[i]!)).toBe(true));
      }
    });

    it('carries the 32-bit counter across parts through its wrap-around', async () => {
      const key = rng.bytes(32);
      // Find an IV whose J0 counter wraps within a 3 MiB message (196,608 blocks).
      let iv = rng.bytes(7);
      for (;;) {
        const state = GcmState.forMessage(key, iv, new Uint8Array(0), false);
        const counter = new DataView(state.preCounterBlock().buffer).getUint32(12);
        state.release();
        if (counter > 2 ** 32 - 190_000) break;
        iv = rng.bytes(7);
      }
      const plaintext = rng.bytes(3 * MiB);
      expect(Buffer.from(await parallelGcm(key, iv).encrypt(plaintext)).equals(gcm(key, iv).encrypt(plaintext))).toBe(true);
    });

    it('rejects a flipped byte anywhere and releases no plaintext', async () => {
      const [key, iv] = [rng.bytes(32), rng.bytes(12)];
      const sealed = await parallelGcm(key, iv).encrypt(rng.bytes(6 * MiB));
      for (const index of [0, 3 * MiB + 17, 6 * MiB - 1, 6 * MiB + 3]) {
        const tampered = sealed.slice();
        tampered[index]! ^= 0x10;
        await expect(parallelGcm(key, iv).decrypt(tampered)).rejects.toThrow(AuthenticationError);
      }
      await expect(parallelGcm(key, rng.bytes(12)).decrypt(sealed)).rejects.toThrow(AuthenticationError);
    });

    it('checks its inputs as gcm() does', async () => {
      expect(() => parallelGcm(rng.bytes(16), rng.bytes(12))).toThrow(InvalidInputError);
      expect(() => parallelGcm(rng.bytes(32), new Uint8Array(0))).toThrow(/iv: must not be empty/);
      await expect(parallelGcm(rng.bytes(32), rng.bytes(12)).encrypt('text' as unknown as Uint8Array)).rejects.toThrow(InvalidInputError);
      await expect(parallelGcm(rng.bytes(32), rng.bytes(12)).decrypt(new Uint8Array(15))).rejects.toThrow(/at least the 16-byte tag/);
    });
  });

  describe('ParallelXts', () => {
    it.each([[4096, 1], [4096, 300], [512, 20_000], [65536, 40], [2 * MiB, 3]])('equals xts().encryptSectors for %i-byte sectors × %i', async (sectorSize, count) => {
      const key = asBuffer(rng.bytes(64));
      const data = asBuffer(rng.bytes(sectorSize * count));
      const before = Buffer.from(data);
      const cipher = parallelXts(key);
      const sealed = await cipher.encryptSectors(data, 77n, sectorSize);
      expect(Buffer.from(sealed).equals(xts(key).encryptSectors(data, 77n, sectorSize))).toBe(true);
      expect(Buffer.from(await cipher.decryptSectors(sealed, 77n, sectorSize)).equals(data)).toBe(true);
      expect(data.equals(before)).toBe(true);
      cipher.dispose();
    });

    it.each([[4096, 300], [512, 3000], [4096, 10]])('encrypts and decrypts in place (%i-byte sectors × %i), as xts() does', async (sectorSize, count) => {
      const key = rng.bytes(64);
      const plaintext = rng.bytes(sectorSize * count);
      const data = plaintext.slice();
      const cipher = parallelXts(key);
      expect(await cipher.encryptSectorsInPlace(data, 9n, sectorSize)).toBe(data);
      expect(Buffer.from(data).equals(xts(key).encryptSectors(plaintext, 9n, sectorSize))).toBe(true);
      expect(await cipher.decryptSectorsInPlace(data, 9n, sectorSize)).toBe(data);
      expect(Buffer.from(data).equals(plaintext)).toBe(true);
      await expect(cipher.encryptSectorsInPlace(rng.bytes(sectorSize + 1), 0n, sectorSize)).rejects.toThrow(InvalidInputError);
      cipher.dispose();
    });

    it('checks its inputs, and dispose() zeroes its own key copy, not the caller\'s', async () => {
      const half = rng.bytes(32);
      expect(() => parallelXts(new Uint8Array([...half, ...half]))).toThrow(/halves/);
      const key = asBuffer(rng.bytes(64));
      const cipher = parallelXts(key);
      await expect(cipher.encryptSectors(rng.bytes(4097), 0n)).rejects.toThrow(/whole number of 4096-byte sectors/);
      await expect(cipher.encryptSectors(rng.bytes(4096), 0n, 100)).rejects.toThrow(InvalidInputError);
      await expect(cipher.encryptSectors(rng.bytes(4096), -1n)).rejects.toThrow(/sectorNumber/);
      cipher.dispose();
      expect(key.some((b) => b !== 0)).toBe(true);
      await expect(cipher.encryptSectors(rng.bytes(4096), 0n)).rejects.toThrow(CipherStateError);
    });
  });
});

describe('the pool', () => {
  it('reports an error thrown inside a worker as a rejection with its name', async () => {
    const pool = await sharedPool();
    const job = { kind: 'xts-sectors' as const, key: rng.bytes(5), firstSector: 0n, sectorSize: 4096, encrypting: true, data: rng.bytes(4096) };
    await expect(pool.run(job)).rejects.toMatchObject({ name: 'InvalidInputError' });
  });

  it('a worker that dies fails the calls in flight, and the next call gets a new pool instead of hanging', async () => {
    const [key, iv, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(8 * MiB)];
    const expected = gcm(key, iv).encrypt(plaintext);
    const pool = await sharedPool();
    const inFlight = parallelGcm(key, iv).encrypt(plaintext);
    // A request the worker's message handler cannot read: it throws outside any job, and the worker dies.
    (pool as unknown as { workers: Array<{ post(message: unknown): void }> }).workers[0]!.post(null);
    await expect(inFlight).rejects.toThrow();
    await expect(pool.run({ kind: 'xts-sectors', key: rng.bytes(64), firstSector: 0n, sectorSize: 4096, encrypting: true, data: rng.bytes(4096) }))
      .rejects.toThrow(); // the broken pool refuses work rather than posting it to a dead worker
    expect(await sharedPool()).not.toBe(pool);
    expect(Buffer.from(await parallelGcm(key, iv).encrypt(plaintext)).equals(expected)).toBe(true);
  }, 30_000);

  it('cuts a message into one part per core while parts stay within 1 MiB, else into ~1 MiB parts per worker', async () => {
    const pool = await sharedPool();
    const run = vi.spyOn(pool, 'run');
    try {
      const cipher = parallelXts(rng.bytes(64));
      const partsFor = async (bytes: number) => {
        run.mockClear();
        await cipher.encryptSectors(rng.bytes(bytes), 0n);
        return run.mock.calls.length;
      };
      expect(await partsFor(MiB)).toBe(pool.cores);
      expect(await partsFor(pool.cores * MiB)).toBe(pool.cores);
      expect(await partsFor(pool.cores * MiB + 4096)).toBe(pool.size * Math.ceil((pool.cores * MiB + 4096) / MiB / pool.size));
      expect(await partsFor(64 * MiB)).toBe(pool.size * Math.ceil(64 / pool.size));
    } finally {
      run.mockRestore();
    }
  });

  it('a pool that fails to start fails that call, and the next call starts one', async () => {
    await terminateWorkers();
    const start = vi.spyOn(WorkerPool, 'start').mockRejectedValueOnce(new Error('no threads left'));
    try {
      const [key, iv, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(2 * MiB)];
      await expect(parallelGcm(key, iv).encrypt(plaintext)).rejects.toThrow('no threads left');
      expect(Buffer.from(await parallelGcm(key, iv).encrypt(plaintext)).equals(gcm(key, iv).encrypt(plaintext))).toBe(true);
      expect(start).toHaveBeenCalledTimes(2);
    } finally {
      start.mockRestore();
    }
  });

  it('starts again after terminateWorkers()', async () => {
    await terminateWorkers();
    const [key, iv, plaintext] = [rng.bytes(32), rng.bytes(12), rng.bytes(2 * MiB)];
    expect(Buffer.from(await parallelGcm(key, iv).encrypt(plaintext)).equals(gcm(key, iv).encrypt(plaintext))).toBe(true);
  });

  it('does not keep a Node process alive once its work is done', () => {
    const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    const script = `import { parallelGcm } from ${JSON.stringify(dist)};
      const sealed = await parallelGcm(new Uint8Array(32).fill(1), new Uint8Array(12)).encrypt(new Uint8Array(4 << 20));
      console.log('sealed', sealed.length);`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(output.trim()).toBe(`sealed ${(4 << 20) + 16}`);
  });
});
