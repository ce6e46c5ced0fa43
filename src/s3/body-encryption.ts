// The write path of a body: plaintext pieces in, through the encryption layers (innermost first:
// DSSE-KMS has two, SSE-S3/SSE-KMS/SSE-C one, plaintext none), out to the body's file as they come.
// Pieces are gathered to 1 MiB (4 MiB for the worker pool) before they are sealed and written: a
// socket hands a PUT over in 64 KiB chunks, and one seal and one file write per chunk cost a thread-pool
// round trip and an output array each. Memory held: one gathered chunk and its ciphertext per layer,
// and the previous chunk's ciphertext while it is being written, whatever the object's size.

import { FramedEncryptor } from '../envelope/framed-encryptor.js';
import { PooledFramedEncryptor } from '../envelope/pooled-framed-cipher.js';
import type { EncryptionMaterials } from '../envelope/materials.js';
import type { ObjectBodies } from './object-bodies.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { etagHasher, etagOf } from './object-bytes.js';
import { s3Error } from './s3-errors.js';

/** Where a body's frames are sealed: in the calling thread, or on the shared worker pool. */
export type Sealing = 'thread' | 'pool';

/**
 * Plaintext sealed (and its ciphertext written) at once. For the worker pool, enough to keep every
 * worker busy: smaller calls it seals in the calling thread (core/parallel.ts: PARALLEL_THRESHOLD_BYTES).
 */
const CHUNK_BYTES: Record<Sealing, number> = { thread: 1024 * 1024, pool: 4 * 1024 * 1024 };

interface LayerEncryptor {
  update(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>;
  final(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>;
  dispose(): void;
}

export interface WrittenBody {
  size: number;
  etag: string;
}

/**
 * Encrypts `pieces` under each of `layers` in turn (their data keys are zeroed here) and stores the
 * result as body `bodyId`, committed only once whole. At most `maxBytes` of plaintext (else
 * EntityTooLarge); with `contentLength`, exactly that many (else IncompleteBody, or InvalidArgument
 * if longer); with `sha256` (hex), a plaintext of that SHA-256 (else XAmzContentSHA256Mismatch), from
 * the same hash as the ETag, so a front end that verifies x-amz-content-sha256 hashes nothing itself. On any failure the body is gone and the error thrown. With `sealing` 'pool' the frames
 * are sealed on the worker pool, the same bytes as in the thread.
 */
export async function writeEncryptedBody(bodies: ObjectBodies, bodyId: string, pieces: AsyncIterable<Uint8Array>,
  layers: EncryptionMaterials[], limits: { maxBytes: number; contentLength?: number; sha256?: string }, sealing: Sealing = 'thread'): Promise<WrittenBody> {
  const encryptors: LayerEncryptor[] = [];
  try {
    for (const materials of layers) encryptors.push(sealing === 'pool' ? new PooledFramedEncryptor(materials) : new FramedEncryptor(materials));
  } finally {
    for (const materials of layers) materials.dataKey.fill(0);
  }
  const hasher = etagHasher();
  let size = 0;
  const writer = await bodies.create(bodyId).catch((error: unknown) => {
    encryptors.forEach((e) => e.dispose());
    throw error;
  });
  // One file write stays in flight while the next chunk is sealed (each seal's output is a new
  // array, never touched again), so the thread seals while the thread pool writes; a write's error
  // surfaces at the next seal, the final write or the commit.
  let writing: Promise<void> = Promise.resolve();
  const write = async (bytes: Uint8Array) => {
    await writing;
    writing = writer.write(bytes);
    writing.catch(() => undefined); // awaited later; never an unhandled rejection meanwhile
  };
  const seal = async (plaintext: Uint8Array) => {
    let bytes = plaintext;
    for (const encryptor of encryptors) bytes = await encryptor.update(bytes);
    if (bytes.length > 0) await write(bytes);
  };
  // The gathered plaintext, copied in as it comes (a caller may reuse its buffer).
  const chunkBytes = CHUNK_BYTES[sealing];
  let gathered = new Uint8Array(0);
  let gatheredBytes = 0;
  try {
    for await (const piece of pieces) {
      size += piece.length;
      if (size > limits.maxBytes) throw s3Error('EntityTooLarge', `Body: more than the ${limits.maxBytes} bytes allowed`);
      if (limits.contentLength !== undefined && size > limits.contentLength) {
        throw s3Error('InvalidArgument', `ContentLength: the body is longer than the ${limits.contentLength} bytes declared`);
      }
      hasher.update(piece);
      if (gatheredBytes === 0 && piece.length >= chunkBytes) {
        await seal(piece); // already a chunk's worth (a body given whole): sealed as it is, not copied
        continue;
      }
      for (let at = 0; at < piece.length;) {
        if (gathered.length === 0) gathered = new Uint8Array(chunkBytes);
        const taken = Math.min(piece.length - at, chunkBytes - gatheredBytes);
        gathered.set(piece.subarray(at, at + taken), gatheredBytes);
        gatheredBytes += taken;
        at += taken;
        if (gatheredBytes === chunkBytes) {
          await seal(gathered);
          gathered = new Uint8Array(0);
          gatheredBytes = 0;
        }
      }
    }
    if (gatheredBytes > 0) await seal(gathered.subarray(0, gatheredBytes));
    if (limits.contentLength !== undefined && size < limits.contentLength) {
      throw s3Error('IncompleteBody', `Body: ${size} bytes, fewer than the ContentLength of ${limits.contentLength}`);
    }
    const digest = hasher.digest();
    if (limits.sha256 !== undefined && bytesToHex(digest) !== limits.sha256) {
      throw s3Error('XAmzContentSHA256Mismatch', 'The provided \'x-amz-content-sha256\' header does not match what was computed.');
    }
    let last: Uint8Array = new Uint8Array(0);
    for (const encryptor of encryptors) last = await encryptor.final(last);
    if (last.length > 0) await write(last);
    await writing;
    await writer.commit();
    return { size, etag: etagOf(digest) };
  } catch (error) {
    encryptors.forEach((e) => e.dispose());
    await writing.catch(() => undefined);
    await writer.abort();
    throw error;
  }
}
