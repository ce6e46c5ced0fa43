// A QueryService's catalog and execution history in PostgreSQL, for Node: several services (or
// `kms-wasm serve` instances) on one database share them — a table created through one is queried
// through another, an execution started on one is read, listed and stopped through any.
//
// Tables (src/kms/postgres-migrations/0010_query_store.sql, applied on open with the other
// stores'): query_store (one row: the head), query_databases (a database and its tables per row)
// and query_executions (an execution per row), each record as JSON text with its MAC over table,
// id, seq, added_seq and record (postgres-row-auth.ts: an edited, moved or forged row is refused
// with a StoreIntegrityError; another root key with a RootKeyMismatchError); a removal leaves a
// tombstone, pruned after tombstoneRetentionMs (postgres-tombstones.ts).
//
// As the other PostgreSQL stores: each process holds the records in memory and catches up at the
// start of every call (refresh: one statement for the head and the rows past the version it holds).
// A change (core/state-change.ts) is decided on those records and prepared aside; it is made
// durable by a transaction that locks the head row (SELECT … FOR UPDATE), so changes are serial
// whichever process makes them; if another process changed the store since the decision, the
// store catches up under that lock and has the change decided again (the table is still new, the
// query still running), so no decision is taken on a stale view. Only then is it published.
//
// A queued or running execution names its runner: this store's holder number (postgres-holders.ts),
// an advisory lock held while the store is open, so an execution whose runner's lock is free is one
// whose service is gone (liveRunners), and the history records it FAILED.
//
// A stop made through another service reaches the runner while it scans (followChanges): every
// change's transaction sends a NOTIFY (payload: schema and change_seq), delivered when it commits,
// and a store that follows changes LISTENs on its holder's connection and catches up on each notice
// past the version it holds, so the scan's next read sees CANCELLED. Chosen over re-reading the
// execution between reads: that costs a query per read of every scan on every server, stopped or
// not, and is only as prompt as the reads; a notice costs nothing while nobody changes anything,
// arrives one round trip after the stop commits, and adds no contention — NOTIFY serializes the
// commits that send one, and these are serial under the head's lock already.

import type { Pool, PoolClient } from 'pg';
import { loadOnce } from '../core/load-once.js';
import { SerialQueue } from '../core/serial-queue.js';
import { commitChange } from '../core/state-change.js';
import { liveHolders, openWithHolder, type Holder } from '../kms/postgres-holders.js';
import { checkPostgresOptions, describeStore, locationOf, type PostgresLocation, type PostgresStoreOptions } from '../kms/postgres-options.js';
import { inTransaction } from '../kms/postgres-pool.js';
import { PostgresRowAuth } from '../kms/postgres-row-auth.js';
import { DEFAULT_TOMBSTONE_RETENTION_MS, liveAfterPruning, TombstonePruner } from '../kms/postgres-tombstones.js';
import { StoreClosedError } from '../platform/store-errors.js';
import { AthenaError } from './athena-errors.js';
import type { QueryCollection, QueryRecords, QueryStore, RecordChanges } from './query-store.js';

export type PostgresQueryStoreOptions = PostgresStoreOptions;

type Table = 'query_databases' | 'query_executions';
const TABLE_OF: Record<QueryCollection<unknown>['name'], Table> = { 'athena-catalog': 'query_databases', 'athena-executions': 'query_executions' };
const TABLES: Table[] = ['query_databases', 'query_executions'];
/** The channel every query store's changes are noticed on; the payload names the schema ("<schema> <change_seq>"). */
const CHANGES_CHANNEL = 'kms_wasm_query_changes';

interface Row {
  /** 'head': the head, its change_seq as seq and its pruned_seq as mac. */
  table: Table | 'head';
  id: string;
  seq: string;
  added_seq: string | null;
  added_rank: number | null;
  record: string | null;
  mac: string;
}

/** When a record was added: the change (its seq) and its place among the records that change added. */
type Added = readonly [seq: number, rank: number];
const before = (a: Added, b: Added) => a[0] - b[0] || a[1] - b[1];

/** A table's records as this process holds them, in the order they were added. */
class HeldTable {
  readonly records = new Map<string, unknown>();
  readonly added = new Map<string, Added>();
  /** The latest addition set so far: a new record added before it goes out of order. */
  private last: Added = [0, 0];
  private outOfOrder = false;

  set(id: string, added: Added, record: unknown): void {
    if (!this.records.has(id)) {
      if (before(added, this.last) < 0) this.outOfOrder = true;
      else this.last = added;
    }
    this.records.set(id, record);
    this.added.set(id, added);
  }

  delete(id: string): void {
    this.records.delete(id);
    this.added.delete(id);
  }

  clear(): void {
    this.records.clear();
    this.added.clear();
    this.last = [0, 0];
  }

  /** Puts the records back in added order if a catch-up brought one added before others it already held. */
  reorder(): void {
    if (!this.outOfOrder) return;
    this.outOfOrder = false;
    const entries = [...this.records].sort(([a], [b]) => before(this.added.get(a)!, this.added.get(b)!));
    this.records.clear();
    for (const [id, record] of entries) this.records.set(id, record);
  }
}

export class PostgresQueryStore implements QueryStore {
  readonly location: string;
  private readonly where: PostgresLocation;
  private readonly schema: string;
  private readonly auth: PostgresRowAuth;
  private readonly pruner: TombstonePruner;
  private readonly opened = loadOnce(() => this.connect());
  /** This process's changes, one after another (they are serial in the database anyway). */
  private readonly writes = new SerialQueue();
  private readonly held: Record<Table, HeldTable> = { query_databases: new HeldTable(), query_executions: new HeldTable() };
  private pool: Pool | undefined;
  private holder: Holder | undefined;
  private closed = false;
  /** The head's change_seq that the held records reflect. */
  private version = 0;
  /** How many scans follow the changes (followChanges), and the latest change_seq another store's notice named. */
  private followers = 0;
  private noticed = 0;
  private catchingUp = false;

  constructor(options: PostgresQueryStoreOptions) {
    checkPostgresOptions(options, (message) => new AthenaError('InvalidRequestException', message, 'INVALID_INPUT'));
    this.where = locationOf(options);
    this.schema = options.schema ?? 'public';
    this.location = describeStore(options);
    this.auth = new PostgresRowAuth(options.rootKey, 'query', this.location);
    this.pruner = new TombstonePruner('query_store', TABLES, options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS);
  }

  /** This process's holder number, once the store is open. */
  get runner(): string {
    return String(this.holder?.number ?? 0);
  }

  async open<T>(collection: QueryCollection<T>): Promise<QueryRecords<T>> {
    await this.connection();
    const table = TABLE_OF[collection.name];
    const held = this.held[table];
    return {
      records: held.records as ReadonlyMap<string, T>,
      change: (decide) => this.change(table, collection.id, decide),
    };
  }

  /** Connects on first call: the migrations applied, the root key checked, the records loaded. */
  async ready(): Promise<void> {
    await this.connection();
  }

  async liveRunners(runners: string[]): Promise<Set<string>> {
    const live = await liveHolders(await this.connection());
    return new Set(runners.filter((runner) => live.has(Number(runner))));
  }

  followChanges(): () => void {
    this.followers++;
    void this.catchUpWithNotices();
    let followed = true;
    return () => {
      if (followed) this.followers--;
      followed = false;
    };
  }

  /** A notice of a committed change: caught up with at once while a scan follows the changes, else at the next call's refresh. */
  private notice(payload: string): void {
    const [schema, seq] = payload.split(' ');
    if (schema !== this.schema) return;
    this.noticed = Math.max(this.noticed, Number(seq));
    void this.catchUpWithNotices();
  }

  /** One catch-up at a time, again while notices name a change past the held version (a failed one is left to the next call, which reports it). */
  private async catchUpWithNotices(): Promise<void> {
    if (this.catchingUp) return;
    this.catchingUp = true;
    try {
      while (this.followers > 0 && !this.closed && this.version < this.noticed) {
        const was = this.version;
        await this.refresh();
        if (this.version === was) break;
      }
    } catch {
      // the next call refreshes and reports it
    } finally {
      this.catchingUp = false;
    }
  }

  /** Waits for pending writes, then ends the connections: the holder lock goes with them, so executions left unfinished become orphaned. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes.run(async () => undefined);
    const [pool, holder] = [this.pool, this.holder];
    this.pool = undefined;
    await pool?.end();
    await holder?.release();
  }

  async refresh(): Promise<void> {
    this.catchUp(await this.rowsSince(await this.connection()));
  }

  /**
   * Decides the change on the held records, then in one transaction under the head's lock: decided
   * again on caught-up records if another process changed the store since, written with the next
   * change_seq; published to the held records once committed.
   */
  private async change<T>(table: Table, idOf: (record: T) => string, decide: (records: ReadonlyMap<string, T>) => RecordChanges<T> | undefined): Promise<void> {
    const pool = await this.connection();
    const held = this.held[table];
    let decidedOn = 0;
    let seq = 0;
    await commitChange(() => {
      decidedOn = this.version;
      const changes = decide(held.records as ReadonlyMap<string, T>);
      return { record: changes, publish: () => changes && this.publish(held, idOf, changes, seq) };
    }, (changes, redecide) => {
      if (!changes) return Promise.resolve();
      let current: RecordChanges<T> | undefined = changes;
      return inTransaction(pool, async (client) => {
        const [, locked] = await client.query('BEGIN; SELECT change_seq FROM query_store FOR UPDATE') as unknown as Array<{ rows: Array<{ change_seq: string }> }>;
        const head = Number(locked!.rows[0]!.change_seq);
        if (head !== decidedOn) current = await redecide(async () => this.catchUp(await this.rowsSince(client)));
        if (!current) return; // decided again, nothing to change now
        seq = head + 1;
        await this.write(client, table, idOf, current, seq);
        // The notice goes out when this commits (never for a rolled-back attempt).
        await client.query('UPDATE query_store SET change_seq = $1 RETURNING pg_notify($2, $3)', [seq, CHANGES_CHANNEL, `${this.schema} ${seq}`]);
        await this.pruner.prune(client);
      });
    }, this.writes);
  }

  /** The change's rows, each with its MAC; a record keeps when it was added (a new one: now, in the order of `put`). */
  private async write<T>(client: PoolClient, table: Table, idOf: (record: T) => string, { put, deleted }: RecordChanges<T>, seq: number): Promise<void> {
    const held = this.held[table];
    const rows = [...put.map((record) => ({ id: idOf(record), record: JSON.stringify(record) as string | null })), ...deleted.map((id) => ({ id, record: null }))];
    const added = rows.map(({ id }, rank) => held.added.get(id) ?? [seq, rank] as const);
    const macs = rows.map(({ id, record }, i) => this.auth.mac(table, id, seq, added[i], record));
    await client.query(`INSERT INTO ${table} (id, seq, added_seq, added_rank, record, mac) SELECT id, $2, added, rank, record, mac
      FROM unnest($1::text[], $3::bigint[], $4::integer[], $5::text[], $6::text[]) AS t(id, added, rank, record, mac)
      ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, added_seq = EXCLUDED.added_seq, added_rank = EXCLUDED.added_rank, record = EXCLUDED.record, mac = EXCLUDED.mac`,
    [rows.map((r) => r.id), seq, added.map((a) => a[0]), added.map((a) => a[1]), rows.map((r) => r.record), macs]);
  }

  /** A committed change, into the held records — unless a catch-up since the commit brought it (and later ones) already. */
  private publish<T>(held: HeldTable, idOf: (record: T) => string, { put, deleted }: RecordChanges<T>, seq: number): void {
    if (seq <= this.version) return;
    put.forEach((record, rank) => held.set(idOf(record), held.added.get(idOf(record)) ?? [seq, rank], record));
    for (const id of deleted) held.delete(id);
    this.version = seq;
  }

  /** One statement (one snapshot): the head and the rows written after the held version (every live one too if tombstones since may be pruned), oldest change first. */
  private async rowsSince(db: Pool | PoolClient): Promise<{ since: number; rows: Row[] }> {
    const since = this.version;
    const select = (table: Table) => `SELECT '${table}' AS "table", id, seq, added_seq, added_rank, record, mac FROM ${table} WHERE ${liveAfterPruning('query_store', '$1')}`;
    const head = `SELECT 'head' AS "table", NULL AS id, change_seq AS seq, NULL::bigint AS added_seq, NULL::integer AS added_rank, NULL AS record, pruned_seq::text AS mac FROM query_store`;
    return { since, rows: (await db.query<Row>(`${[head, ...TABLES.map(select)].join(' UNION ALL ')} ORDER BY seq, added_seq, added_rank`, [since])).rows };
  }

  /**
   * Applies the rows newer than the held records, once every one of them authenticates, in one
   * synchronous step (no call sees half of it). After a whole read (tombstones since `since` may be
   * pruned) the live rows are the records: the tables start empty.
   */
  private catchUp({ since, rows }: { since: number; rows: Row[] }): void {
    const head = rows.find((row) => row.table === 'head')!;
    const version = Number(head.seq);
    if (version <= this.version) return;
    const whole = since > 0 && Number(head.mac) > since;
    const fresh = rows.filter((row) => row.table !== 'head' && (whole || Number(row.seq) > this.version));
    const added = (row: Row): Added => [Number(row.added_seq), row.added_rank!];
    for (const row of fresh) this.auth.verify(row.mac, row.table, row.id, row.id, Number(row.seq), added(row), row.record);
    if (whole) for (const table of TABLES) this.held[table].clear();
    for (const row of fresh) {
      const held = this.held[row.table as Table];
      if (row.record === null) held.delete(row.id);
      else held.set(row.id, added(row), JSON.parse(row.record));
    }
    for (const table of TABLES) this.held[table].reorder();
    this.version = version;
  }

  private async connection(): Promise<Pool> {
    if (this.closed) throw new StoreClosedError(this.location);
    return this.opened();
  }

  /** Connects, applies the migrations, creates the head or checks the root key, loads, and takes a holder number. */
  private async connect(): Promise<Pool> {
    const { pool, holder } = await openWithHolder(this.where, async (pool) => {
      await this.auth.claimHead(pool, 'query_store');
      this.catchUp(await this.rowsSince(pool));
    }, () => { // a number that an unfinished execution still names as its runner (a gone process's) is passed over
      const named = new Set([...this.held.query_executions.records.values()].map((execution) => (execution as { runner?: string }).runner));
      return (candidate) => named.has(String(candidate));
    }, () => (this.closed ? new StoreClosedError(this.location) : undefined));
    try {
      await holder.listen(CHANGES_CHANNEL, (payload) => this.notice(payload));
      if (this.closed) throw new StoreClosedError(this.location); // closed while it listened: close() found nothing to end
    } catch (error) {
      await pool.end();
      await holder.release();
      throw error;
    }
    this.holder = holder;
    this.pool = pool;
    return pool;
  }
}
