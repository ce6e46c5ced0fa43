import { readFileSync, writeFileSync } from 'node:fs';
import { Iam, KeyManagementService, MemoryKeyStore, type KeyStore } from '../../src/index.js';
import type { Clock } from '../../src/core/clock.js';
import { macInputBytes } from '../../src/kms/audit-trail.js';
import type { AuditRecord } from '../../src/kms/key-store.js';
import type { PackedAuditTrail } from '../../src/kms/packed-audit-trail.js';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
export const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
export const MALLORY = 'arn:aws:iam::444455556666:user/mallory';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private time = new Date('2026-01-01T00:00:00Z')) {}
  now(): Date {
    return new Date(this.time);
  }
  advanceDays(days: number): void {
    this.time = new Date(this.time.getTime() + days * 86_400_000);
  }
}

let newStore: () => KeyStore = () => new MemoryKeyStore();

/** The store makeKms gives a KMS when the test names none (a memory store, unless a suite runs the tests on another store). */
export function useStores(factory: () => KeyStore): void {
  newStore = factory;
}

export function makeKms(options: { iam?: Iam; store?: KeyStore } = {}) {
  const clock = new ManualClock();
  const store = options.store ?? newStore();
  const kms = new KeyManagementService({ account: ACCOUNT, region: REGION, store, iam: options.iam, clock });
  return { kms, clock, store };
}

export const bytes = (text: string) => new TextEncoder().encode(text);
export const text = (data: Uint8Array) => new TextDecoder().decode(data);
export const policyJson = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** Expects the promise to reject with a KMS error of this name. */
export async function rejectsWith(promise: Promise<unknown>, name: string): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  if (!(error instanceof Error) || error.name !== name) throw new Error(`expected ${name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : 'success'}`);
}

/** Flips one base64 character in the middle of line `index` (from 0) of a log. */
export function editLine(log: string, index: number): void {
  const bytes = readFileSync(log);
  let start = 0;
  for (let i = 0; i < index; i++) start = bytes.indexOf(0x0a, start) + 1;
  const at = start + 40;
  bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
  writeFileSync(log, bytes);
}

/** A memory store's audit trail as records, and a way to put edited ones in their place, as one with access to the memory could. */
export function memoryTrail(store: MemoryKeyStore): { records(): AuditRecord[]; replace(records: AuditRecord[]): void } {
  const trail = (store as unknown as { trail: PackedAuditTrail }).trail;
  return { records: () => trail.records(), replace: (records) => trail.replace(records, macInputBytes) };
}
