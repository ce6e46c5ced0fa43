// Cuts an object's bytes, arriving in pieces of any size, into chunks of whole records (lines; for
// quoted CSV, lines outside quotes, so a quoted field may hold a newline) of about `targetBytes`, so
// the engine parses one bounded chunk at a time while the object streams. The first `skipLines`
// lines (TBLPROPERTIES skip.header.line.count) are dropped.

import { concatBytes } from '../core/bytes.js';

const NEWLINE = 0x0a;

export interface RecordChunkOptions {
  targetBytes: number;
  skipLines: number;
  /** The quote byte of quoted CSV, or undefined (lines end at every newline). */
  quote?: number;
  /** A byte that escapes the next one inside quotes (e.g. a backslash), if not the quote itself. */
  escape?: number;
}

export async function* recordChunks(pieces: AsyncIterable<Uint8Array>, options: RecordChunkOptions): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let linesToSkip = options.skipLines;
  for await (let piece of pieces) {
    while (linesToSkip > 0 && piece.length > 0) {
      const end = piece.indexOf(NEWLINE);
      if (end < 0) piece = piece.subarray(piece.length);
      else {
        piece = piece.subarray(end + 1);
        linesToSkip--;
      }
    }
    if (piece.length === 0) continue;
    pending.push(piece);
    pendingBytes += piece.length;
    if (pendingBytes < options.targetBytes) continue;
    const buffer = concat(pending);
    const cut = lastRecordEnd(buffer, options);
    if (cut === 0) {
      pending = [buffer]; // one record longer than the target: keep reading until it ends
      continue;
    }
    yield buffer.subarray(0, cut);
    pending = cut < buffer.length ? [buffer.slice(cut)] : [];
    pendingBytes = buffer.length - cut;
  }
  if (pendingBytes > 0) yield concat(pending);
}

/** The offset just past the last newline that ends a record (outside quotes), 0 if none. */
function lastRecordEnd(buffer: Uint8Array, options: RecordChunkOptions): number {
  if (options.quote === undefined) return buffer.lastIndexOf(NEWLINE) + 1;
  let inQuotes = false;
  let end = 0;
  for (let i = 0; i < buffer.length; i++) {
    const byte = buffer[i];
    if (inQuotes && byte === options.escape && options.escape !== options.quote) i++;
    else if (byte === options.quote) inQuotes = !inQuotes;
    else if (byte === NEWLINE && !inQuotes) end = i + 1;
  }
  return end;
}

const concat = (pieces: Uint8Array[]) => (pieces.length === 1 ? pieces[0]! : concatBytes(pieces));
