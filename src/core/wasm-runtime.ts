// Loads the WebAssembly core and owns its linear memory: one shared I/O buffer that every call
// streams through in chunks (so memory never grows with the input), and fixed-size context slots
// that hold key schedules and running cipher state between calls.
//
// Layout: [static tables][I/O buffer: IO_BUFFER_BYTES][slot 0][slot 1]…  (grows only by slots)
// A pool worker's runtime over shared memory is sealed after its first slots: the calling thread
// owns the memory above them, where it writes parts that ciphers here transform in place.

import { base64ToBytes } from './base64.js';
import { CipherStateError } from './errors.js';
import { CORE_WASM_BASE64 } from './wasm-binary.generated.js';

/** The bytes each call can hand to WASM at once. Inputs of any size stream through it. */
export const IO_BUFFER_BYTES = 64 * 1024;
const PAGE_BYTES = 64 * 1024;
const ALIGNMENT = 64;
const SLOTS_BEFORE_SEAL = 4;

export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  contextBytes(): number;
  gcmTagOffset(): number;
  gcmInit(ctx: number, key: number, constantTime: boolean): void;
  gcmSetIv96(ctx: number, iv: number): void;
  gcmIvAbsorb(ctx: number, src: number, len: number): void;
  gcmIvFinish(ctx: number, ivBytes: bigint): void;
  gcmAad(ctx: number, src: number, len: number): void;
  gcmEncrypt(ctx: number, p: number, len: number): void;
  gcmDecrypt(ctx: number, p: number, len: number): void;
  gcmFinal(ctx: number): void;
  gcmForget(ctx: number): void;
  gcmJ0Offset(): number;
  gcmHashOffset(): number;
  gcmSetCounter(ctx: number, block: number): void;
  gcmFinishPart(ctx: number): void;
  gcmAbsorbPart(ctx: number, partial: number, blocks: bigint, bytes: bigint): void;
  xtsInit(ctx: number, key: number): void;
  xtsStart(ctx: number, tweak: number): void;
  xtsEncrypt(ctx: number, p: number, len: number): void;
  xtsDecrypt(ctx: number, p: number, len: number): void;
  xtsEncryptSectors(ctx: number, p: number, len: number, sectorSize: number, firstSector: bigint): void;
  xtsDecryptSectors(ctx: number, p: number, len: number, sectorSize: number, firstSector: bigint): void;
}

const alignUp = (n: number) => Math.ceil(n / ALIGNMENT) * ALIGNMENT;

export class WasmRuntime {
  readonly core: CoreExports;
  /** Address of the shared I/O buffer. */
  readonly io: number;
  private readonly slotBytes: number;
  private readonly freeSlots: number[] = [];
  private nextSlot: number;
  /** Set by `seal()`: memory from here up belongs to someone else, so no slot may be added. */
  private sealedAt: number | undefined;
  private view: Uint8Array;
  // Slots of cipher objects that were dropped without dispose() are zeroed and reused, and GHASH's
  // static tables are zeroed if they were built for the slot's hash key, as a GCM context's own
  // release does (gcm-state.ts): gcmForget matches the key a GCM context holds; in an XTS slot those
  // bytes are zero, which only tables never built (or already zeroed) match.
  private readonly orphans = new FinalizationRegistry<number>((slot) => {
    this.core.gcmForget(slot);
    this.releaseSlot(slot);
  });

  constructor(instance: WebAssembly.Instance) {
    this.core = instance.exports as unknown as CoreExports;
    this.io = alignUp(this.core.heapBase());
    this.slotBytes = alignUp(this.core.contextBytes());
    this.nextSlot = this.io + IO_BUFFER_BYTES;
    this.ensureCapacity(this.nextSlot + 8 * this.slotBytes);
    this.view = new Uint8Array(this.core.memory.buffer);
  }

  /** A view of all linear memory; take a fresh one after anything that may grow memory. */
  bytes(): Uint8Array {
    if (this.view.buffer !== this.core.memory.buffer) this.view = new Uint8Array(this.core.memory.buffer);
    return this.view;
  }

  /**
   * The WASM address of `src` if it lies in this runtime's memory and `dst` (from `dstOffset`) is
   * the same bytes: a pool worker's part, written there by the calling thread, which a cipher can
   * then transform where it lies instead of staging it through the I/O buffer.
   */
  inPlaceAddress(src: Uint8Array, dst: Uint8Array, dstOffset = 0): number | undefined {
    const resident = src.buffer === this.core.memory.buffer && dst.buffer === src.buffer;
    return resident && dst.byteOffset + dstOffset === src.byteOffset ? src.byteOffset : undefined;
  }

  /**
   * Makes the slots a pool worker will need (it holds one at a time; a few more for safety), hands
   * all memory above them to the caller (the worker's parts go there) and returns where it starts.
   * From then on no slot may be added.
   */
  seal(): number {
    while (this.freeSlots.length < SLOTS_BEFORE_SEAL) this.freeSlots.push(this.newSlot());
    this.sealedAt = this.nextSlot;
    return this.sealedAt;
  }

  /** Copies `src` into the I/O buffer at `offset` (default 0) and returns the WASM address. */
  stage(src: Uint8Array, offset = 0): number {
    this.bytes().set(src, this.io + offset);
    return this.io + offset;
  }

  /** Copies `length` bytes from the I/O buffer into `dst` at `dstOffset`. */
  unstage(dst: Uint8Array, dstOffset: number, length: number): void {
    dst.set(this.bytes().subarray(this.io, this.io + length), dstOffset);
  }

  /** Zeroes the first `length` bytes of the I/O buffer, so no key or text outlives the call. */
  clearIo(length = IO_BUFFER_BYTES): void {
    this.bytes().fill(0, this.io, this.io + Math.min(length, IO_BUFFER_BYTES));
  }

  /**
   * Takes a zeroed context slot. With an `owner`, the slot is reclaimed (zeroed) if the owner is
   * garbage-collected before `releaseSlot` is called.
   */
  acquireSlot(owner?: object): number {
    const slot = this.freeSlots.pop() ?? this.newSlot();
    if (owner) this.orphans.register(owner, slot, owner);
    return slot;
  }

  /** Makes slot `to` a copy of slot `from` (a message starting from a prepared key's set-up context). */
  copySlot(from: number, to: number): void {
    this.bytes().copyWithin(to, from, from + this.slotBytes);
  }

  /** Zeroes a slot's key schedule and state and returns it to the pool. */
  releaseSlot(slot: number, owner?: object): void {
    if (owner) this.orphans.unregister(owner);
    this.bytes().fill(0, slot, slot + this.slotBytes);
    this.freeSlots.push(slot);
  }

  private newSlot(): number {
    if (this.sealedAt !== undefined) throw new CipherStateError('No WASM context slot is free in this pool worker');
    const slot = this.nextSlot;
    this.nextSlot += this.slotBytes;
    this.ensureCapacity(this.nextSlot);
    return slot;
  }

  private ensureCapacity(bytes: number): void {
    const missing = bytes - this.core.memory.buffer.byteLength;
    if (missing > 0) this.core.memory.grow(Math.ceil(missing / PAGE_BYTES));
  }
}

let runtime: WasmRuntime | undefined;
let loading: Promise<void> | undefined;

/**
 * Compiles and instantiates the WASM core. Required once before first use in browsers (which may
 * refuse synchronous compilation on the main thread); harmless, and optional, in Node.
 */
export function ready(): Promise<void> {
  loading ??= WebAssembly.compile(base64ToBytes(CORE_WASM_BASE64))
    .then((module) => WebAssembly.instantiate(module))
    .then((instance) => {
      runtime ??= new WasmRuntime(instance);
    });
  return loading;
}

/** Makes `instance` (a pool worker's core over shared memory) the runtime every cipher here uses. */
export function installRuntime(instance: WebAssembly.Instance): WasmRuntime {
  runtime = new WasmRuntime(instance);
  return runtime;
}

/** The loaded runtime; instantiates synchronously on first use where the platform allows it. */
export function wasm(): WasmRuntime {
  if (runtime) return runtime;
  try {
    runtime = new WasmRuntime(new WebAssembly.Instance(new WebAssembly.Module(base64ToBytes(CORE_WASM_BASE64))));
  } catch (cause) {
    throw new CipherStateError('The WASM core could not be loaded synchronously here: `await ready()` before first use', { cause });
  }
  return runtime;
}
