// The memory a pool worker shares with the calling thread: regions reused, grown on demand, refused
// when full or too small, and never left holding plaintext.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idlePartBuffers, releasePartBuffers } from '../../src/core/part-buffers.js';
import { CipherStateError } from '../../src/core/errors.js';
import { base64ToBytes } from '../../src/core/base64.js';
import { WasmRuntime } from '../../src/core/wasm-runtime.js';
import { CORE_WASM_BASE64 } from '../../src/core/wasm-binary.generated.js';
import { MAX_REGIONS, REGION_BYTES, WorkerMemory } from '../../src/core/worker-memory.js';
import { CORE_SHARED_MAX_PAGES } from '../../src/core/wasm-shared-binary.generated.js';
import { sharedPool, type WorkerPool } from '../../src/core/worker-pool.js';
import { gcm, parallelGcm, parallelXts, terminateWorkers, workerPoolInfo, xts } from '../../src/index.js';
import { decryptRecognizablePlaintextOnThePool, PLAINTEXT_BYTE } from '../helpers/pool-plaintext.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const MiB = 1024 * 1024;
const PAGE = 64 * 1024;
const rng = new SeededRandom(62);

/** Whether `bytes` holds `length` consecutive bytes equal to `value` (plaintext, not random ciphertext). */
function hasRun(bytes: Uint8Array, value: number, length: number): boolean {
  let run = 0;
  for (const byte of bytes) {
    run = byte === value ? run + 1 : 0;
    if (run === length) return true;
  }
  return false;
}

/** Every region of every worker's shared memory. */
const allRegions = (pool: WorkerPool) => Array.from({ length: pool.size }, (_, i) => pool.memoryOf(i)!.regionBytes()).flat();

const sharedMemory = (maximumPages: number) => new WebAssembly.Memory({ initial: 1, maximum: maximumPages, shared: true });

describe('WorkerMemory', () => {
  it('places regions above the worker\'s runtime, growing the memory, and hands a returned one out again', () => {
    const memory = sharedMemory(200);
    const regions = new WorkerMemory(memory, 4096);
    const first = regions.take(1000)!;
    const second = regions.take(REGION_BYTES)!;
    expect([first.address, second.address]).toEqual([4096, 4096 + REGION_BYTES]);
    expect(first.view.length).toBe(1000);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(4096 + 2 * REGION_BYTES);
    regions.give(first, false);
    expect(regions.take(10)!.address).toBe(first.address);
  });

  it('refuses a part larger than a region, and any region beyond the memory\'s maximum', () => {
    const regions = new WorkerMemory(sharedMemory(Math.ceil(REGION_BYTES / PAGE) + 1), 0);
    expect(regions.take(REGION_BYTES + 1)).toBeUndefined();
    expect(regions.take(16)).toBeDefined();
    expect(regions.take(16)).toBeUndefined(); // a second region would pass the maximum
  });

  it('makes at most MAX_REGIONS regions, however many parts are in flight', () => {
    const regions = new WorkerMemory(sharedMemory(CORE_SHARED_MAX_PAGES), 0);
    const taken = Array.from({ length: MAX_REGIONS }, () => regions.take(16));
    expect(taken.every((region) => region !== undefined)).toBe(true);
    expect(regions.take(16)).toBeUndefined();
    regions.give(taken[3]!, false);
    expect(regions.take(16)!.address).toBe(taken[3]!.address);
  });

  it('zeroes a region that held plaintext when it is given back, and leaves ciphertext as it is', () => {
    const regions = new WorkerMemory(sharedMemory(200), 0);
    const [secret, open] = [regions.take(64)!, regions.take(64)!];
    secret.view.fill(7);
    open.view.fill(9);
    regions.give(secret, true);
    regions.give(open, false);
    expect(secret.view.every((x) => x === 0)).toBe(true);
    expect(open.view.every((x) => x === 9)).toBe(true);
  });
});

describe('a runtime sealed for a pool worker', () => {
  it('hands out the slots it made before sealing, then refuses to add one', () => {
    const runtime = new WasmRuntime(new WebAssembly.Instance(new WebAssembly.Module(base64ToBytes(CORE_WASM_BASE64))));
    const base = runtime.seal();
    const slots = Array.from({ length: 4 }, () => runtime.acquireSlot());
    expect(slots.every((slot) => slot < base)).toBe(true);
    expect(() => runtime.acquireSlot()).toThrow(CipherStateError);
    runtime.releaseSlot(slots[0]!);
    expect(runtime.acquireSlot()).toBe(slots[0]);
  });
});

describe('the pool in Node', () => {
  beforeAll(() => terminateWorkers());
  afterAll(() => terminateWorkers());

  it('gives every worker a memory shared with this thread', async () => {
    const info = await workerPoolInfo();
    expect(info.sharedMemory).toBe(true);
    expect(info.workers).toBeGreaterThan(1);
  });

  it('leaves no plaintext in the shared regions after parallel decryptions', async () => {
    await terminateWorkers();
    await decryptRecognizablePlaintextOnThePool(rng);
    const regions = allRegions(await sharedPool());
    expect(regions.length).toBeGreaterThan(0);
    for (const region of regions) expect(region.includes(PLAINTEXT_BYTE)).toBe(false);
  });

  it('zeroes the regions of parts whose jobs never finished (the pool was terminated mid-call)', async () => {
    await terminateWorkers();
    const pool = await sharedPool();
    const [key, iv] = [rng.bytes(32), rng.bytes(12)];
    const sealing = parallelGcm(key, iv).encrypt(new Uint8Array(64 * MiB).fill(PLAINTEXT_BYTE));
    await new Promise((resolve) => setTimeout(resolve, 5)); // the first parts are in the workers' regions
    const rejected = expect(sealing).rejects.toThrow(/terminated/);
    await terminateWorkers();
    await rejected;
    const regions = allRegions(pool);
    expect(regions.length).toBeGreaterThan(0);
    for (const region of regions) expect(hasRun(region, PLAINTEXT_BYTE, 64)).toBe(false);
  });

  it('posts the parts of concurrent calls that find every region taken, with the same results', async () => {
    releasePartBuffers();
    const [key, iv] = [rng.bytes(32), rng.bytes(12)];
    const messages = Array.from({ length: 5 }, () => rng.bytes(6 * MiB));
    const sealed = await Promise.all(messages.map((message) => parallelGcm(key, iv).encrypt(message)));
    sealed.forEach((s, i) => expect(Buffer.from(s).equals(gcm(key, iv).encrypt(messages[i]!))).toBe(true));
    expect(idlePartBuffers().length).toBeGreaterThan(0);
  });

  it('posts a part too large for a region in a transfer buffer, with the same result', async () => {
    releasePartBuffers();
    const [key, data] = [rng.bytes(64), rng.bytes(6 * MiB)];
    const sealed = await parallelXts(key).encryptSectors(data, 5n, 2 * MiB);
    expect(Buffer.from(sealed).equals(xts(key).encryptSectors(data, 5n, 2 * MiB))).toBe(true);
    expect(idlePartBuffers().length).toBeGreaterThan(0);
  });
});
