// A client-side encrypted object of AWS's S3 Encryption Client v2 layout (AES/GCM/NoPadding: one
// GCM message over the whole object, its tag at the end) read by range in bounded memory, without
// ever releasing plaintext that was not authenticated. GCM authenticates only the whole message,
// so a range cannot be checked alone. Instead:
//   1. One streaming pass over the whole stored body verifies the tag (streaming GCM: memory is one
//      piece, the plaintext discarded as it comes) and records the SHA-256 of each CHUNK_BYTES chunk
//      of the stored bytes (32 bytes per MiB).
//   2. A range is read as the chunks that hold it (a ranged GET of the same version), each checked
//      against its recorded digest, and only then decrypted with GCM's CTR at the chunk's counter.
// So every byte released is a byte of the message whose tag verified: a body changed after the
// pass (in place, or replaced by a new version under the same ETag) fails the read. The ETag each
// GET answers must also be the one the pass saw, so a replaced object is named as such.

import { AuthenticationError } from '../core/errors.js';
import { constantTimeEqual } from '../core/bytes.js';
import { decryptCiphertextRange } from '../core/gcm-ciphertext-range.js';
import { createGcmDecryptor } from '../core/gcm-stream.js';
import { GCM_FULL_TAG_BYTES } from '../core/gcm-state.js';

/** A chunk of the stored body, digested in the pass and read whole for a range (a multiple of 16: chunks start at block boundaries). */
export const CHUNK_BYTES = 1 << 20;

/** Reads the stored body (the same version each time): whole as a stream, or the bytes [start, end). */
export interface StoredBody {
  size: number;
  whole(): Promise<AsyncIterable<Uint8Array>>;
  range(start: number, end: number): Promise<Uint8Array>;
}

/** An object's plaintext, read by range; `dispose()` zeroes its key. */
export interface RangedPlaintextObject {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  dispose(): void;
}

const digest = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));

/**
 * Refuses a GCM body of `bytes` bytes too short to hold its tag: damage like any other (the core
 * would call it invalid input), so the AuthenticationError a changed byte gives; `name` (the key)
 * prefixes the message unless the caller names the object itself.
 */
export function checkHoldsGcmTag(bytes: number, name?: string): void {
  if (bytes < GCM_FULL_TAG_BYTES) throw new AuthenticationError(`${name ? `${name}: ` : ''}the object is shorter than its GCM tag`);
}

/** Verifies the body's tag in one pass and returns its plaintext by range. Takes ownership of `dataKey` (zeroed by dispose, or on failure). */
export async function openGcmBody(name: string, body: StoredBody, dataKey: Uint8Array, iv: Uint8Array): Promise<RangedPlaintextObject> {
  try {
    checkHoldsGcmTag(body.size, name);
    const digests = await verifyWhole(name, body, dataKey, iv);
    return rangesOf(name, body, dataKey, iv, digests);
  } catch (error) {
    dataKey.fill(0);
    throw error;
  }
}

/** Pass 1: the tag, over the whole body as it streams; the digest of each chunk. */
async function verifyWhole(name: string, body: StoredBody, dataKey: Uint8Array, iv: Uint8Array): Promise<Uint8Array[]> {
  const decryptor = createGcmDecryptor(dataKey, iv);
  const digests: Uint8Array[] = [];
  const chunk = new Uint8Array(CHUNK_BYTES);
  let filled = 0;
  let total = 0;
  const flush = async () => {
    const bytes = chunk.subarray(0, filled);
    digests.push(await digest(bytes));
    decryptor.update(bytes).fill(0); // only the tag matters here: the plaintext is dropped unread
    filled = 0;
  };
  try {
    for await (const piece of await body.whole()) {
      total += piece.length;
      for (let at = 0; at < piece.length;) {
        const n = Math.min(piece.length - at, CHUNK_BYTES - filled);
        chunk.set(piece.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === CHUNK_BYTES) await flush();
      }
    }
    if (filled > 0) await flush();
    if (total !== body.size) throw new AuthenticationError(`${name}: the object's body is ${total} bytes, not the ${body.size} it was opened at`);
    try {
      decryptor.final();
    } catch (error) {
      if (error instanceof AuthenticationError) throw new AuthenticationError(`${name}: the object or its IV was altered (${error.message})`);
      throw error;
    }
    return digests;
  } finally {
    decryptor.dispose();
    chunk.fill(0);
  }
}

/** Pass 2, on demand: a range from its chunks, each proven to be the chunk the pass verified. */
function rangesOf(name: string, body: StoredBody, dataKey: Uint8Array, iv: Uint8Array, digests: Uint8Array[]): RangedPlaintextObject {
  const textBytes = body.size - GCM_FULL_TAG_BYTES;
  let disposed = false;
  return {
    size: textBytes,
    async read(offset, length) {
      if (disposed) throw new AuthenticationError(`${name}: the object was closed`);
      const end = Math.min(offset + length, textBytes);
      if (offset >= end) return new Uint8Array(0);
      const first = Math.floor(offset / CHUNK_BYTES);
      const last = Math.floor((end - 1) / CHUNK_BYTES);
      const start = first * CHUNK_BYTES;
      const stored = await body.range(start, Math.min((last + 1) * CHUNK_BYTES, body.size));
      for (let index = first; index <= last; index++) {
        const at = (index - first) * CHUNK_BYTES;
        const chunk = stored.subarray(at, Math.min(at + CHUNK_BYTES, stored.length));
        if (!constantTimeEqual(await digest(chunk), digests[index]!)) {
          throw new AuthenticationError(`${name}: the object changed after its GCM tag was verified (bytes ${start + at}-${start + at + chunk.length - 1} differ)`);
        }
      }
      const plaintext = decryptCiphertextRange(dataKey, iv, start, stored.subarray(0, end - start));
      const range = plaintext.slice(offset - start, end - start);
      plaintext.fill(0);
      return range;
    },
    dispose() {
      disposed = true;
      dataKey.fill(0);
    },
  };
}
