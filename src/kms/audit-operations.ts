// Reading the audit trail: verifying its HMAC chain, its head (for an external anchor), and listing
// its records. The trail is written by every call (kms-calls.ts, audit-writer.ts).

import { START_OF_TRAIL, verifyTrail, type AuditCheckpoint, type AuditVerification } from './audit-trail.js';
import type { KmsCalls } from './kms-calls.js';
import { kmsError } from './kms-errors.js';
import type { AuditHead, AuditRecord } from './key-store.js';
import type { ListAuditRecordsRequest } from './kms-api-types.js';

export class AuditOperations {
  constructor(private readonly kms: KmsCalls) {}

  /**
   * Checks the HMAC chain: an edited, removed or reordered record breaks it. Reads the trail as it
   * goes (memory stays flat), from the start or, given the checkpoint an earlier verification
   * returned, only the records after it (those before it are not read again). With an `anchor` (an
   * `auditHead()` kept where this store's writer cannot change it), a trail cut back to before the
   * anchored record, or rewritten from it on, is invalid. The chain is checked up to the head when
   * called; calls go on meanwhile.
   */
  async verifyAuditTrail(options: { fromCheckpoint?: AuditCheckpoint; anchor?: AuditHead } = {}): Promise<AuditVerification> {
    const from = options.fromCheckpoint ?? START_OF_TRAIL;
    const isHead = (head: AuditHead | undefined) => head !== undefined && Number.isSafeInteger(head.count) && head.count >= 0
      && typeof head.mac === 'string' && /^[0-9a-f]{64}$/.test(head.mac);
    if (!isHead(from) || !(Number.isSafeInteger(from.position) && from.position >= 0)) {
      throw kmsError('ValidationException', 'fromCheckpoint: expected { count, mac, position } as verifyAuditTrail returned it');
    }
    const { anchor } = options;
    if (anchor !== undefined && (!isHead(anchor) || anchor.count < from.count)) {
      throw kmsError('ValidationException', 'anchor: expected { count, mac } as auditHead returned it, no older than fromCheckpoint');
    }
    const head = await this.auditHead();
    if (head.count < from.count) return { valid: false, firstInvalidIndex: head.count, records: head.count };
    return verifyTrail(this.kms.store.readAudit(from), this.kms.auditKey, from, head.count, anchor);
  }

  /**
   * The chain's end: how many records the trail holds and the last one's MAC. Kept somewhere the
   * store's writer cannot change (an external anchor), it shows a trail cut short or rewritten
   * later: the trail must then still hold a record `count - 1` with this MAC.
   */
  async auditHead(): Promise<AuditHead> {
    await this.kms.ready();
    await this.kms.audit.drain();
    return this.kms.store.auditHead();
  }

  /** Audit records, optionally filtered by key (id, ARN or alias), principal, event and time range, read from the store as they are filtered. */
  async listAuditRecords(filter: ListAuditRecordsRequest = {}): Promise<AuditRecord[]> {
    const { count } = await this.auditHead();
    const keyArn = filter.KeyId === undefined ? undefined : await this.kms.loadedExclusive(async () => this.kms.directory.resolveKey(filter.KeyId!).arn);
    const found: AuditRecord[] = [];
    let read = 0;
    for await (const { record: r } of this.kms.store.readAudit()) {
      if (read++ === count) break;
      if ((keyArn === undefined || r.keyArn === keyArn) &&
        (filter.Principal === undefined || r.principal === filter.Principal) &&
        (filter.EventName === undefined || r.eventName === filter.EventName) &&
        (filter.StartTime === undefined || new Date(r.eventTime) >= filter.StartTime) &&
        (filter.EndTime === undefined || new Date(r.eventTime) <= filter.EndTime)) found.push(r);
    }
    return found;
  }
}
