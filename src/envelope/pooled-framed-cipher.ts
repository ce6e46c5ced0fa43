// The framed encryptor and decryptor with their frames sealed and opened on the shared worker pool
// (core/parallel-frames.ts): the same bytes as FramedEncryptor / FramedDecryptor write and read,
// since a frame's IV and AAD follow from its number and the header. Each chunk's frames are cut
// into batches that run on the workers at once. Both keep up to CHUNKS_IN_FLIGHT chunks sealing or
// opening and release them in order, the decryptor each chunk's plaintext only once all its frames
// authenticate. Memory stays a few chunks, whatever the size. Chunks under PARALLEL_THRESHOLD_BYTES
// run in the calling thread, as parallelGcm's messages do.

import { AuthenticationError } from '../core/errors.js';
import type { GcmFrame } from '../core/parallel-jobs.js';
import { parallelGcmFrames } from '../core/parallel-frames.js';
import { copyBytes } from '../core/bytes.js';
import { chunkTransform, type ChunkCipher } from './chunk-transform.js';
import { FramedDecryptor, type FrameSpan } from './framed-decryptor.js';
import { FramedEncryptor, type FramingOptions } from './framed-encryptor.js';
import { InOrderWindow } from './in-order-window.js';
import type { DataKeyResolver, EncryptionMaterials } from './materials.js';
import { AnyFormatDecryptor } from './message-formats.js';
import { frameAad, frameNonce, TAG_BYTES } from './message-format.js';

/** A FramedEncryptor that lays out each frame's prefix and plaintext but leaves the sealing to its caller. */
class DeferredFramedEncryptor extends FramedEncryptor {
  private frames: GcmFrame[] = [];

  /** The frames laid out since the last call, and the key to seal them with. */
  takeFrames(): { key: Uint8Array; frames: GcmFrame[] } {
    const frames = this.frames;
    this.frames = [];
    return { key: this.messageKey, frames };
  }

  /** Zeroes the message key: only once the last frames are sealed, so final()'s dispose() leaves it. */
  wipeKey(): void {
    super.wipeSecrets();
  }

  protected override wipeSecrets(): void {}

  protected override sealContent(iv: Uint8Array, aad: Uint8Array, content: Uint8Array, out: Uint8Array, start: number): number {
    out.set(content, start);
    this.frames.push({ start, contentBytes: content.length, iv, aad });
    return start + content.length + TAG_BYTES;
  }
}

/**
 * Chunks being sealed or opened at once: while the workers run one, the next is read and laid out,
 * so they do not wait for this thread (nor it for them) at every chunk. The output still comes in
 * order.
 */
const CHUNKS_IN_FLIGHT = 3;

/** A FramedEncryptor (update per chunk, final with the last chunk, dispose on failure) whose frames are sealed on the pool. */
export class PooledFramedEncryptor implements ChunkCipher {
  private readonly framing: DeferredFramedEncryptor;
  /** Chunks laid out and being sealed, oldest first. */
  private readonly window = new InOrderWindow();

  constructor(materials: EncryptionMaterials, options?: FramingOptions) {
    this.framing = new DeferredFramedEncryptor(materials, options);
  }

  update(chunk: Uint8Array): Promise<Uint8Array> {
    return this.seal(() => this.framing.update(chunk), CHUNKS_IN_FLIGHT - 1);
  }

  async final(lastChunk?: Uint8Array): Promise<Uint8Array> {
    try {
      return await this.seal(() => this.framing.final(lastChunk), 0);
    } finally {
      this.framing.wipeKey();
    }
  }

  /** Drops what is in flight and zeroes the key, as FramedEncryptor.dispose does: for a caller that gives up. */
  dispose(): void {
    this.window.discard();
    this.framing.dispose();
    this.framing.wipeKey();
  }

  /** Lays out the next chunk and starts sealing it; returns, in order, what is sealed once at most `keep` chunks are left in flight. */
  private async seal(layOut: () => Uint8Array, keep: number): Promise<Uint8Array> {
    try {
      const out = layOut();
      const { key, frames } = this.framing.takeFrames();
      this.window.add(parallelGcmFrames(key, out, frames, true).then(() => out), out);
      return await this.window.take(keep);
    } catch (error) {
      this.window.discard(); // the chunks in flight hold plaintext laid out for sealing
      this.framing.dispose();
      this.framing.wipeKey();
      throw error;
    }
  }
}

/**
 * A FramedDecryptor whose chunks open on the pool, up to CHUNKS_IN_FLIGHT at once: each chunk's
 * plaintext is released, in order, once every frame in it authenticated; the final frame's chunk
 * waits for all. A failure anywhere releases nothing more and zeroes what is in flight.
 */
class PooledFramedDecryptor extends FramedDecryptor {
  private readonly window = new InOrderWindow();

  protected override openFrames(messageKey: Uint8Array, hash: Uint8Array, sealed: Uint8Array, frames: FrameSpan[]): Promise<Uint8Array> {
    if (frames.length > 0) {
      const work = copyBytes(sealed); // opened in place in a copy: the input buffer keeps only ciphertext
      this.window.add(this.open(messageKey, hash, work, frames), work);
    }
    return this.window.take(frames.at(-1)?.final ? 0 : CHUNKS_IN_FLIGHT - 1);
  }

  protected override wipe(): void {
    this.window.discard();
    super.wipe();
  }

  /** Opens `frames`, which lie in `work`, in place on the pool; resolves to their plaintexts joined, `work` zeroed. */
  private async open(messageKey: Uint8Array, hash: Uint8Array, work: Uint8Array, frames: FrameSpan[]): Promise<Uint8Array> {
    const gcmFrames = frames.map(({ number, final, contentStart, contentBytes }) => ({
      start: contentStart, contentBytes, iv: frameNonce(number), aad: frameAad(hash, number, final, contentBytes),
    }));
    try {
      await parallelGcmFrames(messageKey, work, gcmFrames, false);
    } catch (error) {
      if ((error as Error).name !== 'AuthenticationError') throw error;
      // A worker's error arrives by name; which frame of the batch failed, it does not say.
      throw new AuthenticationError(`a frame among frames ${frames[0]!.number}–${frames.at(-1)!.number} does not authenticate: the message was changed`);
    }
    const out = new Uint8Array(frames.reduce((n, f) => n + f.contentBytes, 0));
    let at = 0;
    for (const { start, contentBytes } of gcmFrames) {
      out.set(work.subarray(start, start + contentBytes), at);
      at += contentBytes;
    }
    work.fill(0);
    return out;
  }
}

/** Like encryptStream, with the frames sealed on the worker pool: the same message format. */
export function pooledEncryptStream(materials: EncryptionMaterials, options?: FramingOptions): TransformStream<Uint8Array, Uint8Array> {
  const encryptor = new PooledFramedEncryptor(materials, options);
  return chunkTransform(() => encryptor);
}

/**
 * Like decryptStream (either format), with a kms-wasm message's frames opened on the worker pool:
 * each chunk's plaintext released only once all its frames authenticate. An Encryption SDK message
 * is decrypted on this thread, as decryptStream does.
 */
export function pooledDecryptStream(resolveDataKey: DataKeyResolver): TransformStream<Uint8Array, Uint8Array> {
  return chunkTransform(() => new AnyFormatDecryptor(resolveDataKey, (resolve) => new PooledFramedDecryptor(resolve)));
}
