// The audit log's lines, and how a log is told apart from a damaged one. Each record is one line:
// "@" ‖ base64(sealed record) ‖ "\n" (kms-wasm 0.1 wrote lines without the "@", which are still read).
// Every record is fsynced before its call is acknowledged, so a crash can only tear the last append:
// what follows the last newline is then the start of one record, "@" and base64 characters, and is
// dropped. Anything else is damage and refused, with nothing overwritten: a line that does not
// authenticate (a record edited, bytes zeroed, lines joined by a removed newline: each joined line
// fails), or a tail that is not the start of one record (several records whose newlines were removed,
// zeroed bytes). The "@" is what tells one torn record from several joined ones.

import { StoreIntegrityError } from './store-errors.js';

const NEWLINE = 0x0a;
const RECORD_START = 0x40; // "@"
const BASE64 = /^[A-Za-z0-9+/=]*$/;

/** Where the log's good content ends: appends go there (after a newline, if the last record lacks one). */
export interface AuditLogEnd {
  bytes: number;
  newline: boolean;
}

export function auditLine(base64: string): string {
  return `@${base64}\n`;
}

/**
 * The records of a log, oldest first, and where its good content ends. `open` turns a line's base64
 * into a record, throwing if it does not authenticate.
 */
export function parseAuditLog<T>(file: string, log: Uint8Array, open: (base64: string) => T): { records: T[]; end: AuditLogEnd } {
  const latin1 = new TextDecoder('latin1');
  const tryOpen = (line: Uint8Array): T | undefined => {
    try {
      return open(latin1.decode(line[0] === RECORD_START ? line.subarray(1) : line));
    } catch {
      return undefined;
    }
  };
  const records: T[] = [];
  let start = 0;
  for (let end = log.indexOf(NEWLINE); end >= 0; start = end + 1, end = log.indexOf(NEWLINE, start)) {
    const record = tryOpen(log.subarray(start, end));
    if (record === undefined) throw new StoreIntegrityError(file, `line ${records.length + 1} (bytes ${start} to ${end}) does not authenticate: the log is damaged`);
    records.push(record);
  }
  const tail = log.subarray(start);
  if (tail.length === 0) return { records, end: { bytes: log.length, newline: true } };
  const last = tryOpen(tail);
  if (last !== undefined) {
    records.push(last); // complete, but its newline never reached the disk
    return { records, end: { bytes: log.length, newline: false } };
  }
  const text = latin1.decode(tail.subarray(1));
  if (tail[0] !== RECORD_START || !BASE64.test(text)) {
    throw new StoreIntegrityError(file, `ends in ${tail.length} bytes after its last newline that are not the start of one record: the log is damaged`);
  }
  return { records, end: { bytes: start, newline: true } }; // a record torn by a crash mid-append, never acknowledged
}
