// Which way GCM text goes through the WASM core (gcm-state.ts, crypt): through the I/O buffer in
// as few pieces as fit, or, for text already in WASM memory (a pool worker's part), where it lies.
// Both give the same bytes, so only the copies into WASM memory tell them apart: counted here,
// never timed; each result is also checked against node:crypto. The runtime is this file's own
// (its module state is not shared with other test files), sealed as a pool worker's is, so memory
// above it is ours.
import { createCipheriv } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { base64ToBytes } from '../../src/core/base64.js';
import { GcmState } from '../../src/core/gcm-state.js';
import { CORE_WASM_BASE64 } from '../../src/core/wasm-binary.generated.js';
import { installRuntime, IO_BUFFER_BYTES } from '../../src/core/wasm-runtime.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(4141);
const runtime = installRuntime(new WebAssembly.Instance(new WebAssembly.Module(base64ToBytes(CORE_WASM_BASE64))));
const partsFrom = runtime.seal();

afterEach(() => { vi.restoreAllMocks(); });

function nodeSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

describe('GCM text', () => {
  it('goes through the I/O buffer in as few pieces as fit (one copy per full buffer, one for the rest)', () => {
    const [key, iv] = [rng.bytes(32), rng.bytes(12)];
    for (const [length, pieces] of [[IO_BUFFER_BYTES, 1], [2 * IO_BUFFER_BYTES, 2], [IO_BUFFER_BYTES + 1, 2]] as const) {
      const plaintext = rng.bytes(length);
      const state = GcmState.forMessage(key, iv, new Uint8Array(0), true);
      const output = new Uint8Array(length);
      const stage = vi.spyOn(runtime, 'stage');
      state.encrypt(plaintext, output, 0);
      expect(stage.mock.calls.length, `${length} bytes`).toBe(pieces);
      stage.mockRestore();
      const expected = nodeSeal(key, iv, plaintext);
      expect(Buffer.from(output).equals(expected.ciphertext), `${length} bytes`).toBe(true);
      expect(Buffer.from(state.finish()).equals(expected.tag), `${length} bytes`).toBe(true);
    }
  });

  it('that already lies in WASM memory (a pool worker\'s part) is transformed where it lies, and staged nowhere', () => {
    const [key, iv] = [rng.bytes(32), rng.bytes(12)];
    const plaintext = rng.bytes(5000);
    runtime.core.memory.grow(1);
    const part = runtime.bytes().subarray(partsFrom, partsFrom + plaintext.length);
    part.set(plaintext);
    const state = GcmState.forMessage(key, iv, new Uint8Array(0), true);
    const stage = vi.spyOn(runtime, 'stage');
    state.encrypt(part, part, 0);
    expect(stage).not.toHaveBeenCalled();
    const expected = nodeSeal(key, iv, plaintext);
    expect(Buffer.from(part).equals(expected.ciphertext)).toBe(true);
    expect(Buffer.from(state.finish()).equals(expected.tag)).toBe(true);
  });
});
