// The audit trail: a CloudTrail-like record of every call, allowed or refused, never holding key
// material or plaintext. Records are chained with HMAC-SHA-256 under a key derived from the root
// key, so editing, removing or reordering a record breaks the chain at that point.

import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { constantTimeEqual } from '../core/bytes.js';
import { GENESIS_MAC, type AuditEvent, type AuditHead, type AuditRecord, type StoredAuditRecord } from './key-store.js';

export type { AuditEvent };

const encoder = new TextEncoder();

export function deriveAuditKey(rootKey: Uint8Array): Uint8Array {
  return hkdf(sha256, rootKey, undefined, encoder.encode('kms-wasm audit trail v1'), 32);
}

type UnsignedRecord = Omit<AuditRecord, 'mac'>;

/**
 * Writes the UTF-8 of JSON.stringify(value) at `at` in `into` (room for 6 bytes per UTF-16 unit and
 * the quotes) and returns where it ends. Printable ASCII other than `"` and `\` is written as it is;
 * any other text is left to JSON.stringify and encodeInto, so the bytes are always theirs.
 */
export function writeJsonString(value: string, into: Uint8Array, at: number): number {
  const start = at;
  into[at++] = 0x22; // "
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x20 || unit > 0x7e || unit === 0x22 || unit === 0x5c) {
      return start + encoder.encodeInto(JSON.stringify(value), into.subarray(start)).written;
    }
    into[at++] = unit;
  }
  into[at++] = 0x22;
  return at;
}

/** A comma, then the string as writeJsonString writes it. */
function writeField(value: string, into: Uint8Array, at: number): number {
  into[at] = 0x2c; // ,
  return writeJsonString(value, into, at + 1);
}

/**
 * The text a record's MAC covers, as UTF-8: JSON.stringify of the previous MAC and every other field
 * in a fixed order (the sequence, as text, only where a record has one), written straight into the
 * MAC's buffer: no array of fields, no JSON text, no second copy to encode.
 */
const macInput = {
  /** The fields not written as they are: the context as JSON ('null' for none), the sequence as text. */
  context: (record: UnsignedRecord) => (record.encryptionContext === undefined ? 'null' : JSON.stringify(record.encryptionContext)),
  sequence: (record: UnsignedRecord) => (record.sequence === undefined ? undefined : String(record.sequence)),

  /** At most this many bytes: 6 per UTF-16 unit (a \uXXXX escape; UTF-8 takes at most 3), 2 quotes and a comma per field, the brackets. */
  bound(record: UnsignedRecord, context: string, sequence: string | undefined): number {
    const units = record.previousMac.length + record.eventId.length + record.eventTime.length + record.eventName.length + record.principal.length
      + (record.viaService?.length ?? 0) + (record.keyArn?.length ?? 0) + context.length + (record.grantId?.length ?? 0)
      + (record.errorCode?.length ?? 0) + (record.errorMessage?.length ?? 0) + (sequence?.length ?? 0);
    return 6 * units + 3 * 12 + 2;
  },

  write(record: UnsignedRecord, context: string, sequence: string | undefined, into: Uint8Array, at: number): number {
    into[at++] = 0x5b; // [
    at = writeJsonString(record.previousMac, into, at);
    at = writeField(record.eventId, into, at);
    at = writeField(record.eventTime, into, at);
    at = writeField(record.eventName, into, at);
    at = writeField(record.principal, into, at);
    at = writeField(record.viaService ?? '', into, at);
    at = writeField(record.keyArn ?? '', into, at);
    at = writeField(context, into, at);
    at = writeField(record.grantId ?? '', into, at);
    at = writeField(record.errorCode ?? '', into, at);
    at = writeField(record.errorMessage ?? '', into, at);
    if (sequence !== undefined) at = writeField(sequence, into, at);
    into[at++] = 0x5d; // ]
    return at;
  },
};

type NodeCrypto = typeof import('node:crypto');

/** node:crypto where this is Node (process.getBuiltinModule: no import, so bundles for browsers stay clean). */
const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;

/** SHA-256's block: a key of at most this many bytes is used as it is, zero-padded (RFC 2104 §2). */
const BLOCK_BYTES = 64;

/**
 * HMAC-SHA-256 under one audit key, of a record (its MAC input, above) or of any text (as UTF-8),
 * the message written into a buffer the key keeps after `prefix` bytes of its own. Where the runtime
 * is Node, HMAC (RFC 2104) over node:crypto's one-shot SHA-256: H((K ^ opad) || H((K ^ ipad) || text)),
 * both padded keys made once per key, K ^ ipad being the prefix. That is half the CPU of a `createHmac`
 * per record (an object with a stream behind it, made and dropped for each ~300-byte text). Elsewhere
 * @noble/hashes with the key already absorbed (a copy of the keyed state saves hashing the two key
 * blocks at each MAC). Both compute the same function (test/kms/audit-mac.test.ts checks them against
 * createHmac and RFC 4231). Audit keys are never changed in place once derived, so each key's
 * prepared form is kept with it.
 */
export class KeyedMac {
  private buffer: Uint8Array;
  /** The MAC input of the last record MAC'd, as UTF-8: a view of the buffer, valid until the next MAC. */
  recordInput: Uint8Array = new Uint8Array(0);

  private constructor(private readonly prefix: Uint8Array, private readonly digest: (message: Uint8Array) => string) {
    this.buffer = new Uint8Array(prefix.length + 1024);
    this.buffer.set(prefix);
  }

  static of(auditKey: Uint8Array, usePlatform = nodeCrypto !== undefined): KeyedMac {
    if (usePlatform && nodeCrypto) return KeyedMac.oneShotHashHmac(nodeCrypto, auditKey);
    const keyed = hmac.create(sha256, auditKey);
    return new KeyedMac(new Uint8Array(0), (message) => bytesToHex(keyed.clone().update(message).digest()));
  }

  private static oneShotHashHmac(platform: NodeCrypto, key: Uint8Array): KeyedMac {
    // Longer keys are hashed first (RFC 2104); audit keys are 32 bytes, so that case is left to createHmac.
    if (key.length > BLOCK_BYTES) {
      const secret = platform.createSecretKey(key);
      return new KeyedMac(new Uint8Array(0), (message) => platform.createHmac('sha256', secret).update(message).digest('hex'));
    }
    const inner = new Uint8Array(BLOCK_BYTES); // K ^ ipad, the message follows it
    const outer = new Uint8Array(BLOCK_BYTES + 32); // K ^ opad, then the inner hash
    for (let i = 0; i < BLOCK_BYTES; i++) {
      inner[i] = (key[i] ?? 0) ^ 0x36;
      outer[i] = (key[i] ?? 0) ^ 0x5c;
    }
    return new KeyedMac(inner, (message) => {
      // 'binary' (latin1): the digest as one character per byte, copied into `outer` without a Buffer made for it.
      const innerHash = platform.hash('sha256', message, 'binary');
      for (let i = 0; i < 32; i++) outer[BLOCK_BYTES + i] = innerHash.charCodeAt(i);
      return platform.hash('sha256', outer, 'hex');
    });
  }

  /** The MAC of a text's UTF-8. */
  text(text: string): string {
    const at = this.room(3 * text.length);
    return this.digest(this.buffer.subarray(0, at + encoder.encodeInto(text, this.buffer.subarray(at)).written));
  }

  /** The MAC of a record: of its MAC input's UTF-8. */
  record(record: UnsignedRecord): string {
    const context = macInput.context(record);
    const sequence = macInput.sequence(record);
    const at = this.room(macInput.bound(record, context, sequence));
    this.recordInput = this.buffer.subarray(at, macInput.write(record, context, sequence, this.buffer, at));
    return this.digest(this.buffer.subarray(0, at + this.recordInput.length));
  }

  /** Where the message starts in the buffer, once it has room for `bytes` more (the old one zeroed). */
  private room(bytes: number): number {
    const { length } = this.prefix;
    if (length + bytes > this.buffer.length) {
      const grown = new Uint8Array(length + bytes);
      grown.set(this.prefix);
      this.buffer.fill(0);
      this.buffer = grown;
    }
    return length;
  }
}

const keyedMacs = new WeakMap<Uint8Array, KeyedMac>();

function keyedMac(auditKey: Uint8Array): KeyedMac {
  let mac = keyedMacs.get(auditKey);
  // Stryker disable next-line ConditionalExpression: keying a new HMAC on every call gives the same MAC; the cache only saves time
  if (!mac) {
    mac = KeyedMac.of(auditKey);
    keyedMacs.set(auditKey, mac);
  }
  return mac;
}

function recordMac(auditKey: Uint8Array, record: UnsignedRecord): string {
  return keyedMac(auditKey).record(record);
}

/** The MAC input (UTF-8) of the record nextRecord made last under `auditKey`: a view, valid until the next record is made under it. */
export function lastMacInput(auditKey: Uint8Array): Uint8Array {
  return keyedMac(auditKey).recordInput;
}

/** The MAC input of any record, as UTF-8 (a new array). */
export function macInputBytes(record: UnsignedRecord): Uint8Array {
  const context = macInput.context(record);
  const sequence = macInput.sequence(record);
  const bytes = new Uint8Array(macInput.bound(record, context, sequence));
  return bytes.subarray(0, macInput.write(record, context, sequence, bytes, 0));
}

/**
 * The record that would follow `head` for `event`; the caller moves the head once it is stored. Its
 * fields are named one by one: copying the event with an object spread cost more than the MAC.
 */
export function nextRecord(head: AuditHead, auditKey: Uint8Array, event: AuditEvent): AuditRecord {
  const record: AuditRecord = {
    eventTime: event.eventTime, eventName: event.eventName, principal: event.principal, viaService: event.viaService, keyArn: event.keyArn,
    encryptionContext: event.encryptionContext, grantId: event.grantId, errorCode: event.errorCode, errorMessage: event.errorMessage,
    eventId: crypto.randomUUID(), sequence: head.count, previousMac: head.mac, mac: '',
  };
  record.mac = recordMac(auditKey, record);
  return record;
}

/** The records for `events`, chained in order after `head`, and the head after the last of them. */
export function chainRecords(head: AuditHead, auditKey: Uint8Array, events: AuditEvent[]): { records: AuditRecord[]; head: AuditHead } {
  const records: AuditRecord[] = [];
  for (const event of events) {
    const record = nextRecord(head, auditKey, event);
    records.push(record);
    head = { count: head.count + 1, mac: record.mac };
  }
  return { records, head };
}

/** Where a verification ended, to verify only what follows next time: the chain's head then, and where its next record starts in the store. */
export interface AuditCheckpoint extends AuditHead {
  position: number;
}

export const START_OF_TRAIL: AuditCheckpoint = { count: 0, mac: GENESIS_MAC, position: 0 };

export interface AuditVerification {
  valid: boolean;
  /** The first record that does not verify (its index from the start of the trail), when `valid` is false. */
  firstInvalidIndex?: number;
  /** Records in the trail: the checkpoint's count plus those verified after it. */
  records: number;
  /** Where this verification ended, when `valid`: pass it as `fromCheckpoint` to verify only the records after it. */
  checkpoint?: AuditCheckpoint;
}

/** MACs compared in constant time. */
function sameMac(a: string, b: string): boolean {
  return constantTimeEqual(encoder.encode(a), encoder.encode(b));
}

/**
 * Checks the chain from `from` up to `count` records, reading them as they come: each record's MAC,
 * its link to the one before and (where it has one) its sequence number. A trail that ends before
 * `count` is invalid at its end (records were removed). With an `anchor` (a head exported earlier and
 * kept elsewhere, no older than `from`), the trail must also still hold the anchored record: at least
 * `anchor.count` records, the last of them with the anchored MAC.
 */
export async function verifyTrail(records: AsyncIterable<StoredAuditRecord>, auditKey: Uint8Array, from: AuditCheckpoint,
  count: number, anchor?: AuditHead): Promise<AuditVerification> {
  const invalid = (index: number): AuditVerification => ({ valid: false, firstInvalidIndex: index, records: count });
  const anchorBroken = (head: AuditHead) => anchor !== undefined && head.count === anchor.count && !sameMac(head.mac, anchor.mac);
  if (anchor !== undefined && anchor.count > count) return invalid(count); // records after `count` were removed
  if (anchorBroken(from)) return invalid(from.count - 1);
  let head: AuditCheckpoint = from;
  if (head.count < count) {
    for await (const { record, next } of records) {
      const { mac, ...unsigned } = record;
      const expected = recordMac(auditKey, unsigned);
      if (!sameMac(unsigned.previousMac, head.mac) || (unsigned.sequence !== undefined && unsigned.sequence !== head.count) || !sameMac(mac, expected)) {
        return invalid(head.count);
      }
      head = { count: head.count + 1, mac, position: next };
      if (anchorBroken(head)) return invalid(head.count - 1);
      if (head.count === count) break;
    }
  }
  if (head.count < count) return invalid(head.count);
  return { valid: true, records: count, checkpoint: head };
}
