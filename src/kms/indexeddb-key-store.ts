// A KeyStore in the browser's IndexedDB, so a page's keys survive a reload. Sealed as FileKeyStore
// seals its files: every record is IV ‖ AES-256-GCM(root key, JSON) ‖ tag, and the AAD names the
// record's table and id (an audit record: its index), so a record edited, swapped with another or
// moved to another place does not authenticate (StoreIntegrityError). The root key is either
//   - random, kept wrapped under a non-extractable WebCrypto AES-GCM key that lives in the same
//     database (the page can use it, no script can read it out), or
//   - with `passphrase`, scrypt(passphrase, salt, N=2^17, r=8, p=1) as FileKeyStore derives it; only
//     the salt is stored.
// Database `name`, object stores: meta (root key sealing, audit head), keys, aliases, grants, audit.
// One call's change and its audit record are written in one IndexedDB transaction: all or nothing.

import { scryptAsync } from '@noble/hashes/scrypt.js';
import { gcm } from '../core/gcm.js';
import { loadOnce } from '../core/load-once.js';
import { kmsError } from './kms-errors.js';
import { chainRecords, deriveAuditKey, type AuditEvent } from './audit-trail.js';
import {
  GENESIS_MAC, type AuditHead, type AuditPosition, type AuditRecord, type KeyStore, type StateChange, type StoreSnapshot, type StoredAuditRecord,
} from './key-store.js';
import { StoreIntegrityError } from '../platform/store-errors.js';

export interface IndexedDbKeyStoreOptions {
  /** The IndexedDB database that holds the store (created if missing). */
  name: string;
  /** Derive the root key from this passphrase (scrypt) instead of keeping it wrapped in the database. */
  passphrase?: string;
}

const TABLES = ['keys', 'aliases', 'grants'] as const;
const META = 'meta';
const AUDIT = 'audit';
const ROOT = 'root';
const HEAD = 'auditHead';
/** How many audit records one read takes (a transaction cannot stay open across the reader's awaits). */
const AUDIT_BATCH = 256;
const encoder = new TextEncoder();

interface SealedRoot {
  /** Random root key: the WebCrypto key that wraps it, and IV ‖ ciphertext ‖ tag. */
  wrappingKey?: CryptoKey;
  wrapped?: Uint8Array;
  /** Passphrase: the scrypt salt. */
  salt?: Uint8Array;
}

const requested = <T>(request: IDBRequest<T>) => new Promise<T>((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

const completed = (tx: IDBTransaction) => new Promise<void>((resolve, reject) => {
  tx.oncomplete = () => resolve();
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
});

export class IndexedDbKeyStore implements KeyStore {
  private readonly name: string;
  private readonly passphrase: string | undefined;
  private readonly opened = loadOnce(() => this.open());

  constructor(options: IndexedDbKeyStoreOptions) {
    if (typeof options?.name !== 'string' || options.name.length === 0) throw kmsError('ValidationException', 'name: expected a database name');
    if (options.passphrase !== undefined && (typeof options.passphrase !== 'string' || options.passphrase.length < 8)) {
      throw kmsError('ValidationException', 'passphrase: expected a string of at least 8 characters');
    }
    if (typeof globalThis.indexedDB === 'undefined') throw kmsError('UnsupportedOperationException', 'IndexedDbKeyStore needs IndexedDB (a browser or a worker)');
    this.name = options.name;
    this.passphrase = options.passphrase;
  }

  async rootKey(): Promise<Uint8Array> {
    return (await this.opened()).root;
  }

  async read(): Promise<StoreSnapshot | undefined> {
    const { db, root } = await this.opened();
    const tx = db.transaction([...TABLES, META], 'readonly');
    const [written, ...tables] = await Promise.all([
      requested(tx.objectStore(META).get('written')),
      ...TABLES.map((table) => requested(tx.objectStore(table).getAll())),
    ]);
    if (written !== true) return undefined;
    const open = <T>(table: string, rows: Array<{ id: string; sealed: Uint8Array }>) => rows.map((row) => unseal<T>(root, `${table} ${row.id}`, row.sealed));
    return { keys: open(TABLES[0], tables[0]!), aliases: open(TABLES[1], tables[1]!), grants: open(TABLES[2], tables[2]!) };
  }

  /** The calls' audit records and the change, if any, in one IndexedDB transaction: all of it is stored or none. */
  async commit(events: AuditEvent[], change?: StateChange): Promise<number> {
    const { db, root, auditKey } = await this.opened();
    const all = change ? [...events, change.event] : events;
    if (all.length === 0) return 0;
    const tx = db.transaction([...TABLES, META, AUDIT], 'readwrite');
    const done = completed(tx);
    // Read the head in the same transaction that extends it: two pages cannot chain onto one head.
    const head = (await requested(tx.objectStore(META).get(HEAD)) as AuditHead | undefined) ?? { count: 0, mac: GENESIS_MAC };
    const { records } = chainRecords(head, auditKey, all);
    records.forEach((record, i) => tx.objectStore(AUDIT).add(seal(root, `audit ${head.count + i}`, record), head.count + i));
    tx.objectStore(META).put({ count: head.count + records.length, mac: records.at(-1)!.mac }, HEAD);
    if (change) {
      const { changes } = change;
      const rows = (table: string, put: object[], idOf: (record: never) => string) =>
        put.map((record) => ({ id: idOf(record as never), sealed: seal(root, `${table} ${idOf(record as never)}`, record) }));
      const sealed = {
        keys: rows('keys', changes.keys.put, (k: { keyId: string }) => k.keyId),
        aliases: rows('aliases', changes.aliases.put, (a: { aliasName: string }) => a.aliasName),
        grants: rows('grants', changes.grants.put, (g: { grantId: string }) => g.grantId),
      };
      for (const table of TABLES) {
        for (const id of changes[table].deleted) tx.objectStore(table).delete(id);
        for (const row of sealed[table]) tx.objectStore(table).put(row);
      }
      tx.objectStore(META).put(true, 'written');
    }
    await done;
    return 0;
  }

  async auditHead(): Promise<AuditHead> {
    const { db } = await this.opened();
    const head = await requested(db.transaction(META, 'readonly').objectStore(META).get(HEAD)) as AuditHead | undefined;
    return head ?? { count: 0, mac: GENESIS_MAC };
  }

  async *readAudit(from: AuditPosition = { count: 0, position: 0 }): AsyncIterable<StoredAuditRecord> {
    const { db, root } = await this.opened();
    for (let next = from.position; ;) {
      const range = IDBKeyRange.bound(next, next + AUDIT_BATCH - 1);
      const batch = await requested(db.transaction(AUDIT, 'readonly').objectStore(AUDIT).getAll(range)) as Uint8Array[];
      for (const sealed of batch) {
        yield { record: unseal<AuditRecord>(root, `audit ${next}`, sealed), next: next + 1 };
        next++;
      }
      if (batch.length < AUDIT_BATCH) return;
    }
  }

  /** Closes the database connection (another page or a test may then delete it). */
  async close(): Promise<void> {
    (await this.opened()).db.close();
  }

  private async open(): Promise<{ db: IDBDatabase; root: Uint8Array; auditKey: Uint8Array }> {
    const request = indexedDB.open(this.name, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore(META);
      db.createObjectStore(AUDIT);
      for (const table of TABLES) db.createObjectStore(table, { keyPath: 'id' });
    };
    const db = await requested(request);
    const saved = await requested(db.transaction(META, 'readonly').objectStore(META).get(ROOT)) as SealedRoot | undefined;
    if (saved && (saved.salt !== undefined) !== (this.passphrase !== undefined)) {
      db.close();
      throw new StoreIntegrityError(this.name, this.passphrase === undefined ? 'is sealed under a passphrase: give it' : 'has a random root key, not a passphrase');
    }
    const root = saved ? await this.unsealRoot(saved) : await this.newRoot(db);
    // The root key must open what the store holds: a wrong passphrase is refused here, not on first use.
    const probe = await requested(db.transaction(META, 'readonly').objectStore(META).get('check')) as Uint8Array;
    unseal(root, 'check', probe);
    return { db, root, auditKey: deriveAuditKey(root) };
  }

  private async newRoot(db: IDBDatabase): Promise<Uint8Array> {
    let root: Uint8Array;
    let sealing: SealedRoot;
    if (this.passphrase !== undefined) {
      const salt = crypto.getRandomValues(new Uint8Array(16));
      root = await scryptAsync(this.passphrase, salt, { N: 2 ** 17, r: 8, p: 1, dkLen: 32 });
      sealing = { salt };
    } else {
      const random = crypto.getRandomValues(new Uint8Array(32));
      root = random;
      const wrappingKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const wrapped = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, wrappingKey, random));
      sealing = { wrappingKey, wrapped: new Uint8Array([...iv, ...wrapped]) };
    }
    const tx = db.transaction(META, 'readwrite');
    // add, not put: a second page creating the same store at the same time fails instead of replacing the first's root key.
    tx.objectStore(META).add(sealing, ROOT);
    tx.objectStore(META).add(seal(root, 'check', { store: this.name }), 'check');
    await completed(tx);
    return root;
  }

  private async unsealRoot(saved: SealedRoot): Promise<Uint8Array> {
    if (saved.salt) return scryptAsync(this.passphrase!, saved.salt, { N: 2 ** 17, r: 8, p: 1, dkLen: 32 });
    try {
      const iv = new Uint8Array(saved.wrapped!.subarray(0, 12));
      return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, saved.wrappingKey!, new Uint8Array(saved.wrapped!.subarray(12))));
    } catch {
      throw new StoreIntegrityError(this.name, 'its root key does not unwrap: the database was altered');
    }
  }
}

/** IV ‖ AES-256-GCM(root, JSON of value) ‖ tag, the AAD naming where the record belongs. */
function seal(root: Uint8Array, where: string, value: unknown): Uint8Array {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = gcm(root, iv, encoder.encode(`KMSWASM1 idb ${where}`)).encrypt(encoder.encode(JSON.stringify(value)));
  const out = new Uint8Array(12 + sealed.length);
  out.set(iv);
  out.set(sealed, 12);
  return out;
}

function unseal<T>(root: Uint8Array, where: string, sealed: unknown): T {
  try {
    const bytes = sealed as Uint8Array;
    const plaintext = gcm(root, bytes.subarray(0, 12), encoder.encode(`KMSWASM1 idb ${where}`)).decrypt(bytes.subarray(12));
    return JSON.parse(new TextDecoder().decode(plaintext)) as T;
  } catch {
    throw new StoreIntegrityError(where, 'does not authenticate: it was altered, moved, or sealed under another root key or passphrase');
  }
}
