// Work started in order and released in order, a few at a time: the pooled framed encryptor and
// decryptor start the next read's frames on the worker pool while earlier reads are still being
// sealed or opened, so the workers never wait for the calling thread between reads (nor it for
// them), and memory stays a few reads' worth, whatever the message's size.

import { concatBytes } from '../core/bytes.js';

interface Pending {
  /** Settles to the bytes to release, in order. */
  result: Promise<Uint8Array>;
  /** The memory the work holds secrets in while it runs (plaintext to seal, or being opened). */
  held: Uint8Array;
}

export class InOrderWindow {
  private readonly pending: Pending[] = [];

  /** Adds work just started; `held` is zeroed if the window is discarded. */
  add(result: Promise<Uint8Array>, held: Uint8Array): void {
    result.catch(() => {}); // awaited in order by take(); this only keeps an early failure from being reported as unhandled
    this.pending.push({ result, held });
  }

  /**
   * Waits for the oldest work until at most `keep` remain and returns its results joined, in the
   * order added. If any of them fails, everything in the window (and what was taken so far) is
   * zeroed, and the failure is thrown.
   */
  async take(keep: number): Promise<Uint8Array> {
    const done: Uint8Array[] = [];
    try {
      while (this.pending.length > keep) {
        done.push(await this.pending[0]!.result);
        this.pending.shift();
      }
    } catch (error) {
      for (const bytes of done) bytes.fill(0);
      this.discard();
      throw error;
    }
    return done.length === 1 ? done[0]! : concatBytes(done);
  }

  /** Zeroes what every pending work holds now, and its result once it settles: none of it is released. */
  discard(): void {
    for (const { result, held } of this.pending.splice(0)) {
      held.fill(0);
      result.then((bytes) => bytes.fill(0), () => {});
    }
  }
}
