// Which way a run of sectors goes through the WASM core (xts.ts, cryptSectors): in batches through
// the I/O buffer (the fast path a volume's bulk I/O relies on), one data unit at a time for sectors
// larger than that buffer or numbered past 2^64 − 1 (the core's batches count sectors in 64 bits),
// and where it lies when the data is already in WASM memory (a pool worker's part). Each path gives
// the same bytes, so only the calls into WASM tell them apart: counted here, never timed. Each
// result is also checked against node:crypto. The runtime is this file's own (its module state is
// not shared with other test files), sealed as a pool worker's is, so memory above it is ours.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sectorTweak, xts } from '../../src/index.js';
import { base64ToBytes } from '../../src/core/base64.js';
import { CORE_WASM_BASE64 } from '../../src/core/wasm-binary.generated.js';
import { installRuntime, IO_BUFFER_BYTES } from '../../src/core/wasm-runtime.js';
import { nodeXtsEncrypt } from '../helpers/node-reference.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(3131);
const runtime = installRuntime(new WebAssembly.Instance(new WebAssembly.Module(base64ToBytes(CORE_WASM_BASE64))));
const partsFrom = runtime.seal();

afterEach(() => { vi.restoreAllMocks(); });

/** Encrypts `count` sectors from `first` and returns how many times the input was staged into WASM memory. */
function stagings(sectorSize: number, count: number, first: bigint): number {
  const key = rng.bytes(64);
  const cipher = xts(key);
  const data = rng.bytes(sectorSize * count);
  const stage = vi.spyOn(runtime, 'stage');
  const sealed = cipher.encryptSectors(data, first, sectorSize);
  const calls = stage.mock.calls.length;
  stage.mockRestore();
  for (let s = 0; s < count; s++) {
    const expected = nodeXtsEncrypt(key, sectorTweak(first + BigInt(s)), data.subarray(s * sectorSize, (s + 1) * sectorSize));
    expect(Buffer.from(sealed.subarray(s * sectorSize, (s + 1) * sectorSize)).equals(expected), `sector ${first + BigInt(s)}`).toBe(true);
  }
  cipher.dispose();
  return calls;
}

describe('one data unit', () => {
  it('goes through the I/O buffer in as few pieces as fit, keeping a whole block before a partial tail', () => {
    const key = rng.bytes(64);
    const cipher = xts(key);
    const tweak = rng.bytes(16);
    for (const [length, pieces] of [[2 * IO_BUFFER_BYTES, 2], [IO_BUFFER_BYTES + 5, 2], [3 * IO_BUFFER_BYTES + 100, 4]] as const) {
      const data = rng.bytes(length);
      const stage = vi.spyOn(runtime, 'stage');
      const sealed = cipher.encrypt(data, tweak);
      expect(stage.mock.calls.length, `${length} bytes`).toBe(1 + pieces); // the tweak, then the pieces
      stage.mockRestore();
      expect(Buffer.from(sealed).equals(nodeXtsEncrypt(key, tweak, data)), `${length} bytes`).toBe(true);
    }
    cipher.dispose();
  });
});

describe('a run of sectors', () => {
  it('goes through the I/O buffer in batches: once for 8 small sectors, once per sector as large as the buffer', () => {
    expect(stagings(512, 8, 0n)).toBe(1);
    expect(stagings(IO_BUFFER_BYTES, 2, 7n)).toBe(2);
  });

  it('is batched up to sector 2^64 − 1 and goes one data unit at a time (tweak, then data) past it', () => {
    expect(stagings(512, 2, 2n ** 64n - 2n)).toBe(1);
    expect(stagings(512, 2, 2n ** 64n - 1n)).toBe(4);
  });

  it('goes one data unit at a time when its sectors are larger than the I/O buffer', () => {
    expect(stagings(IO_BUFFER_BYTES + 16, 2, 0n)).toBe(2 * (1 + 2));
  });

  it('that already lies in WASM memory (a pool worker\'s part) is transformed where it lies, and staged nowhere', () => {
    const key = rng.bytes(64);
    const cipher = xts(key);
    const plaintext = rng.bytes(8 * 512);
    runtime.core.memory.grow(1);
    const part = runtime.bytes().subarray(partsFrom, partsFrom + plaintext.length);
    part.set(plaintext);
    const stage = vi.spyOn(runtime, 'stage');
    expect(cipher.encryptSectorsInPlace(part, 40n, 512)).toBe(part);
    expect(stage).not.toHaveBeenCalled();
    for (let s = 0; s < 8; s++) {
      const expected = nodeXtsEncrypt(key, sectorTweak(40n + BigInt(s)), plaintext.subarray(s * 512, (s + 1) * 512));
      expect(Buffer.from(part.subarray(s * 512, (s + 1) * 512)).equals(expected), `sector ${40 + s}`).toBe(true);
    }
    cipher.decryptSectorsInPlace(part, 40n, 512);
    expect(Buffer.from(part).equals(plaintext)).toBe(true);
    cipher.dispose();
  });
});
