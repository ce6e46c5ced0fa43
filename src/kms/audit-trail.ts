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

/** The text a record's MAC covers (as UTF-8): the previous MAC and every other field, in a fixed order (the sequence only where a record has one). */
function macInput(record: Omit<AuditRecord, 'mac'>): string {
  const fields = [record.previousMac, record.eventId, record.eventTime, record.eventName, record.principal,
    record.viaService ?? '', record.keyArn ?? '', record.encryptionContext === undefined ? 'null' : JSON.stringify(record.encryptionContext), record.grantId ?? '',
    record.errorCode ?? '', record.errorMessage ?? ''];
  if (record.sequence !== undefined) fields.push(String(record.sequence));
  return JSON.stringify(fields);
}

type NodeCrypto = typeof import('node:crypto');

/** node:crypto where this is Node (process.getBuiltinModule: no import, so bundles for browsers stay clean). */
const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;

/**
 * HMAC-SHA-256 of a record under one audit key. Where the runtime is Node, HMAC (RFC 2104) over
 * node:crypto's one-shot SHA-256: H((K ^ opad) || H((K ^ ipad) || text)), with both padded keys
 * made once per key. That is half the CPU of a `createHmac` per record (an object with a stream
 * behind it, made and dropped for each ~300-byte text), and makes no garbage but the MAC.
 * Elsewhere @noble/hashes with the key already absorbed (a copy of the keyed state saves hashing
 * the two key blocks at each MAC). Both compute the same function (test/kms/audit-mac.test.ts
 * checks them against createHmac and RFC 4231). Audit keys are never changed in place once
 * derived, so each key's prepared form is kept with it.
 */
type RecordMac = (text: string) => string;
const keyedMacs = new WeakMap<Uint8Array, RecordMac>();

export function keyedRecordMac(auditKey: Uint8Array, usePlatform = nodeCrypto !== undefined): RecordMac {
  if (usePlatform && nodeCrypto) return oneShotHashHmac(nodeCrypto, auditKey);
  const keyed = hmac.create(sha256, auditKey);
  return (text) => bytesToHex(keyed.clone().update(encoder.encode(text)).digest());
}

/** SHA-256's block: a key of at most this many bytes is used as it is, zero-padded (RFC 2104 §2). */
const BLOCK_BYTES = 64;

function oneShotHashHmac(platform: NodeCrypto, key: Uint8Array): RecordMac {
  // Longer keys are hashed first (RFC 2104); audit keys are 32 bytes, so that case is left to createHmac.
  if (key.length > BLOCK_BYTES) {
    const secret = platform.createSecretKey(key);
    return (text) => platform.createHmac('sha256', secret).update(text, 'utf8').digest('hex');
  }
  // inner: K ^ ipad, then the text's UTF-8 (at most 3 bytes per UTF-16 unit; grown for a longer text).
  let inner = new Uint8Array(BLOCK_BYTES + 1024);
  const outer = new Uint8Array(BLOCK_BYTES + 32); // K ^ opad, then the inner hash
  for (let i = 0; i < BLOCK_BYTES; i++) {
    inner[i] = (key[i] ?? 0) ^ 0x36;
    outer[i] = (key[i] ?? 0) ^ 0x5c;
  }
  return (text) => {
    if (BLOCK_BYTES + 3 * text.length > inner.length) {
      const grown = new Uint8Array(BLOCK_BYTES + 3 * text.length);
      grown.set(inner.subarray(0, BLOCK_BYTES));
      inner.fill(0);
      inner = grown;
    }
    const { written } = encoder.encodeInto(text, inner.subarray(BLOCK_BYTES));
    // 'binary' (latin1): the digest as one character per byte, copied into `outer` without a Buffer made for it.
    const innerHash = platform.hash('sha256', inner.subarray(0, BLOCK_BYTES + written), 'binary');
    for (let i = 0; i < 32; i++) outer[BLOCK_BYTES + i] = innerHash.charCodeAt(i);
    return platform.hash('sha256', outer, 'hex');
  };
}

function recordMac(auditKey: Uint8Array, record: Omit<AuditRecord, 'mac'>): string {
  let mac = keyedMacs.get(auditKey);
  // Stryker disable next-line ConditionalExpression: keying a new HMAC on every call gives the same MAC; the cache only saves time
  if (!mac) {
    mac = keyedRecordMac(auditKey);
    keyedMacs.set(auditKey, mac);
  }
  return mac(macInput(record));
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
