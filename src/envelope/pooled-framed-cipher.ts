// The framed encryptor and decryptor with their frames sealed and opened on the shared worker pool
// (core/parallel-frames.ts): the same bytes as FramedEncryptor / FramedDecryptor write and read,
// since a frame's IV and AAD follow from its number and the header. Each chunk's frames are cut
// into batches that run on the workers at once and come back in order before the chunk's output
// is released, so memory stays about one chunk (plus its copy on the workers). Chunks under
// PARALLEL_THRESHOLD_BYTES run in the calling thread, as parallelGcm's messages do.

import { AuthenticationError } from '../core/errors.js';
import type { GcmFrame } from '../core/parallel-jobs.js';
import { parallelGcmFrames } from '../core/parallel-frames.js';
import { copyBytes } from '../core/validate.js';
import { chunkTransform, type ChunkCipher } from './chunk-transform.js';
import { FramedDecryptor, type FrameSpan } from './framed-decryptor.js';
import { FramedEncryptor, type FramingOptions } from './framed-encryptor.js';
import type { DataKeyResolver, EncryptionMaterials } from './materials.js';
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

class PooledFramedEncryptor implements ChunkCipher {
  private readonly framing: DeferredFramedEncryptor;

  constructor(materials: EncryptionMaterials, options?: FramingOptions) {
    this.framing = new DeferredFramedEncryptor(materials, options);
  }

  update(chunk: Uint8Array): Promise<Uint8Array> {
    return this.sealed(() => this.framing.update(chunk));
  }

  async final(): Promise<Uint8Array> {
    try {
      return await this.sealed(() => this.framing.final());
    } finally {
      this.framing.wipeKey();
    }
  }

  private async sealed(layOut: () => Uint8Array): Promise<Uint8Array> {
    let out: Uint8Array | undefined;
    try {
      out = layOut();
      const { key, frames } = this.framing.takeFrames();
      await parallelGcmFrames(key, out, frames, true);
      return out;
    } catch (error) {
      out?.fill(0); // it holds plaintext laid out for sealing
      this.framing.dispose();
      this.framing.wipeKey();
      throw error;
    }
  }
}

class PooledFramedDecryptor extends FramedDecryptor {
  protected override async openFrames(messageKey: Uint8Array, hash: Uint8Array, sealed: Uint8Array, frames: FrameSpan[]): Promise<Uint8Array> {
    const work = copyBytes(sealed); // opened in place in a copy: the input buffer keeps only ciphertext
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

/** Like decryptStream, with the frames opened on the worker pool: each chunk's plaintext released only once all its frames authenticate. */
export function pooledDecryptStream(resolveDataKey: DataKeyResolver): TransformStream<Uint8Array, Uint8Array> {
  return chunkTransform(() => new PooledFramedDecryptor(resolveDataKey));
}
