// Streaming AES-256-GCM. The encryptor's output, every update() then final()'s tag, concatenates
// to exactly what one-shot `gcm().encrypt` returns; the decryptor takes that same byte stream,
// split anywhere, and holds back the trailing tag bytes until final().

import { AuthenticationError, CipherStateError, InvalidInputError } from './errors.js';
import { checkGcmInputs, gcmSettings, GcmState, type GcmOptions } from './gcm-state.js';
import { constantTimeEqual } from './bytes.js';
import { requireBytes } from './validate.js';

abstract class GcmStream {
  protected readonly state: GcmState;
  protected readonly tagLength: number;
  private finished = false;

  constructor(key: Uint8Array, iv: Uint8Array, aad: Uint8Array | undefined, options: GcmOptions | undefined) {
    const additionalData = checkGcmInputs(key, iv, aad);
    const { tagLength, constantTime } = gcmSettings(options);
    this.tagLength = tagLength;
    this.state = GcmState.forMessage(key, iv, additionalData, constantTime, this);
  }

  /** Zeroes the key schedule and state now. Safe to call at any time, and more than once. */
  dispose(): void {
    this.finished = true;
    this.state.release();
  }

  protected assertOpen(): void {
    if (this.finished) throw new CipherStateError('This GCM stream has finished or was disposed');
  }

  protected begin(chunk: unknown, field: string): Uint8Array {
    this.assertOpen();
    return requireBytes(field, chunk);
  }

  protected end(): Uint8Array {
    this.assertOpen();
    this.finished = true;
    return this.state.finish().subarray(0, this.tagLength);
  }
}

/** Encrypts a message fed in pieces: `update()` returns ciphertext, `final()` returns the tag. */
export class GcmEncryptor extends GcmStream {
  update(plaintext: Uint8Array): Uint8Array {
    const chunk = this.begin(plaintext, 'plaintext');
    const output = new Uint8Array(chunk.length);
    this.state.encrypt(chunk, output, 0);
    return output;
  }

  final(): Uint8Array {
    return this.end();
  }
}

/**
 * Decrypts `ciphertext || tag` fed in pieces. `update()` returns plaintext as soon as it is known
 * not to be tag bytes; that plaintext is NOT authenticated until `final()` returns without
 * throwing, so a caller must discard everything it received if `final()` throws. (For objects,
 * the framed envelope format authenticates each frame before releasing it.)
 */
export class GcmDecryptor extends GcmStream {
  /** The last bytes seen, which may turn out to be the tag. */
  private held = new Uint8Array(0);

  update(ciphertext: Uint8Array): Uint8Array {
    const chunk = this.begin(ciphertext, 'ciphertext');
    const total = this.held.length + chunk.length;
    const releasable = Math.max(0, total - this.tagLength);
    const output = new Uint8Array(releasable);
    const fromHeld = Math.min(this.held.length, releasable);
    this.state.decrypt(this.held.subarray(0, fromHeld), output, 0);
    this.state.decrypt(chunk.subarray(0, releasable - fromHeld), output, fromHeld);
    const keep = new Uint8Array(total - releasable);
    keep.set(this.held.subarray(fromHeld), 0);
    keep.set(chunk.subarray(releasable - fromHeld), this.held.length - fromHeld);
    this.held = keep;
    return output;
  }

  /** Verifies the tag; throws AuthenticationError if it does not match. Returns no further plaintext. */
  final(): Uint8Array {
    this.assertOpen();
    if (this.held.length < this.tagLength) {
      this.dispose();
      throw new InvalidInputError('ciphertext', `ended before the ${this.tagLength}-byte tag was complete`);
    }
    if (!constantTimeEqual(this.end(), this.held)) throw new AuthenticationError();
    return new Uint8Array(0);
  }
}

export function createGcmEncryptor(key: Uint8Array, iv: Uint8Array, aad?: Uint8Array, options?: GcmOptions): GcmEncryptor {
  return new GcmEncryptor(key, iv, aad, options);
}

export function createGcmDecryptor(key: Uint8Array, iv: Uint8Array, aad?: Uint8Array, options?: GcmOptions): GcmDecryptor {
  return new GcmDecryptor(key, iv, aad, options);
}
