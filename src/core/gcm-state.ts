// One AES-256-GCM computation (NIST SP 800-38D) running in a WASM context slot: the shared engine
// under the one-shot `gcm()` and the streaming encryptor/decryptor. Inputs of any size are fed
// through the fixed I/O buffer chunk by chunk.

import { constantTimeEqual } from './bytes.js';
import { AuthenticationError, CipherStateError, InvalidInputError } from './errors.js';
import { requireBytes, requireIntegerInRange } from './validate.js';
import { IO_BUFFER_BYTES, wasm, type WasmRuntime } from './wasm-runtime.js';

export const GCM_KEY_BYTES = 32;
export const GCM_FULL_TAG_BYTES = 16;
/** SP 800-38D §5.2.1.1: at most 2^39 − 256 bits of plaintext under one IV. */
export const GCM_MAX_TEXT_BYTES = 2 ** 36 - 32;

export interface GcmOptions {
  /** Tag bytes to produce on encryption and to expect on decryption: 12 to 16 (default 16). */
  tagLength?: number;
  /**
   * GHASH without tables (no secret-dependent memory access), at some cost in speed. AES is
   * constant-time either way. Default: `gcmDefaults.constantTime`.
   */
  constantTime?: boolean;
}

/** Process-wide defaults for options a call leaves out. */
export const gcmDefaults = { constantTime: false };

export interface GcmSettings {
  tagLength: number;
  constantTime: boolean;
}

export function gcmSettings(options: GcmOptions | undefined): GcmSettings {
  const tagLength = options?.tagLength === undefined ? GCM_FULL_TAG_BYTES : requireIntegerInRange('tagLength', options.tagLength, 12, 16);
  const constantTime = options?.constantTime ?? gcmDefaults.constantTime;
  if (typeof constantTime !== 'boolean') throw new InvalidInputError('constantTime', `expected a boolean, got ${typeof constantTime}`);
  return { tagLength, constantTime };
}

/** Validates the inputs shared by every GCM entry point; returns the AAD (empty when omitted). */
export function checkGcmInputs(key: unknown, iv: unknown, aad: unknown): Uint8Array {
  if (!(key instanceof PreparedGcmKey)) requireBytes('key', key, GCM_KEY_BYTES);
  const ivBytes = requireBytes('iv', iv);
  if (ivBytes.length === 0) throw new InvalidInputError('iv', 'must not be empty (SP 800-38D requires at least 1 bit)');
  return aad === undefined ? new Uint8Array(0) : requireBytes('aad', aad);
}

/**
 * A key set up once for many messages: its AES-256 key schedule, H and H's form for the
 * constant-time GHASH, in a WASM context slot of its own. Each message's slot starts as a copy of it
 * instead of being set up again (the set-up is most of the work of a message of a few dozen bytes).
 * Messages under it always use the constant-time GHASH. The slot holds the key's secrets until
 * `dispose()` zeroes it (or garbage collection does, for one dropped undisposed).
 */
export class PreparedGcmKey {
  private readonly runtime: WasmRuntime = wasm();
  private readonly slot: number;
  /**
   * Where this key's short messages run: a copy of its set-up made at the first one and kept. A
   * message only reads the part of a context before the GHASH accumulator (key schedule, H, mode)
   * and keeps its own state from there on, so each message resets just that state from the set-up
   * and zeroes it after (a few hundred bytes, where a slot copied and zeroed per message is ~10 KiB).
   */
  private messageSlot: number | undefined;
  private disposed = false;

  constructor(key: Uint8Array) {
    requireBytes('key', key, GCM_KEY_BYTES);
    this.slot = this.runtime.acquireSlot(this);
    this.runtime.core.gcmInit(this.slot, this.runtime.stage(key), true);
    this.runtime.clearIo(key.length);
  }

  /** For GcmState: sets up a message's slot as this key's. */
  copyInto(ctx: number): void {
    if (this.disposed) throw new CipherStateError('This prepared GCM key was disposed');
    this.runtime.copySlot(this.slot, ctx);
  }

  /**
   * Seals a whole short message into `output` at `offset`: the ciphertext, then the 16-byte tag. For
   * messages of a few dozen bytes (a KMS data key, a log line) the objects, closures and views a
   * GcmState makes per step cost more than the cipher; this does the same WASM calls in one pass.
   * The IV is 96 bits and the text fits the I/O buffer (GcmState takes anything else); the AAD is any size.
   */
  sealShort(iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, output: Uint8Array, offset: number): void {
    this.shortMessage(iv, aad, plaintext, output, offset, true);
  }

  /**
   * Opens what sealShort sealed (`sealed`: ciphertext, then the 16-byte tag) into `output` at
   * `offset`; throws AuthenticationError, with those bytes of `output` zeroed, if the tag does not verify.
   */
  openShort(iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array, output: Uint8Array, offset: number): void {
    const textBytes = sealed.length - GCM_FULL_TAG_BYTES;
    if (textBytes < 0) throw new InvalidInputError('ciphertext', `expected at least the ${GCM_FULL_TAG_BYTES}-byte tag, got ${sealed.length} bytes`);
    const text = sealed.subarray(0, textBytes);
    if (!this.shortMessage(iv, aad, text, output, offset, false, sealed.subarray(textBytes))) {
      output.fill(0, offset, offset + textBytes);
      throw new AuthenticationError();
    }
  }

  /** One short message in this key's own copy of its set-up; with `expectedTag`, whether the tag matches (else the tag is written after the text). */
  private shortMessage(iv: Uint8Array, aad: Uint8Array, text: Uint8Array, output: Uint8Array, offset: number, encrypting: boolean,
    expectedTag?: Uint8Array): boolean {
    if (this.disposed) throw new CipherStateError('This prepared GCM key was disposed');
    requireBytes('iv', iv, 12);
    requireBytes('aad', aad);
    if (requireBytes(encrypting ? 'plaintext' : 'ciphertext', text).length > IO_BUFFER_BYTES) {
      throw new InvalidInputError(encrypting ? 'plaintext' : 'ciphertext', `a short message holds at most ${IO_BUFFER_BYTES} bytes of text, got ${text.length}`);
    }
    const room = text.length + (encrypting ? GCM_FULL_TAG_BYTES : 0);
    if (!Number.isInteger(offset) || offset < 0 || offset + room > requireBytes('output', output).length) {
      throw new InvalidInputError('offset', `expected room for ${room} bytes in an output of ${output.length} bytes, from offset ${String(offset)}`);
    }
    const { runtime } = this;
    const { core, io } = runtime;
    let ctx = this.messageSlot;
    if (ctx === undefined) {
      ctx = this.messageSlot = runtime.acquireSlot(this);
      runtime.copySlot(this.slot, ctx);
    }
    const memory = runtime.bytes(); // taken after acquireSlot, which may grow memory; nothing below does
    const state = core.gcmHashOffset();
    const end = core.contextBytes();
    try {
      memory.copyWithin(ctx + state, this.slot + state, this.slot + end);
      memory.set(iv, io);
      core.gcmSetIv96(ctx, io);
      for (let at = 0; at < aad.length; at += IO_BUFFER_BYTES) {
        const piece = aad.length <= IO_BUFFER_BYTES ? aad : aad.subarray(at, at + IO_BUFFER_BYTES);
        memory.set(piece, io);
        core.gcmAad(ctx, io, piece.length);
      }
      memory.set(text, io);
      (encrypting ? core.gcmEncrypt : core.gcmDecrypt)(ctx, io, text.length);
      output.set(memory.subarray(io, io + text.length), offset);
      core.gcmFinal(ctx);
      const tag = ctx + core.gcmTagOffset();
      if (!expectedTag) {
        output.set(memory.subarray(tag, tag + GCM_FULL_TAG_BYTES), offset + text.length);
        return true;
      }
      return constantTimeEqual(memory.subarray(tag, tag + GCM_FULL_TAG_BYTES), expectedTag);
    } finally {
      memory.fill(0, io, io + Math.min(IO_BUFFER_BYTES, Math.max(aad.length, text.length, iv.length)));
      memory.fill(0, ctx + state, ctx + end);
    }
  }

  /** Zeroes the key's slot; idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.messageSlot !== undefined) this.runtime.releaseSlot(this.messageSlot, this);
    this.runtime.releaseSlot(this.slot, this);
  }
}

export class GcmState {
  private readonly runtime: WasmRuntime = wasm();
  private readonly ctx: number;
  private readonly owner: object | undefined;
  private textBytes = 0;
  private released = false;

  /** A whole message: IV and AAD now, then text. `owner`: whose garbage collection reclaims the slot. */
  static forMessage(key: Uint8Array | PreparedGcmKey, iv: Uint8Array, aad: Uint8Array, constantTime: boolean, owner?: object): GcmState {
    const state = new GcmState(key, constantTime, owner);
    state.startMessage(iv, aad);
    return state;
  }

  /**
   * One part of a message, for parallel work: CTR continues from `counterBlock`, and GHASH runs
   * over this part's ciphertext from zero (read it with `partHash()`).
   */
  static forPart(key: Uint8Array, counterBlock: Uint8Array, constantTime: boolean): GcmState {
    const state = new GcmState(key, constantTime, undefined);
    state.runtime.core.gcmSetCounter(state.ctx, state.runtime.stage(counterBlock));
    state.runtime.clearIo(counterBlock.length);
    return state;
  }

  private constructor(key: Uint8Array | PreparedGcmKey, constantTime: boolean, owner: object | undefined) {
    this.ctx = this.runtime.acquireSlot(owner);
    this.owner = owner;
    if (key instanceof PreparedGcmKey) {
      try {
        key.copyInto(this.ctx);
      } catch (error) {
        this.release();
        throw error;
      }
      return;
    }
    this.runtime.core.gcmInit(this.ctx, this.runtime.stage(key), constantTime);
    this.runtime.clearIo(key.length);
  }

  private startMessage(iv: Uint8Array, aad: Uint8Array): void {
    const { core } = this.runtime;
    if (iv.length === 12) {
      core.gcmSetIv96(this.ctx, this.runtime.stage(iv));
    } else {
      this.feed(iv, (p, n) => core.gcmIvAbsorb(this.ctx, p, n));
      core.gcmIvFinish(this.ctx, BigInt(iv.length));
    }
    this.feed(aad, (p, n) => core.gcmAad(this.ctx, p, n));
    this.runtime.clearIo(Math.max(iv.length, aad.length));
  }

  /** The pre-counter block J0 (§7.1 step 2); the text's first block uses inc32(J0). */
  preCounterBlock(): Uint8Array {
    const at = this.ctx + this.runtime.core.gcmJ0Offset();
    return this.runtime.bytes().slice(at, at + 16);
  }

  /** Folds in a part of `bytes` bytes that a `forPart` state hashed to `hash`, in message order. */
  absorbPart(hash: Uint8Array, bytes: number): void {
    this.assertLive();
    this.textBytes += bytes;
    this.runtime.core.gcmAbsorbPart(this.ctx, this.runtime.stage(hash), BigInt(Math.ceil(bytes / 16)), BigInt(bytes));
  }

  /** For a `forPart` state: the part's GHASH sum. The slot is zeroed and released. */
  partHash(): Uint8Array {
    this.assertLive();
    const { core } = this.runtime;
    core.gcmFinishPart(this.ctx);
    const at = this.ctx + core.gcmHashOffset();
    const hash = this.runtime.bytes().slice(at, at + 16);
    this.release();
    return hash;
  }

  /** Encrypts `src` into `dst` at `dstOffset`. */
  encrypt(src: Uint8Array, dst: Uint8Array, dstOffset: number): void {
    this.crypt(src, dst, dstOffset, true);
  }

  /** Decrypts `src` into `dst` at `dstOffset`; the output is unauthenticated until `tag()` is checked. */
  decrypt(src: Uint8Array, dst: Uint8Array, dstOffset: number): void {
    this.crypt(src, dst, dstOffset, false);
  }

  /** Finishes the computation and returns the full 16-byte tag. The slot is zeroed and released. */
  finish(): Uint8Array {
    this.assertLive();
    const { core } = this.runtime;
    core.gcmFinal(this.ctx);
    const at = this.ctx + core.gcmTagOffset();
    const tag = this.runtime.bytes().slice(at, at + GCM_FULL_TAG_BYTES);
    this.release();
    return tag;
  }

  /** Zeroes and returns the context slot (and GHASH's byte tables, if they are its key's); idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.runtime.core.gcmForget(this.ctx);
    this.runtime.releaseSlot(this.ctx, this.owner);
  }

  private crypt(src: Uint8Array, dst: Uint8Array, dstOffset: number, encrypting: boolean): void {
    this.assertLive();
    if (this.textBytes + src.length > GCM_MAX_TEXT_BYTES) {
      throw new InvalidInputError('plaintext', `GCM allows at most ${GCM_MAX_TEXT_BYTES} bytes under one key and IV`);
    }
    this.textBytes += src.length;
    const { core } = this.runtime;
    const step = encrypting ? core.gcmEncrypt : core.gcmDecrypt;
    const inPlace = this.runtime.inPlaceAddress(src, dst, dstOffset);
    if (inPlace !== undefined) {
      step(this.ctx, inPlace, src.length); // a pool worker's part, transformed where it lies
      return;
    }
    let written = dstOffset;
    try {
      this.feed(src, (p, n) => {
        step(this.ctx, p, n);
        this.runtime.unstage(dst, written, n);
        written += n;
      });
    } finally {
      this.runtime.clearIo(src.length); // also when writing out fails: no text stays in the I/O buffer
    }
  }

  /** Passes `data` to `consume` in I/O-buffer-sized pieces (address, length). */
  private feed(data: Uint8Array, consume: (address: number, length: number) => void): void {
    for (let offset = 0; offset < data.length; offset += IO_BUFFER_BYTES) {
      const piece = data.subarray(offset, offset + IO_BUFFER_BYTES);
      consume(this.runtime.stage(piece), piece.length);
    }
  }

  private assertLive(): void {
    if (this.released) throw new CipherStateError('This GCM computation has finished or was disposed');
  }
}
