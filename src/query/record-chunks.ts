// Cuts a JSON-lines object's bytes, arriving in pieces of any size, into chunks of whole lines (a
// JSON value holds no raw newline) of about `targetBytes`, so the engine parses one bounded chunk
// at a time while the object streams. The first `skipLines` lines (TBLPROPERTIES
// skip.header.line.count) are dropped.

import { concatBytes } from '../core/bytes.js';

const NEWLINE = 0x0a;

export interface RecordChunkOptions {
  targetBytes: number;
  skipLines: number;
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
    const cut = buffer.lastIndexOf(NEWLINE) + 1;
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

const concat = (pieces: Uint8Array[]) => (pieces.length === 1 ? pieces[0]! : concatBytes(pieces));
