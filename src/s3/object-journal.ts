// An ObjectStore directory's metadata as an append-only journal, s3-journal.log: one line per change
// (a bucket's settings, an object version added, a version dropped), so a PUT or DELETE writes one
// short line and one fsync however many objects exist. Why a journal rather than one file per
// record: a record file costs a temp file, a rename and two fsyncs (file and directory) per change
// and a directory entry per object version, while an appended line costs one write and one fsync;
// both must be read in full at open to list keys, and the journal reads as one sequential file.
//
//   <64 hex digits: HMAC-SHA-256> <the entry as JSON>\n
//
// Each line's MAC covers the previous line's MAC and this line's JSON, under a key derived (HKDF)
// from the store's metadata secret (s3-state.key, 0600, created race-free): an edited, reordered,
// removed or inserted line fails to authenticate and the store refuses to open (StoreIntegrityError),
// touching nothing. Only a final line without its newline that does not authenticate counts as a
// write torn by a crash (it was never acknowledged: a change is acknowledged after its line's fsync)
// and is cut off. Cutting whole lines off the end cannot be told from an older journal; nothing
// else can be changed unnoticed. When dropped or replaced records outnumber live ones, the journal
// is rewritten with the live records only (temp file, fsync, rename): amortised O(1) per change.

import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { SerialQueue } from '../core/serial-queue.js';
import { concatBytes, constantTimeEqual } from '../core/bytes.js';
import { atomicWriteFile, readOrCreateSecret } from '../platform/atomic-file.js';
import { StoreIntegrityError } from '../platform/store-errors.js';

const encoder = new TextEncoder();
const LINE = /^([0-9a-f]{64}) (.*)$/s;
const NEWLINE = 0x0a;
const START = new Uint8Array(32);
export const journalFile = (directory: string) => `${directory}/s3-journal.log`;
/** Dropped records tolerated beyond the live ones before the journal is rewritten. */
const SLACK = 1024;

interface Pending<Entry> { entry: Entry; error?: unknown }

export class ObjectJournal<Entry> {
  private readonly queue = new SerialQueue();
  private readonly pending: Array<Pending<Entry>> = [];
  private chain: Uint8Array = START;
  private length = 0;
  private lines = 0;
  /** Set when a failed append could not be cut back: the file may end in a partial line until reopened. */
  private broken: Error | undefined;

  private constructor(private readonly file: string, private readonly macKey: Uint8Array) {}

  /** Starts a journal holding `entries` (none for a new store: the empty file is written before the secret is made). */
  static async create<Entry>(directory: string, secretFile: string, entries: Entry[]): Promise<ObjectJournal<Entry>> {
    if (entries.length === 0) await atomicWriteFile(journalFile(directory), new Uint8Array(0));
    const journal = await ObjectJournal.withKey<Entry>(directory, secretFile);
    if (entries.length > 0) await journal.replaceWith(entries);
    return journal;
  }

  /**
   * Opens `<directory>/s3-journal.log` and returns its entries in order; throws StoreIntegrityError,
   * touching nothing, for a line that does not authenticate. Call it under the store's lock: it cuts
   * off a torn final line.
   */
  static async open<Entry>(directory: string, secretFile: string): Promise<{ journal: ObjectJournal<Entry>; entries: Entry[] }> {
    const fs = await import('node:fs/promises');
    const journal = await ObjectJournal.withKey<Entry>(directory, secretFile);
    const bytes = new Uint8Array(await fs.readFile(journal.file));
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const entries: Entry[] = [];
    let at = 0;
    while (at < bytes.length) {
      const end = bytes.indexOf(NEWLINE, at);
      const entry = journal.verify(bytes.subarray(at, end < 0 ? bytes.length : end), decoder);
      if (entry === undefined) {
        if (end >= 0 || !journal.looksTorn(bytes.subarray(at), decoder)) {
          throw new StoreIntegrityError(journal.file, `line ${journal.lines + 1} does not authenticate: it was damaged, edited, reordered or removed`);
        }
        await fs.truncate(journal.file, at); // a torn final line, never acknowledged: cut off, so the next append starts a line
        break;
      }
      entries.push(entry.value);
      journal.chain = entry.mac;
      journal.lines++;
      if (end < 0) await fs.appendFile(journal.file, '\n'); // complete but for its newline: kept
      at = end < 0 ? bytes.length : end + 1;
    }
    journal.length = (await fs.stat(journal.file)).size;
    return { journal, entries };
  }

  private static async withKey<Entry>(directory: string, secretFile: string): Promise<ObjectJournal<Entry>> {
    const secret = await readOrCreateSecret(secretFile, 32);
    const journal = new ObjectJournal<Entry>(journalFile(directory), hkdf(sha256, secret, undefined, encoder.encode('kms-wasm s3 journal v1'), 32));
    secret.fill(0);
    return journal;
  }

  /** How many lines the journal holds: live records and superseded ones. */
  get lineCount(): number {
    return this.lines;
  }

  /**
   * After every pending append, rewrites the journal with the live records (taken then, so they hold
   * every change appended so far) if superseded lines outnumber them by enough that it pays.
   */
  compact(liveRecords: () => Entry[]): Promise<void> {
    return this.queue.run(async () => {
      const live = liveRecords();
      if (this.lines - live.length > live.length + SLACK) await this.replaceWith(live);
    });
  }

  /**
   * Appends `entry` and fsyncs it; entries are written in call order. Group commit: entries that
   * arrive while a write is under way go out together in the next write, under one fsync, and each
   * call returns once its own entry is durable. A failed write is cut back off the file, so it leaves
   * nothing, and fails every call in it; each caller undoes its change in memory.
   */
  append(entry: Entry): Promise<void> {
    const item: Pending<Entry> = { entry };
    this.pending.push(item);
    return this.queue.run(async () => {
      if (this.pending.includes(item)) await this.writePending(); // else an earlier write took it
      if (item.error) throw item.error;
    });
  }

  private async writePending(): Promise<void> {
    const batch = this.pending.splice(0);
    const fail = (error: unknown) => batch.forEach((item) => { item.error = error; });
    if (this.broken) return fail(this.broken);
    let chain = this.chain;
    const sealed = batch.map(({ entry }) => {
      const line = this.seal(entry, chain);
      chain = line.mac;
      return line.line;
    });
    const bytes = concatBytes(sealed);
    const fs = await import('node:fs/promises');
    try {
      // Opened per write, without O_CREAT: a journal that was removed or replaced is not silently restarted.
      const handle = await fs.open(this.file, fs.constants.O_WRONLY | fs.constants.O_APPEND);
      try {
        await handle.write(bytes);
        await handle.datasync();
      } catch (error) {
        await handle.truncate(this.length).catch((cut: Error) => { this.broken = cut; });
        throw error;
      } finally {
        await handle.close();
      }
    } catch (error) {
      return fail(error);
    }
    this.chain = chain;
    this.length += bytes.length;
    this.lines += batch.length;
  }

  /** Replaces the journal with `entries`, atomically. */
  private async replaceWith(entries: Entry[]): Promise<void> {
    let chain: Uint8Array = START;
    const bytes = concatBytes(entries.map((entry) => {
      const sealed = this.seal(entry, chain);
      chain = sealed.mac;
      return sealed.line;
    }));
    await atomicWriteFile(this.file, bytes);
    this.chain = chain;
    this.length = bytes.length;
    this.lines = entries.length;
    this.broken = undefined;
  }

  /** Waits for every pending append. */
  flush(): Promise<void> {
    return this.queue.run(async () => undefined);
  }

  private seal(entry: Entry, previous: Uint8Array): { line: Uint8Array; mac: Uint8Array } {
    const json = JSON.stringify(entry);
    const mac = this.mac(previous, json);
    return { line: encoder.encode(`${bytesToHex(mac)} ${json}\n`), mac };
  }

  /** The line's entry and MAC if it authenticates after the current chain, else undefined. */
  private verify(bytes: Uint8Array, decoder: TextDecoder): { value: Entry; mac: Uint8Array } | undefined {
    let line: string;
    try {
      line = decoder.decode(bytes);
    } catch {
      return undefined;
    }
    const match = LINE.exec(line);
    if (!match) return undefined;
    const mac = this.mac(this.chain, match[2]!);
    if (!constantTimeEqual(mac, hexToBytes(match[1]!))) return undefined;
    try {
      return { value: JSON.parse(match[2]!) as Entry, mac };
    } catch {
      return undefined;
    }
  }

  /**
   * Whether an unterminated final segment that does not authenticate can be what a crash left: the
   * start of one line. Not if it holds the start of a second line (lines joined by removed newlines),
   * nor if it is a whole line with its newline changed into another byte.
   */
  private looksTorn(tail: Uint8Array, decoder: TextDecoder): boolean {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(tail, { stream: true }); // a cut may split a character
    } catch {
      return false;
    }
    return !/.[0-9a-f]{64} \{/s.test(text) && this.verify(tail.subarray(0, -1), decoder) === undefined;
  }

  private mac(previous: Uint8Array, json: string): Uint8Array {
    const h = hmac.create(sha256, this.macKey);
    h.update(previous);
    h.update(encoder.encode(json));
    return h.digest();
  }
}
