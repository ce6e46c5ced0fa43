// What the encryptors of both message formats share: plaintext fed in chunks of any size is cut
// into frames of one length, full frames encrypted from the caller's chunk where they lie and only
// a frame split across chunks gathered first (so at most one frame of plaintext is held), with
// update()/final()/dispose() around it. Each format writes its own header, frames and trailer.

import { InvalidInputError } from '../core/errors.js';
import { requireBytes } from '../core/validate.js';

export abstract class FramingEncryptor {
  private pending: Uint8Array | undefined;
  private pendingBytes = 0;
  private finished = false;

  constructor(protected readonly frameLength: number) {}

  update(chunk: Uint8Array): Uint8Array {
    this.assertOpen();
    requireBytes('chunk', chunk);
    return this.seal(chunk, false);
  }

  /** The rest of the message and its final frame; `lastChunk`, if given, is fed first (one array out, no joining). */
  final(lastChunk: Uint8Array = new Uint8Array(0)): Uint8Array {
    this.assertOpen();
    requireBytes('chunk', lastChunk);
    try {
      return this.seal(lastChunk, true);
    } finally {
      this.dispose();
    }
  }

  /** Zeroes the keys and buffered plaintext; the message is then unfinishable. */
  dispose(): void {
    this.finished = true;
    this.pending?.fill(0);
    this.wipeSecrets();
  }

  /** The header (the first time), every frame `chunk` completes and, when `finishing`, the rest: one array. */
  protected abstract seal(chunk: Uint8Array, finishing: boolean): Uint8Array;

  protected abstract wipeSecrets(): void;

  /** How many full frames what is buffered and `chunkLength` more bytes make. */
  protected fullFrames(chunkLength: number): number {
    return Math.floor((this.pendingBytes + chunkLength) / this.frameLength);
  }

  /** The final frame's length if the plaintext ended after `chunkLength` more bytes. */
  protected finalFrameLength(chunkLength: number): number {
    return (this.pendingBytes + chunkLength) % this.frameLength;
  }

  /** Hands `sealFrame` each full frame (and, when `finishing`, the final one) in order; keeps the rest. */
  protected cutFrames(chunk: Uint8Array, finishing: boolean, sealFrame: (content: Uint8Array, final: boolean) => void): void {
    const frames = this.fullFrames(chunk.length);
    let used = 0;
    for (let frame = 0; frame < frames; frame++) {
      if (this.pendingBytes > 0) {
        used = this.frameLength - this.pendingBytes;
        this.pending!.set(chunk.subarray(0, used), this.pendingBytes);
        this.pendingBytes = 0;
        sealFrame(this.pending!, false);
      } else {
        sealFrame(chunk.subarray(used, used + this.frameLength), false);
        used += this.frameLength;
      }
    }
    if (used < chunk.length) {
      this.pending ??= new Uint8Array(this.frameLength);
      this.pending.set(chunk.subarray(used), this.pendingBytes);
      this.pendingBytes += chunk.length - used;
    }
    if (finishing) sealFrame(this.pending?.subarray(0, this.pendingBytes) ?? new Uint8Array(0), true);
  }

  private assertOpen(): void {
    if (this.finished) throw new InvalidInputError('message', 'this message was finished or disposed');
  }
}
