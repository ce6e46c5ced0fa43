// What the decryptors of both message formats share: bytes arrive in chunks of any size into a
// queue and each chunk decrypts what it completes; the first failure zeroes the decryptor's
// secrets and fails every later call; final() insists that the whole message arrived.

import { requireBytes } from '../core/validate.js';
import { ByteQueue } from './byte-queue.js';
import { MessageFormatError } from './message-format.js';

export abstract class ChunkedDecryptor {
  protected readonly buffer = new ByteQueue();
  private failed = false;

  /** The plaintext this chunk completes and that may be released. */
  async update(chunk: Uint8Array): Promise<Uint8Array> {
    requireBytes('chunk', chunk);
    if (this.failed) throw new MessageFormatError('this message already failed to decrypt');
    this.buffer.push(chunk);
    try {
      return await this.drain();
    } catch (error) {
      this.fail();
      throw error;
    }
  }

  /** Throws unless the message ended where it should, with nothing after it. */
  async final(): Promise<Uint8Array> {
    const rest = await this.update(new Uint8Array(0));
    const missing = this.missing();
    if (missing !== undefined) {
      rest.fill(0);
      this.fail();
      throw new MessageFormatError(missing);
    }
    return rest;
  }

  /** Decrypts what the buffered bytes complete. */
  protected abstract drain(): Promise<Uint8Array>;

  /** Why the message is not complete, or undefined when it is. */
  protected abstract missing(): string | undefined;

  /** Zeroes keys and any plaintext held back. */
  protected abstract wipe(): void;

  private fail(): void {
    this.failed = true;
    this.wipe();
  }
}
