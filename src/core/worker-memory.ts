// A pool worker's WASM memory, shared with the calling thread. Where the platform allows shared
// memory (Node; browsers only on cross-origin-isolated pages), each worker runs the core over a
// WebAssembly.Memory the pool creates, and the calling thread writes each part straight into a
// region of it and copies the result straight out: the worker transforms the part where it lies.
// That saves two copies of every byte against posting transfer buffers (the worker copying the
// part into its memory and back), which on a machine with few cores is time taken from the work.
//
// Layout: [the worker's runtime: tables, I/O buffer, slots][region 0][region 1]…, regions added
// (memory grown by this thread) as more parts are in flight at once, and reused after.

import { base64ToBytes } from './base64.js';
import { CORE_SHARED_MAX_PAGES, CORE_SHARED_MIN_PAGES, CORE_SHARED_WASM_BASE64 } from './wasm-shared-binary.generated.js';

const PAGE_BYTES = 64 * 1024;
/** Room for a 1 MiB part plus a sector of up to 64 KiB (parts are whole sectors); larger parts are posted instead. */
export const REGION_BYTES = 1024 * 1024 + 64 * 1024;
/**
 * Regions per worker at most: enough for the parts of two or three concurrent calls (each keeps
 * three in flight per worker). Memory never shrinks, so this bounds what a burst of concurrent
 * calls leaves behind (~9 MiB a worker); parts beyond it are posted.
 */
export const MAX_REGIONS = 8;

/** A part's place in a worker's memory: its address there, and this thread's view of it. */
export interface Region {
  address: number;
  view: Uint8Array;
}

export class WorkerMemory {
  private readonly idle: number[] = [];
  private regions = 0;

  /** `base`: where the worker's runtime ends (it reports it once it has instantiated the core). */
  constructor(readonly memory: WebAssembly.Memory, private readonly base: number) {}

  /** A region for a part of `length` bytes, or undefined when the part is too large or every region is taken. */
  take(length: number): Region | undefined {
    if (length > REGION_BYTES) return undefined;
    const address = this.idle.pop() ?? this.addRegion();
    if (address === undefined) return undefined;
    return { address, view: new Uint8Array(this.memory.buffer, address, length) };
  }

  /** Returns a region once its result was copied out; `secret` contents (plaintext) are zeroed first. */
  give(region: Region, secret: boolean): void {
    // Copied from zeros, not fill(0): V8 fills shared memory a byte at a time (measured here: 20×
    // slower than this copy, a cost that lands on the calling thread of every parallel decryption).
    if (secret) region.view.set(zeros(region.view.length));
    this.idle.push(region.address);
  }

  /** Every region's bytes, for tests that check what they hold. */
  regionBytes(): Uint8Array[] {
    return Array.from({ length: this.regions }, (_, i) => new Uint8Array(this.memory.buffer, this.base + i * REGION_BYTES, REGION_BYTES));
  }

  private addRegion(): number | undefined {
    if (this.regions === MAX_REGIONS) return undefined;
    const address = this.base + this.regions * REGION_BYTES;
    const missing = address + REGION_BYTES - this.memory.buffer.byteLength;
    if (missing > 0) {
      try {
        this.memory.grow(Math.ceil(missing / PAGE_BYTES));
      } catch {
        return undefined; // at its maximum (or out of memory): this part is posted instead
      }
    }
    this.regions++;
    return address;
  }
}

let zeroBlock: Uint8Array | undefined;

/** `length` zero bytes (at most REGION_BYTES), from one block kept for the purpose. */
function zeros(length: number): Uint8Array {
  zeroBlock ??= new Uint8Array(REGION_BYTES);
  return zeroBlock.subarray(0, length);
}

let sharedCore: Promise<WebAssembly.Module | undefined> | undefined;

/**
 * The shared-memory core, compiled once and posted to every worker; undefined where shared memory
 * is unavailable (a browser page that is not cross-origin isolated), and the pool then posts
 * transfer buffers instead.
 */
export function sharedCoreModule(): Promise<WebAssembly.Module | undefined> {
  sharedCore ??= (async () => {
    if (typeof SharedArrayBuffer === 'undefined' || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) return undefined;
    try {
      return await WebAssembly.compile(base64ToBytes(CORE_SHARED_WASM_BASE64));
    } catch {
      return undefined;
    }
  })();
  return sharedCore;
}

/** A new memory for one worker's shared core; undefined if the platform refuses it. */
export function newWorkerMemory(): WebAssembly.Memory | undefined {
  try {
    return new WebAssembly.Memory({ initial: CORE_SHARED_MIN_PAGES, maximum: CORE_SHARED_MAX_PAGES, shared: true });
  } catch {
    return undefined;
  }
}
