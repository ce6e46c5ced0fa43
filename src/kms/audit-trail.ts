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
 * HMAC-SHA-256 of a record under one audit key, computed by node:crypto (OpenSSL) where the runtime
 * has it, a third of the CPU time of a JavaScript HMAC for a record of a few hundred bytes, else by
 * @noble/hashes with the key already absorbed (a copy of the keyed state saves hashing the two key
 * blocks at each MAC). Both compute the same function. Audit keys are never changed in place once
 * derived, so each key's prepared form is kept with it.
 */
type RecordMac = (text: string) => string;
const keyedMacs = new WeakMap<Uint8Array, RecordMac>();

export function keyedRecordMac(auditKey: Uint8Array, usePlatform = nodeCrypto !== undefined): RecordMac {
  if (usePlatform && nodeCrypto) {
    const key = nodeCrypto.createSecretKey(auditKey);
    return (text) => nodeCrypto.createHmac('sha256', key).update(text, 'utf8').digest('hex');
  }
  const keyed = hmac.create(sha256, auditKey);
  return (text) => bytesToHex(keyed.clone().update(encoder.encode(text)).digest());
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
