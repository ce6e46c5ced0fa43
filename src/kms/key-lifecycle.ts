// How keys come into being and change with time: new keys and their material versions, and what
// falls due by the clock (scheduled deletions, automatic rotations, expiring imported material),
// applied before each call so that every call sees the key states AWS would show at that moment.

import { addDays, type Clock } from '../core/clock.js';
import type { KeyDirectory } from './key-directory.js';
import { wrapMaterial } from './key-material.js';
import type { KeyRecord } from './key-store.js';
import { kmsError } from './kms-errors.js';
import type { Transaction } from './record-tables.js';

/** When a key's imported material expires (ms), or Infinity. */
function expiryTime(key: KeyRecord): number {
  return key.importedMaterial?.validTo ? Date.parse(key.importedMaterial.validTo) : Infinity;
}

/**
 * When a key next rotates automatically (ms), or Infinity. Only an Enabled key rotates: a disabled
 * one waits ("While a KMS key is disabled, AWS KMS does not rotate it"). A key has a
 * nextRotationDate exactly while automatic rotation is enabled.
 */
function rotationTime(key: KeyRecord): number {
  return key.keyState === 'Enabled' && key.rotation.nextRotationDate ? Date.parse(key.rotation.nextRotationDate) : Infinity;
}

/** When a key next has something due (ms): deletion, expiry of imported material, or rotation; Infinity for nothing. */
function nextDueTime(key: KeyRecord): number {
  if (key.keyState === 'PendingDeletion') return Date.parse(key.deletionDate!);
  return Math.min(expiryTime(key), rotationTime(key));
}

export class KeyLifecycle {
  /** The earliest time (ms) at which a key has a rotation, deletion or material expiry due. */
  nextDue: number;

  constructor(private readonly directory: KeyDirectory, private readonly tx: Transaction, private readonly clock: Clock,
    private readonly rootKey: Uint8Array) {
    this.nextDue = Math.min(...[...directory.keys.values()].map(nextDueTime));
  }

  /** Takes account of keys changed (by a commit, or by another process) in when something is next due. */
  noteChanged(keys: Iterable<KeyRecord>): void {
    for (const key of keys) this.nextDue = Math.min(this.nextDue, nextDueTime(key));
  }

  /** A changeable copy of a key for the open transaction. */
  editKey(key: KeyRecord): KeyRecord {
    return this.tx.edit(this.directory.keys, key.keyId);
  }

  /** A new key; an EXTERNAL one starts PendingImport, with no material until importKeyMaterial. */
  newKeyRecord(description: string, policy: string, keyManager: 'CUSTOMER' | 'AWS', tags: KeyRecord['tags'],
    origin: 'AWS_KMS' | 'EXTERNAL' = 'AWS_KMS'): KeyRecord {
    const keyId = crypto.randomUUID();
    const record: KeyRecord = {
      keyId, arn: this.directory.keyArn(keyId), description, keyUsage: 'ENCRYPT_DECRYPT',
      origin, keyManager, keyState: origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled', creationDate: this.clock.now().toISOString(), policy,
      tags: tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue })), materials: [],
      rotation: { enabled: keyManager === 'AWS', periodDays: 365,
        nextRotationDate: keyManager === 'AWS' ? addDays(this.clock.now(), 365).toISOString() : undefined },
    };
    if (origin === 'AWS_KMS') {
      const material = crypto.getRandomValues(new Uint8Array(32));
      record.materials.push({ version: 1, createdAt: record.creationDate, wrapped: wrapMaterial(this.rootKey, keyId, 1, material) });
      material.fill(0);
    }
    return this.tx.insert(this.directory.keys, record);
  }

  /** A new material version, which encrypts from now on; older versions still decrypt. */
  addMaterialVersion(key: KeyRecord, rotationType: 'AUTOMATIC' | 'ON_DEMAND', at = this.clock.now()): void {
    const version = key.materials.length + 1;
    const material = crypto.getRandomValues(new Uint8Array(32));
    key.materials.push({ version, createdAt: at.toISOString(), wrapped: wrapMaterial(this.rootKey, key.keyId, version, material), rotationType });
    material.fill(0);
  }

  /**
   * A key enabled again after its rotation date passed while it was disabled rotates once, now, and
   * then every period from now; one whose date has not come keeps its schedule. AWS KMS Developer
   * Guide, "How automatic key rotation works" (Disabled KMS keys): "When the KMS key is re-enabled,
   * if the key material is more than one year old, AWS KMS rotates it immediately and every year
   * thereafter. If the key material is less than one year old, AWS KMS resumes the original key
   * rotation schedule." (The year is the key's rotation period.)
   */
  resumeRotation(key: KeyRecord, now = this.clock.now()): void {
    if (!key.rotation.nextRotationDate || Date.parse(key.rotation.nextRotationDate) > now.getTime()) return;
    this.addMaterialVersion(key, 'AUTOMATIC', now);
    key.rotation.nextRotationDate = addDays(now, key.rotation.periodDays).toISOString();
  }

  /** Imported material is gone (deleted or expired): the key waits for the same material again. */
  removeImportedMaterial(key: KeyRecord): void {
    key.materials = [];
    key.keyState = 'PendingImport';
    if (key.importedMaterial) delete key.importedMaterial.validTo;
  }

  assertImported(key: KeyRecord, operation: string): void {
    if (key.origin !== 'EXTERNAL') throw kmsError('UnsupportedOperationException', `${operation} applies only to keys with Origin EXTERNAL; ${key.arn} is ${key.origin}`);
  }

  assertGeneratedMaterial(key: KeyRecord, operation: string): void {
    if (key.origin !== 'AWS_KMS') throw kmsError('UnsupportedOperationException', `${operation} is not supported for imported key material (${key.arn})`);
  }

  /**
   * Rotations, deletions and material expiries whose date has come by `now` (the call's time). Only
   * a call at or after the earliest such date looks at every key (and then finds the next earliest),
   * so a call costs the same however many keys there are.
   */
  applyDue(now = this.clock.now()): void {
    // Stryker disable next-line ConditionalExpression: speed only (the loop below skips every key not yet due); without it a call would cost a look at every key
    if (now.getTime() < this.nextDue) return;
    const { keys, aliases, grants } = this.directory;
    for (const found of [...keys.values()]) {
      if (nextDueTime(found) > now.getTime()) continue;
      if (found.keyState === 'PendingDeletion') {
        for (const alias of aliases.lookup('byKey', found.keyId)) this.tx.remove(aliases, alias.aliasName);
        for (const grant of this.directory.grantsOf(found.keyId)) this.tx.remove(grants, grant.grantId);
        this.tx.remove(keys, found.keyId);
        continue;
      }
      const key = this.editKey(found);
      if (expiryTime(key) <= now.getTime()) this.removeImportedMaterial(key);
      while (rotationTime(key) <= now.getTime()) {
        const due = new Date(key.rotation.nextRotationDate!);
        this.addMaterialVersion(key, 'AUTOMATIC', due);
        key.rotation.nextRotationDate = addDays(due, key.rotation.periodDays).toISOString();
      }
    }
    this.nextDue = Math.min(...[...keys.values()].map(nextDueTime));
  }
}
