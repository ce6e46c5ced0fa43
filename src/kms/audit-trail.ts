// The audit trail: a CloudTrail-like record of every call, allowed or refused, never holding key
// material or plaintext. Records are chained with HMAC-SHA-256 under a key derived from the root
// key, so editing, removing or reordering a record breaks the chain at that point.

import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { AuditRecord } from './key-store.js';

export type AuditEvent = Omit<AuditRecord, 'eventId' | 'previousMac' | 'mac'>;

const GENESIS = '0'.repeat(64);
const encoder = new TextEncoder();

export function deriveAuditKey(rootKey: Uint8Array): Uint8Array {
  return hkdf(sha256, rootKey, undefined, encoder.encode('kms-wasm audit trail v1'), 32);
}

/** The bytes a record's MAC covers: the previous MAC and every other field, in a fixed order. */
function macInput(record: Omit<AuditRecord, 'mac'>): Uint8Array {
  const fields = [record.previousMac, record.eventId, record.eventTime, record.eventName, record.principal,
    record.viaService ?? '', record.keyArn ?? '', JSON.stringify(record.encryptionContext ?? null), record.grantId ?? '',
    record.errorCode ?? '', record.errorMessage ?? ''];
  return encoder.encode(JSON.stringify(fields));
}

/** The record that would follow `trail` for `event`; the caller adds it to the trail once it is stored. */
export function nextRecord(trail: AuditRecord[], auditKey: Uint8Array, event: AuditEvent): AuditRecord {
  const previousMac = trail.length === 0 ? GENESIS : trail[trail.length - 1]!.mac;
  const unsigned = { ...event, eventId: crypto.randomUUID(), previousMac };
  return { ...unsigned, mac: bytesToHex(hmac(sha256, auditKey, macInput(unsigned))) };
}

export interface AuditVerification {
  valid: boolean;
  /** The first record that does not verify, when `valid` is false. */
  firstInvalidIndex?: number;
  records: number;
}

export function verifyTrail(trail: AuditRecord[], auditKey: Uint8Array): AuditVerification {
  let previousMac = GENESIS;
  for (let i = 0; i < trail.length; i++) {
    const { mac, ...unsigned } = trail[i]!;
    const expected = bytesToHex(hmac(sha256, auditKey, macInput(unsigned)));
    if (unsigned.previousMac !== previousMac || mac !== expected) return { valid: false, firstInvalidIndex: i, records: trail.length };
    previousMac = mac;
  }
  return { valid: true, records: trail.length };
}
