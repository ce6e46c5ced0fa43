// The WASM core's kernels as the core probes run them: a core instantiated from a file, a context,
// a key and a data buffer in its memory, and each kernel as a setup step and a step over the data
// (core-instructions.mjs counts both, core-best-time.mjs times the step alone).
import { readFileSync } from 'node:fs';

export const CORE_KERNELS = ['aad', 'gcm', 'gcm-dec', 'aad-ct', 'gcm-ct', 'xts-enc', 'xts-dec'];

/** The core at `coreFile` with room for `bytes` of data: { core, ctx, key, data }. */
export async function coreWithData(coreFile, bytes) {
  const { instance } = await WebAssembly.instantiate(readFileSync(coreFile), {});
  const core = instance.exports;
  const ctx = Math.ceil(core.heapBase() / 64) * 64;
  const key = ctx + Math.ceil(core.contextBytes() / 64) * 64;
  const data = key + 128;
  const needed = data + bytes + 64;
  const have = core.memory.buffer.byteLength;
  if (needed > have) core.memory.grow(Math.ceil((needed - have) / 65536));
  new Uint8Array(core.memory.buffer, key, 64).fill(7);
  return { core, ctx, key, data };
}

/** { setup(), step() } of `kernel` over `bytes` bytes of the data buffer. */
export function coreKernel(kernel, { core, ctx, key, data }, bytes) {
  const gcmStart = (constantTime) => () => { core.gcmInit(ctx, key, constantTime); core.gcmSetIv96(ctx, key); };
  switch (kernel) {
    case 'aad': return { setup: gcmStart(false), step: () => core.gcmAad(ctx, data, bytes) };
    case 'gcm': return { setup: gcmStart(false), step: () => { core.gcmEncrypt(ctx, data, bytes); core.gcmFinal(ctx); } };
    case 'gcm-dec': return { setup: gcmStart(false), step: () => { core.gcmDecrypt(ctx, data, bytes); core.gcmFinal(ctx); } };
    case 'aad-ct': return { setup: gcmStart(true), step: () => core.gcmAad(ctx, data, bytes) };
    case 'gcm-ct': return { setup: gcmStart(true), step: () => { core.gcmEncrypt(ctx, data, bytes); core.gcmFinal(ctx); } };
    case 'xts-enc': return { setup: () => core.xtsInit(ctx, key), step: () => core.xtsEncryptSectors(ctx, data, bytes, 4096, 0n) };
    case 'xts-dec': return { setup: () => core.xtsInit(ctx, key), step: () => core.xtsDecryptSectors(ctx, data, bytes, 4096, 0n) };
    default: throw new Error(`unknown kernel ${kernel}`);
  }
}
