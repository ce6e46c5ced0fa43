// The audit log's lines, and how a log is told apart from a damaged one. Each record is one line:
// "@" ‖ base64(sealed record) ‖ "\n" (kms-wasm 0.1 wrote lines without the "@", which are still read).
// Every record is fsynced before its call is acknowledged, so a crash can only tear the last append:
// what follows the last newline is then the start of one record, "@" and base64 characters, and is
// dropped. Anything else is damage and refused, with nothing overwritten: a line that does not
// authenticate (a record edited, bytes zeroed, lines joined by a removed newline: each joined line
// fails), or a tail that is not the start of one record (several records whose newlines were removed,
// zeroed bytes). The "@" is what tells one torn record from several joined ones.
//
// A log is never read whole: opening a store reads only its end (readAuditTail: the last record and
// where appends go), and the trail is read line by line as it is consumed (readAuditLines), so
// memory and start-up time stay flat however long the log. Damage before the last record is found
// when the trail is read (verifyAuditTrail, listAuditRecords), not on open.

import type { FileHandle } from 'node:fs/promises';
import { concatBytes } from '../core/bytes.js';
import { StoreIntegrityError } from '../platform/store-errors.js';

const NEWLINE = 0x0a;
const RECORD_START = 0x40; // "@"
const BASE64 = /^[A-Za-z0-9+/=]*$/;
const CHUNK_BYTES = 1 << 20;
const TAIL_WINDOW_BYTES = 1 << 16;
const latin1 = new TextDecoder('latin1');

/** Where the log's good content ends: appends go there (after a newline, if the last record lacks one). */
export interface AuditLogEnd {
  bytes: number;
  newline: boolean;
}

export function auditLine(base64: string): string {
  return `@${base64}\n`;
}

/** A line's record, or undefined if it does not authenticate (`open` throws). */
function tryOpen<T>(line: Uint8Array, open: (base64: string) => T): T | undefined {
  try {
    return open(latin1.decode(line[0] === RECORD_START ? line.subarray(1) : line));
  } catch {
    return undefined;
  }
}

/** Refuses a tail (the bytes after the last newline, not a whole record) unless it is the start of one record. */
function checkTorn(file: string, tail: Uint8Array): void {
  if (tail[0] !== RECORD_START || !BASE64.test(latin1.decode(tail.subarray(1)))) {
    throw new StoreIntegrityError(file, `ends in ${tail.length} bytes after its last newline that are not the start of one record: the log is damaged`);
  }
}

const lineDamage = (file: string, line: number | undefined, start: number, end: number) =>
  new StoreIntegrityError(file, `${line === undefined ? 'the line' : `line ${line}`} at bytes ${start} to ${end} does not authenticate: the log is damaged`);

async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  // Stryker disable next-line EqualityOperator: `done <= length` makes one more read of 0 bytes, which ends the loop the same way (`done >= length` is killed: unmarked run)
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return bytes.subarray(0, done);
}

/**
 * The records of the log's first `size` bytes from byte `from` (the start of a line), oldest first,
 * each with where the next line starts. A torn last record is skipped (in the active segment; an
 * archived one must end in a whole line); damage is a StoreIntegrityError (line numbers counted from
 * the start, when reading from it).
 */
export async function* readAuditLines<T>(file: string, handle: FileHandle, size: number, from: number,
  open: (base64: string) => T, archived = false): AsyncGenerator<{ record: T; next: number }> {
  if (from > 0 && (from > size || (await readAt(handle, from - 1, 1))[0] !== NEWLINE)) {
    throw new StoreIntegrityError(file, `has no line starting at byte ${from}: the log is damaged, or the checkpoint is not one of this log`);
  }
  let line = from === 0 ? 1 : undefined;
  let pending: Uint8Array = new Uint8Array(0); // the start of a line, read but not yet ended
  let pendingStart = from;
  for (let position = from; position < size;) {
    const chunk = await readAt(handle, position, Math.min(CHUNK_BYTES, size - position));
    if (chunk.length === 0) break;
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end >= 0; start = end + 1, end = chunk.indexOf(NEWLINE, start)) {
      const bytes = pending.length === 0 ? chunk.subarray(start, end) : concatBytes([pending, chunk.subarray(start, end)]);
      pending = new Uint8Array(0);
      const record = tryOpen(bytes, open);
      const next = position + end + 1;
      if (record === undefined) throw lineDamage(file, line, pendingStart, next - 1);
      yield { record, next };
      pendingStart = next;
      if (line !== undefined) line++;
    }
    pending = concatBytes([pending, chunk.subarray(start)]);
    position += chunk.length;
  }
  if (pending.length === 0) return;
  if (archived) throw new StoreIntegrityError(file, 'is an archived segment that does not end in a whole record: the log is damaged');
  const last = tryOpen(pending, open);
  if (last !== undefined) {
    yield { record: last, next: pendingStart + pending.length }; // complete, but its newline never reached the disk
    return;
  }
  checkTorn(file, pending); // a record torn by a crash mid-append, never acknowledged: skipped
}

/**
 * The log's last record (undefined for none) and where its good content ends, from the end of the
 * first `size` bytes only: the tail after the last newline is a whole record, a torn one, or damage,
 * and the line before it must authenticate.
 */
export async function readAuditTail<T>(file: string, handle: FileHandle, size: number,
  open: (base64: string) => T): Promise<{ last: T | undefined; end: AuditLogEnd }> {
  for (let window = TAIL_WINDOW_BYTES; ; window *= 2) {
    const start = Math.max(0, size - window);
    const bytes = await readAt(handle, start, size - start);
    const whole = start === 0;
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    if (lastNewline < 0 && !whole) continue;
    const tail = bytes.subarray(lastNewline + 1);
    if (tail.length > 0) {
      const last = tryOpen(tail, open);
      if (last !== undefined) return { last, end: { bytes: size, newline: false } };
      checkTorn(file, tail);
    }
    const end = { bytes: start + lastNewline + 1, newline: true };
    if (lastNewline < 0) return { last: undefined, end };
    // Not lastIndexOf(NEWLINE, -1) when the last newline is the first byte: a negative start counts from the end, and would find that newline again.
    const previousNewline = lastNewline === 0 ? -1 : bytes.lastIndexOf(NEWLINE, lastNewline - 1);
    // Stryker disable next-line EqualityOperator: `<= 0` reads a larger window when the newline is the window's first byte, with the same result (`>= 0` is killed: unmarked run)
    if (previousNewline < 0 && !whole) continue;
    const last = tryOpen(bytes.subarray(previousNewline + 1, lastNewline), open);
    if (last === undefined) throw lineDamage(file, undefined, start + previousNewline + 1, start + lastNewline);
    return { last, end };
  }
}
