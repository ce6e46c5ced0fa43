// Transfer buffers of the worker pool: reused while idle, bounded, and never left holding plaintext.
import { afterAll, describe, expect, it } from 'vitest';
import { idlePartBuffers, releasePartBuffers, returnPartBuffer, takePartBuffer } from '../../src/core/part-buffers.js';
import { poolSettings } from '../../src/core/worker-pool.js';
import { terminateWorkers } from '../../src/index.js';
import { decryptRecognizablePlaintextOnThePool, PLAINTEXT_BYTE } from '../helpers/pool-plaintext.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(61);

afterAll(() => terminateWorkers());

describe('part buffers', () => {
  it('hands a returned buffer out again, for any part that fits it', () => {
    releasePartBuffers();
    const first = takePartBuffer(1000, 4096);
    expect(first.length).toBe(1000);
    expect(first.buffer.byteLength).toBe(4096);
    returnPartBuffer(first, false, 4);
    const second = takePartBuffer(4096, 4096);
    expect(second.buffer).toBe(first.buffer);
    expect(takePartBuffer(5000, 4096).buffer.byteLength).toBe(5000); // none large enough: a new one
  });

  it('keeps at most `keep` idle buffers', () => {
    releasePartBuffers();
    for (let i = 0; i < 5; i++) returnPartBuffer(new Uint8Array(16), false, 3);
    expect(idlePartBuffers()).toHaveLength(3);
  });

  it('zeroes secret contents before keeping them, and leaves ciphertext as it is', () => {
    releasePartBuffers();
    returnPartBuffer(new Uint8Array(64).fill(7), true, 4);
    returnPartBuffer(new Uint8Array(64).fill(9), false, 4);
    expect(idlePartBuffers().map((b) => new Uint8Array(b).every((x) => x === 0))).toEqual([true, false]);
  });

  it('hold no plaintext after parallel decryptions', async () => {
    await terminateWorkers(); // a pool that posts parts, as in a browser page that is not cross-origin isolated
    poolSettings.sharedMemory = false;
    releasePartBuffers();
    await decryptRecognizablePlaintextOnThePool(rng);
    expect(idlePartBuffers().length).toBeGreaterThan(0);
    for (const buffer of idlePartBuffers()) expect(new Uint8Array(buffer).includes(PLAINTEXT_BYTE)).toBe(false);
    await terminateWorkers();
    poolSettings.sharedMemory = true;
  });
});
