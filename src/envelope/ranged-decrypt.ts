// Decrypting a byte range of a stored message, reading only the header and the frames that hold
// the range. The layout follows from the frame size and the message's total length: n regular
// frames of (4 + F + 16) bytes, then one final frame of (12 + c + 16) bytes with 0 ≤ c ≤ F.
// Every frame returned is authenticated (its number, position and final flag included); frames not
// read are not checked, so a range read proves nothing about the rest of the message. A whole-message
// range reads and checks every frame, the final one included, so it is a full streaming decryption.
// Consecutive frames of a range are read together, up to READ_BATCH_BYTES at once: one read per frame
// cost a file read (a thread-pool round trip) every 64 KiB. With `pool`, each such batch is opened on
// the shared worker pool, the next batch read and opened while this one's pieces are taken, and a
// batch's pieces released only once all its frames authenticate.

import { concatBytes } from '../core/bytes.js';
import { AuthenticationError } from '../core/errors.js';
import { parallelGcmFrames } from '../core/parallel-frames.js';
import type { GcmFrame } from '../core/parallel-jobs.js';
import { openFrame, openHeader } from './framed-decryptor.js';
import type { DataKeyResolver } from './materials.js';
import {
  FINAL_FRAME_PREFIX, frameAad, frameNonce, MessageFormatError, readFramePrefix, REGULAR_FRAME_PREFIX, TAG_BYTES,
} from './message-format.js';

/** Stored bytes read at once when a range spans several frames: never beyond the frames the range needs. */
const READ_BATCH_BYTES = 1024 * 1024;

/** Reads `length` bytes of the stored message at `offset`. */
export type RangeReader = (offset: number, length: number) => Promise<Uint8Array>;

export interface RangedPlaintext {
  /** The plaintext bytes [start, end) clamped to the message. */
  plaintext: Uint8Array;
  /** The whole message's plaintext length. */
  totalBytes: number;
}

/** A stored message whose header authenticated: its plaintext length, and its frames read on demand. */
export interface RangedMessage {
  readonly totalBytes: number;
  /** Plaintext bytes per frame. */
  readonly frameBytes: number;
  /**
   * The plaintext bytes [start, end) clamped to the message, one authenticated piece per frame,
   * reading the range's frames up to 1 MiB at a time (memory: that, and one frame's plaintext).
   */
  pieces(start: number, end: number): AsyncGenerator<Uint8Array>;
  /** Zeroes the message key; later reads fail. */
  dispose(): void;
}

function checkRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new MessageFormatError(`invalid range ${start}-${end}`);
  }
}

/** Where a ranged message's frames are opened: in the calling thread (default), or on the shared worker pool. */
export interface RangedOptions {
  pool?: boolean;
}

/** Reads and authenticates a message's header and works out its layout; the caller disposes it. */
export async function openRangedMessage(read: RangeReader, messageBytes: number, resolveDataKey: DataKeyResolver,
  options: RangedOptions = {}): Promise<RangedMessage> {
  let headerBytes = await read(0, Math.min(messageBytes, 4096));
  let opened = await openHeader(headerBytes, resolveDataKey);
  while (!opened && headerBytes.length < messageBytes) {
    headerBytes = await read(0, Math.min(messageBytes, headerBytes.length * 4));
    opened = await openHeader(headerBytes, resolveDataKey);
  }
  if (!opened) throw new MessageFormatError('the message ends inside its header');
  const { messageKey, hash, header } = opened;
  const frame = header.frameBytes;
  const regular = REGULAR_FRAME_PREFIX + frame + TAG_BYTES;
  const body = messageBytes - opened.headerBytes;
  const finalOverhead = FINAL_FRAME_PREFIX + TAG_BYTES;
  const regularFrames = Math.floor((body - finalOverhead) / regular);
  const finalContent = body - finalOverhead - regularFrames * regular;
  if (body < finalOverhead || finalContent > frame) {
    messageKey.fill(0);
    throw new MessageFormatError(body < finalOverhead ? 'the message is truncated: its final frame is missing' : 'the message length does not match its frames');
  }
  const totalBytes = regularFrames * frame + finalContent;
  return {
    totalBytes,
    frameBytes: frame,
    dispose: () => messageKey.fill(0),
    async *pieces(start: number, end: number) {
      checkRange(start, end);
      const from = Math.min(start, totalBytes);
      const to = Math.min(end, totalBytes);
      // The final frame (index k) is the last the loop can reach: (k + 1)·F ≥ totalBytes ≥ to. A range
      // reaching the end checks it even when it holds no plaintext (totalBytes a multiple of F): it is what proves the end.
      const needed = (index: number) => (from < to && index * frame < to) || (to === totalBytes && index === regularFrames);
      const lengthOf = (index: number) => (index === regularFrames ? finalOverhead + finalContent : regular);
      /** The frames from `first` read together (as many as the range needs, up to READ_BATCH_BYTES of stored bytes): how many, and their read. */
      const batchFrom = (first: number) => {
        let frames = 1;
        let span = lengthOf(first);
        while (first + frames <= regularFrames && needed(first + frames) && span + lengthOf(first + frames) <= READ_BATCH_BYTES) span += lengthOf(first + frames++);
        return { frames, read: read(opened.headerBytes + first * regular, span) };
      };
      /** Frame `index` (at `at` in its batch's `bytes`), checked to lie where the layout puts it: its number, final flag and length. */
      const frameIn = (bytes: Uint8Array, at: number, index: number) => {
        const number = index + 1;
        const final = index === regularFrames;
        const framed = bytes.subarray(at, at + lengthOf(index));
        if (framed.length !== lengthOf(index)) throw new MessageFormatError(`frame ${number} is cut short: the message is shorter than its length says`);
        const prefix = readFramePrefix(framed, frame);
        if (!prefix || prefix.number !== number || prefix.final !== final || prefix.contentBytes !== (final ? finalContent : frame)) {
          throw new MessageFormatError(`frame ${number} is not where the layout puts it (the message was changed)`);
        }
        return { number, final, sealed: framed.subarray(prefix.prefixBytes), contentStart: at + prefix.prefixBytes, contentBytes: prefix.contentBytes };
      };
      const pieceOf = (index: number, content: Uint8Array) => content.subarray(Math.max(0, from - index * frame), Math.min(content.length, to - index * frame));
      if (options.pool) {
        yield* pooledPieces(Math.floor(from / frame), needed, batchFrom, frameIn, pieceOf, messageKey, hash);
        return;
      }
      // The frames read together: `frames` of them from index `first` (a read cut short shows at the frame it cuts).
      let batch: { first: number; frames: number; bytes: Uint8Array } = { first: 0, frames: 0, bytes: new Uint8Array(0) };
      for (let index = Math.floor(from / frame); needed(index); index++) {
        if (index >= batch.first + batch.frames) {
          const { frames, read: bytes } = batchFrom(index);
          batch = { first: index, frames, bytes: await bytes };
        }
        const { number, final, sealed } = frameIn(batch.bytes, (index - batch.first) * regular, index);
        const piece = pieceOf(index, openFrame(messageKey, hash, number, final, sealed));
        if (piece.length > 0) yield piece;
      }
    },
  };
}

type FrameIn = (bytes: Uint8Array, at: number, index: number) => { number: number; final: boolean; contentStart: number; contentBytes: number };

/**
 * The pieces of a range with each batch of frames opened in place on the worker pool (one read's
 * bytes: nothing else holds them), the next batch read and opened while this one's pieces are taken.
 * A batch's pieces come only once every frame in it authenticates; the frames before a damaged one
 * in its batch are then not released either (the read fails, as it would a frame later).
 */
async function* pooledPieces(first: number, needed: (index: number) => boolean,
  batchFrom: (first: number) => { frames: number; read: Promise<Uint8Array> }, frameIn: FrameIn,
  pieceOf: (index: number, content: Uint8Array) => Uint8Array, messageKey: Uint8Array, hash: Uint8Array): AsyncGenerator<Uint8Array> {
  const load = async (index: number) => {
    const { frames, read } = batchFrom(index);
    const bytes = await read;
    const spans: Array<GcmFrame & { index: number }> = [];
    let at = 0;
    for (let i = index; i < index + frames; i++) {
      const { number, final, contentStart, contentBytes } = frameIn(bytes, at, i);
      spans.push({ index: i, start: contentStart, contentBytes, iv: frameNonce(number), aad: frameAad(hash, number, final, contentBytes) });
      at = contentStart + contentBytes + TAG_BYTES;
    }
    try {
      await parallelGcmFrames(messageKey, bytes, spans, false);
    } catch (error) {
      if ((error as Error).name !== 'AuthenticationError') throw error;
      // A worker's error arrives by name; which frame of the batch failed, it does not say.
      throw new AuthenticationError(`a frame among frames ${index + 1}–${index + frames} does not authenticate: the message was changed`);
    }
    return { next: index + frames, contents: spans.map(({ index: i, start, contentBytes }) => ({ index: i, content: bytes.subarray(start, start + contentBytes) })) };
  };
  let ahead: ReturnType<typeof load> | undefined = needed(first) ? load(first) : undefined;
  while (ahead) {
    const batch = await ahead;
    ahead = needed(batch.next) ? load(batch.next) : undefined;
    // Marked handled: if the consumer stops before taking it, its failure has no one to reach.
    ahead?.catch(() => undefined);
    for (const { index, content } of batch.contents) {
      const piece = pieceOf(index, content);
      if (piece.length > 0) yield piece;
    }
  }
}

/** All the pieces of a range, joined. */
export async function collectPieces(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const piece of pieces) parts.push(piece);
  return concatBytes(parts);
}

export async function decryptRange(read: RangeReader, messageBytes: number, start: number, end: number, resolveDataKey: DataKeyResolver): Promise<RangedPlaintext> {
  checkRange(start, end);
  const message = await openRangedMessage(read, messageBytes, resolveDataKey);
  try {
    return { plaintext: await collectPieces(message.pieces(start, end)), totalBytes: message.totalBytes };
  } finally {
    message.dispose();
  }
}
