// The memory store's audit trail, kept as bytes rather than objects: each record is its MAC input
// (the JSON text of its fields that audit-trail.ts MACs, already written to compute the MAC: copied,
// not made again) with its MAC appended, in one growing buffer. Millions of record objects (each
// with its id and MAC strings) cost the garbage collector about a sixth of every call's CPU, copying
// and marking them; bytes outside the JavaScript heap cost it nothing. Records are rebuilt from the
// text when read (verification, listing: rare, and a reader gets a fresh copy anyway). The buffer
// is a list of 1 MiB chunks, so nothing is copied as the trail grows.

import { writeJsonString } from './audit-trail.js';
import type { AuditRecord } from './key-store.js';

/** The optional fields, in the order of their bits in a record's first byte: set where the record has the field. */
const OPTIONAL = ['viaService', 'keyArn', 'encryptionContext', 'grantId', 'errorCode', 'errorMessage', 'sequence'] as const;

/** Records are written into chunks of this many bytes (a record longer than that gets a chunk of its own): none is ever copied to grow. */
const CHUNK_BYTES = 1 << 20;

const decoder = new TextDecoder();

export class PackedAuditTrail {
  private chunks: Uint8Array[] = [];
  /** Where in the last chunk the next record goes. */
  private used = 0;
  /** Record i: its chunk, where it starts and where it ends in that chunk. */
  private chunkOf = new Uint32Array(1024);
  private startOf = new Uint32Array(1024);
  private endOf = new Uint32Array(1024);
  private count = 0;
  /** The last record's MAC, kept as text. */
  private lastMac: string | undefined;

  get length(): number {
    return this.count;
  }

  /** The MAC of the last record (undefined while there is none). */
  get last(): string | undefined {
    return this.lastMac;
  }

  /**
   * Appends `record`, whose MAC input is `macInput`: a first byte saying which optional fields it
   * has, its MAC input without the closing bracket, then `,` and its MAC as a JSON string, and `]`.
   */
  push(record: AuditRecord, macInput: Uint8Array): void {
    const { mac } = record;
    const chunk = this.room(macInput.length + 6 * mac.length + 4);
    const start = this.used;
    chunk[start] = (record.viaService === undefined ? 0 : 1) | (record.keyArn === undefined ? 0 : 2) | (record.encryptionContext === undefined ? 0 : 4)
      | (record.grantId === undefined ? 0 : 8) | (record.errorCode === undefined ? 0 : 16) | (record.errorMessage === undefined ? 0 : 32)
      | (record.sequence === undefined ? 0 : 64); // the bits of OPTIONAL, in its order
    chunk.set(macInput.subarray(0, macInput.length - 1), start + 1);
    let at = start + macInput.length;
    chunk[at++] = 0x2c; // ,
    at = writeJsonString(mac, chunk, at);
    chunk[at++] = 0x5d; // ]
    if (this.count === this.endOf.length) this.growIndex();
    this.chunkOf[this.count] = this.chunks.length - 1;
    this.startOf[this.count] = start;
    this.endOf[this.count++] = at;
    this.used = at;
    this.lastMac = mac;
  }

  /** Record `index` (0 ≤ index < length), rebuilt from its text: a new object, with the fields a record read from JSON has. */
  at(index: number): AuditRecord {
    const chunk = this.chunks[this.chunkOf[index]!]!;
    const start = this.startOf[index]!;
    const flags = chunk[start]!;
    const fields = JSON.parse(decoder.decode(chunk.subarray(start + 1, this.endOf[index]!))) as string[];
    const has = (field: (typeof OPTIONAL)[number]) => (flags & (1 << OPTIONAL.indexOf(field))) !== 0;
    // The MAC input's order (audit-trail.ts): previousMac, eventId, eventTime, eventName, principal, viaService, keyArn,
    // the context's JSON, grantId, errorCode, errorMessage, then the sequence where there is one; the MAC last.
    const [previousMac, eventId, eventTime, eventName, principal, viaService, keyArn, context, grantId, errorCode, errorMessage] = fields as [
      string, string, string, string, string, string, string, string, string, string, string];
    const record: Record<string, unknown> = { eventTime, eventName, principal };
    if (has('viaService')) record.viaService = viaService;
    if (has('keyArn')) record.keyArn = keyArn;
    if (has('encryptionContext')) record.encryptionContext = JSON.parse(context);
    if (has('grantId')) record.grantId = grantId;
    if (has('errorCode')) record.errorCode = errorCode;
    if (has('errorMessage')) record.errorMessage = errorMessage;
    record.eventId = eventId;
    if (has('sequence')) record.sequence = Number(fields[11]);
    record.previousMac = previousMac;
    record.mac = fields[fields.length - 1];
    return record as unknown as AuditRecord;
  }

  /** Every record, rebuilt (for a test that tampers with the trail as one with the memory could). */
  records(): AuditRecord[] {
    return Array.from({ length: this.count }, (_, i) => this.at(i));
  }

  /** Replaces the whole trail with `records`, each with the MAC input `macInputOf` gives (for a test that tampers with it). */
  replace(records: AuditRecord[], macInputOf: (record: AuditRecord) => Uint8Array): void {
    this.chunks = [];
    this.used = 0;
    this.count = 0;
    this.lastMac = undefined;
    for (const record of records) this.push(record, macInputOf(record));
  }

  /** The chunk to write the next record in, with room for `bytes` from `used`. */
  private room(bytes: number): Uint8Array {
    const last = this.chunks[this.chunks.length - 1];
    if (last !== undefined && this.used + bytes <= last.length) return last;
    const chunk = new Uint8Array(Math.max(bytes, CHUNK_BYTES));
    this.chunks.push(chunk);
    this.used = 0;
    return chunk;
  }

  private growIndex(): void {
    const grown = (array: Uint32Array) => {
      const bigger = new Uint32Array(2 * array.length);
      bigger.set(array);
      return bigger;
    };
    this.chunkOf = grown(this.chunkOf);
    this.startOf = grown(this.startOf);
    this.endOf = grown(this.endOf);
  }
}
