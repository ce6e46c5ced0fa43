// A KeyStore in PostgreSQL, for Node: one KMS shared by several processes or hosts.
//
// Tables (postgres-migrations/*.sql, applied on open): kms_store (one row: the store's head),
// kms_keys, kms_aliases, kms_grants (a record per row, as JSON text, with its MAC) and kms_audit (the
// audit chain, a record per row).
//
// Every commit is one transaction that first locks the head row (SELECT … FOR UPDATE): commits are
// serial, whichever process makes them, so the audit trail stays one chain and a state change is
// checked against, and applied after, every change committed before it. A KMS call runs on the
// process's tables, caught up (updatesSince: the rows whose seq is past the version the process
// holds) before it begins. A call that changed something is committed with the version it ran on;
// if another process committed a change meanwhile, the store, still holding the lock, hands the KMS
// the rows that changed and has it run the call again (StateChange.redo) — a call never acts on
// state older than the last committed change, and no serialization failure reaches a caller. Only
// one lock is ever taken, so commits cannot deadlock; SQLSTATE 40001/40P01 (which READ COMMITTED
// and a single lock should not raise) are retried here all the same, with backoff.
//
// The database never sees the root key: key material is wrapped under it (key-material.ts), every
// row carries an HMAC-SHA-256 (key derived from the root key) over its table, id, seq and record, so
// an edited or swapped row is refused with a StoreIntegrityError rather than used, and the store
// holds a check value (an HMAC, not the key) so that a process given another root key is refused with
// a RootKeyMismatchError before it reads or writes anything.

import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Pool, PoolClient } from 'pg';
import { loadOnce } from '../core/load-once.js';
import { constantTimeEqual } from '../core/bytes.js';
import { chainRecords, deriveAuditKey, type AuditEvent } from './audit-trail.js';
import type { GrantRecord } from './grants.js';
import { kmsError } from './kms-errors.js';
import {
  GENESIS_MAC, type AliasRecord, type AuditHead, type CallRecord, type AuditPosition, type AuditRecord, type KeyRecord, type KeyStore, type RecordUpdate,
  type StateChange, type StoreChanges, type StoredAuditRecord, type StoreSnapshot, type StoreUpdates,
} from './key-store.js';
import { checkPostgresOptions, describeStore, locationOf, type PostgresLocation, type PostgresStoreOptions } from './postgres-options.js';
import { inTransaction, openPool } from './postgres-pool.js';
import { DEFAULT_TOMBSTONE_RETENTION_MS, liveAfterPruning, TombstonePruner } from './postgres-tombstones.js';
import { RootKeyMismatchError, StoreClosedError, StoreIntegrityError } from '../platform/store-errors.js';

export type PostgresKeyStoreOptions = PostgresStoreOptions;

type Table = 'kms_keys' | 'kms_aliases' | 'kms_grants';
const TABLES: Array<{ table: Table; id: string; field: keyof StoreChanges }> = [
  { table: 'kms_keys', id: 'key_id', field: 'keys' },
  { table: 'kms_aliases', id: 'alias_name', field: 'aliases' },
  { table: 'kms_grants', id: 'grant_id', field: 'grants' },
];
const AUDIT_PAGE = 1000;
const encoder = new TextEncoder();

interface Row {
  kind: Table | 'head';
  id: string | null;
  seq: string;
  record: string | null;
  mac: string | null;
}

export class PostgresKeyStore implements KeyStore {
  private readonly root: Uint8Array;
  private readonly auditKey: Uint8Array;
  private readonly rowKey: Uint8Array;
  private readonly location: PostgresLocation;
  /** Where the store is, for messages: host, database and schema, never the connection string (it may hold a password). */
  private readonly name: string;
  private readonly opened = loadOnce(() => this.open());
  private readonly pruner: TombstonePruner;
  private pool: Pool | undefined;
  private closed = false;

  constructor(options: PostgresKeyStoreOptions) {
    checkPostgresOptions(options, (message) => kmsError('ValidationException', message));
    this.location = locationOf(options);
    this.root = options.rootKey.slice();
    this.auditKey = deriveAuditKey(this.root);
    this.rowKey = hkdf(sha256, this.root, undefined, encoder.encode('kms-wasm postgres rows v1'), 32);
    this.name = describeStore(options);
    this.pruner = new TombstonePruner('kms_store', TABLES.map((t) => t.table), options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS);
  }

  /** The root key, once the store is open and has accepted it. */
  async rootKey(): Promise<Uint8Array> {
    await this.opened();
    return this.root;
  }

  /** Closes the pool; every later call is refused with a StoreClosedError. */
  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  async read(): Promise<StoreSnapshot | undefined> {
    const updates = await this.updatesSince(0);
    const live = <T>(list: Array<RecordUpdate<T>>) => list.flatMap((u) => (u.record === undefined ? [] : [u.record]));
    if (updates.version === 0) return undefined;
    return { keys: live(updates.keys), aliases: live(updates.aliases), grants: live(updates.grants) };
  }

  /** One statement (one snapshot of the database): the head's version and every row written after `version`. */
  async updatesSince(version: number): Promise<StoreUpdates> {
    return this.updatesVia(await this.connection(), version);
  }

  async commit(events: AuditEvent[], change?: StateChange): Promise<number> {
    return inTransaction(await this.connection(), (client) => this.commitIn(client, events, change));
  }

  async auditHead(): Promise<AuditHead> {
    const { rows } = await (await this.connection()).query<{ audit_count: string; audit_mac: string }>('SELECT audit_count, audit_mac FROM kms_store');
    return { count: Number(rows[0]!.audit_count), mac: rows[0]!.audit_mac };
  }

  /** Oldest first, a page at a time; a position is the sequence number of the next record. */
  async *readAudit(from: AuditPosition = { count: 0, position: 0 }): AsyncIterable<StoredAuditRecord> {
    const pool = await this.connection();
    for (let next = from.position; ;) {
      const { rows } = await pool.query<{ sequence: string; record: string }>(
        'SELECT sequence, record FROM kms_audit WHERE sequence >= $1 ORDER BY sequence LIMIT $2', [next, AUDIT_PAGE]);
      for (const row of rows) {
        next = Number(row.sequence) + 1;
        yield { record: JSON.parse(row.record) as AuditRecord, next };
      }
      if (rows.length < AUDIT_PAGE) return;
    }
  }

  /** Inside a transaction: locks the head, redoes the change on fresh state if others changed it, writes the rows and the chained records. */
  private async commitIn(client: PoolClient, events: AuditEvent[], change: StateChange | undefined): Promise<number> {
    // One round trip: BEGIN and the lock (a query without parameters may hold several statements).
    const [, locked] = await client.query('BEGIN; SELECT change_seq, audit_count, audit_mac FROM kms_store FOR UPDATE') as unknown as
      Array<{ rows: Array<{ change_seq: string; audit_count: string; audit_mac: string }> }>;
    const head = locked!.rows[0];
    let version = Number(head!.change_seq);
    let all = events;
    let changes: StoreChanges | undefined;
    if (change) {
      // Decided again on the rows others changed, the call may record nothing now (what it would create exists).
      const record: CallRecord | undefined = version === change.version ? { event: change.event, change }
        : await change.redo(await this.updatesVia(client, change.version));
      changes = record?.change?.changes;
      if (record) all = [...events, record.event];
    }
    if (changes) {
      version += 1;
      for (const { table, id, field } of TABLES) await this.writeRows(client, table, id, version, changes[field] as StoreChanges[typeof field]);
      await this.pruner.prune(client);
    }
    const { records, head: after } = chainRecords({ count: Number(head!.audit_count), mac: head!.audit_mac }, this.auditKey, all);
    // The records and the new head in one statement (one round trip).
    await client.query(`WITH appended AS (INSERT INTO kms_audit (sequence, record) SELECT * FROM unnest($4::bigint[], $5::text[]))
      UPDATE kms_store SET change_seq = $1, audit_count = $2, audit_mac = $3`,
    [version, after.count, after.mac, records.map((r) => r.sequence), records.map((r) => JSON.stringify(r))]);
    return version;
  }

  private async writeRows(client: PoolClient, table: Table, idColumn: string, seq: number,
    { put, deleted }: { put: Array<KeyRecord | AliasRecord | GrantRecord>; deleted: string[] }): Promise<void> {
    if (put.length === 0 && deleted.length === 0) return;
    const ids: string[] = [];
    const records: Array<string | null> = [];
    for (const record of put) {
      ids.push(idOf(table, record));
      records.push(JSON.stringify(record));
    }
    for (const id of deleted) {
      ids.push(id);
      records.push(null);
    }
    const macs = ids.map((id, i) => this.rowMac(table, id, seq, records[i]!));
    await client.query(`INSERT INTO ${table} (${idColumn}, seq, record, mac) SELECT id, $2, record, mac FROM unnest($1::text[], $3::text[], $4::text[]) AS t(id, record, mac)
      ON CONFLICT (${idColumn}) DO UPDATE SET seq = EXCLUDED.seq, record = EXCLUDED.record, mac = EXCLUDED.mac`, [ids, seq, records, macs]);
  }

  private async updatesVia(client: Pool | PoolClient, version: number): Promise<StoreUpdates> {
    // From 0 (a process's first load) deleted records are left out: there is nothing to delete them from.
    // The head's pruned_seq comes as its mac: past `version`, the rows are every live one (whole).
    const rowsSince = (table: Table, id: string) =>
      `SELECT '${table}' AS kind, ${id} AS id, seq, record, mac FROM ${table} WHERE ${liveAfterPruning('kms_store', '$1')}`;
    const { rows } = await client.query<Row>(
      `SELECT 'head' AS kind, NULL AS id, change_seq AS seq, NULL AS record, pruned_seq::text AS mac FROM kms_store UNION ALL ${
        TABLES.map(({ table, id }) => rowsSince(table, id)).join(' UNION ALL ')}`, [version]);
    const updates: StoreUpdates = { version: 0, keys: [], aliases: [], grants: [] };
    for (const row of rows) {
      const seq = Number(row.seq);
      if (row.kind === 'head') {
        updates.version = seq;
        if (version > 0 && Number(row.mac) > version) updates.whole = true;
        continue;
      }
      if (!constantTimeEqual(encoder.encode(this.rowMac(row.kind, row.id!, seq, row.record)), encoder.encode(row.mac ?? ''))) {
        throw new StoreIntegrityError(`${this.name} table ${row.kind} row ${row.id}`, 'does not authenticate: it was edited, moved or damaged, or written under another root key');
      }
      const record = row.record === null ? undefined : JSON.parse(row.record);
      const list = updates[TABLES.find((t) => t.table === row.kind)!.field] as Array<RecordUpdate<unknown>>;
      list.push({ id: row.id!, seq, record });
    }
    return updates;
  }

  /** HMAC-SHA-256 over the row's table, id, seq and record (null for a deleted one). */
  private rowMac(table: Table, id: string, seq: number, record: string | null): string {
    return bytesToHex(hmac(sha256, this.rowKey, encoder.encode(JSON.stringify([table, id, seq, record]))));
  }

  private async connection(): Promise<Pool> {
    if (this.closed) throw new StoreClosedError(this.name);
    return this.opened();
  }

  /** Connects, applies the migrations, and creates the head (with the root key's check value) or checks the root key against it. */
  private async open(): Promise<Pool> {
    if (this.closed) throw new StoreClosedError(this.name);
    const pool = await openPool(this.location, async (pool) => {
      const check = bytesToHex(hmac(sha256, hkdf(sha256, this.root, undefined, encoder.encode('kms-wasm postgres root key check v1'), 32), encoder.encode('kms-wasm')));
      await pool.query('INSERT INTO kms_store (root_key_check, change_seq, audit_count, audit_mac) VALUES ($1, 0, 0, $2) ON CONFLICT DO NOTHING', [check, GENESIS_MAC]);
      const { rows } = await pool.query<{ root_key_check: string }>('SELECT root_key_check FROM kms_store');
      if (!constantTimeEqual(encoder.encode(rows[0]!.root_key_check), encoder.encode(check))) throw new RootKeyMismatchError(this.name);
    });
    if (this.closed) { // closed while opening
      await pool.end();
      throw new StoreClosedError(this.name);
    }
    this.pool = pool;
    return pool;
  }
}

function idOf(table: Table, record: KeyRecord | AliasRecord | GrantRecord): string {
  if (table === 'kms_keys') return (record as KeyRecord).keyId;
  if (table === 'kms_aliases') return (record as AliasRecord).aliasName;
  return (record as GrantRecord).grantId;
}
