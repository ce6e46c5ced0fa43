// A BlockStore's metadata in PostgreSQL, for Node: one EBS shared by several processes or hosts.
//
// Tables (src/kms/postgres-migrations/0003_block_metadata.sql, applied on open with the other
// stores'): ebs_store (one row: the head), ebs_volumes, ebs_snapshots, ebs_settings and
// ebs_attachments (a record per row, as JSON text, with its MAC: postgres-row-auth.ts; a removal
// leaves a tombstone row). Each process holds the state in memory and catches up at the start of
// every call with the rows whose seq is past the last it applied. Changes are made as every
// PostgreSQL store makes them (src/kms/postgres-changes.ts): the call's decision (the volume exists,
// is not attached to that instance…) is applied in memory and its record written in a transaction
// that locks the head row (SELECT … FOR UPDATE), so changes are serial, whichever process makes
// them; if another process committed since, the decision is taken again on the rows it wrote, under
// that lock, so none is kept that a stale cache decided.
//
// Attachments belong to processes: a volume's XTS key is decrypted into the attaching process's
// memory only. Each store holds, on a connection of its own, a session-level advisory lock whose key
// (its holder number, kms/postgres-holders.ts) goes into the attachment rows it writes. PostgreSQL
// releases the lock when the session ends — the process exited, was killed, or lost its connection —
// so an attachment whose holder's lock is free is orphaned: `orphanedAttachments` names those, and
// the BlockStore retires their grants and drops them, which makes the volume attachable again.
//
// Sectors live in a directory (`sectors`) that every process sharing the database must see (one
// host, or a shared filesystem). On open the store removes the sector files that no volume or
// snapshot names and that were last written longer ago than a grace period (a day by default): what
// a crash left (a copy whose record was never made, the file of a volume whose removal was recorded);
// a younger one may be another process's CreateSnapshot or CreateVolume copying in flight.

import type { Pool, PoolClient } from 'pg';
import { loadOnce } from '../core/load-once.js';
import { PostgresChanges } from '../kms/postgres-changes.js';
import { liveHolders, openWithHolder, type Holder } from '../kms/postgres-holders.js';
import { checkPostgresOptions, describeStore, locationOf, type PostgresLocation, type PostgresStoreOptions } from '../kms/postgres-options.js';
import { PostgresRowAuth } from '../kms/postgres-row-auth.js';
import { DEFAULT_TOMBSTONE_RETENTION_MS, heldButGone, liveAfterPruning, TombstonePruner } from '../kms/postgres-tombstones.js';
import { StoreClosedError } from '../platform/store-errors.js';
import type { BlockMetadataStore } from './block-metadata.js';
import {
  applyBlockRecord, attachmentsOf, emptyEc2State, type BlockChange, type BlockRecord, type Ec2State, type FoundAttachment, type VolumeAttachmentRecord,
} from './block-records.js';
import { ec2Error } from './ec2-errors.js';
import { FileSectorStorageFactory } from './file-sector-storage.js';

export interface PostgresBlockMetadataOptions extends PostgresStoreOptions {
  /** The directory of volumes' and snapshots' sectors: the same for every process sharing the database (one host, or a shared filesystem). */
  sectors: string;
  /**
   * Milliseconds after which a sector file no volume or snapshot names counts as a crash's leftover,
   * removed when the store opens (default 86,400,000: a day). Younger ones are left: another
   * process may be copying one (its record is made once the copy is whole).
   */
  orphanedSectorGraceMs?: number;
}

const DEFAULT_ORPHANED_SECTOR_GRACE_MS = 24 * 60 * 60 * 1000;

type Table = 'ebs_volumes' | 'ebs_snapshots' | 'ebs_settings' | 'ebs_attachments';
const TABLES: Table[] = ['ebs_volumes', 'ebs_snapshots', 'ebs_settings', 'ebs_attachments'];

interface Row {
  /** 'head': the head, its change_seq as seq and its pruned_seq as mac. */
  table: Table | 'head';
  id: string;
  seq: string;
  record: string | null;
  mac: string;
  holder: number | null;
}

const SETTINGS_ID = 'account';

const attachmentId = (VolumeId: string, InstanceId: string, retiring: boolean | undefined) => JSON.stringify([VolumeId, InstanceId, retiring ? 'retiring' : 'attached']);

export class PostgresBlockMetadata implements BlockMetadataStore {
  readonly state: Ec2State = emptyEc2State();
  readonly sectors: FileSectorStorageFactory;
  readonly name: string;
  private readonly location: PostgresLocation;
  private readonly auth: PostgresRowAuth;
  private readonly opened = loadOnce(() => this.open());
  private readonly orphanedSectorGraceMs: number;
  private readonly orphansRemoved = loadOnce(() => this.sectors.removeAllBut(
    new Set([...this.state.volumes.map((v) => v.VolumeId), ...this.state.snapshots.map((s) => s.SnapshotId)]), this.orphanedSectorGraceMs));
  private readonly changes: PostgresChanges<BlockRecord>;
  private pool: Pool | undefined;
  /** This process's holder number, its lock held on a connection of its own. */
  private holder: Holder | undefined;
  /** Each attachment row's holder, by row id. */
  private readonly holders = new Map<string, number>();
  private closed = false;

  constructor(options: PostgresBlockMetadataOptions) {
    checkPostgresOptions(options, (message) => ec2Error('InvalidParameterValue', message));
    if (typeof options.sectors !== 'string' || options.sectors.length === 0) {
      throw ec2Error('InvalidParameterValue', 'sectors: expected the directory of volumes\' sectors, shared by every process on the database');
    }
    if (options.orphanedSectorGraceMs !== undefined && !(Number.isSafeInteger(options.orphanedSectorGraceMs) && options.orphanedSectorGraceMs >= 0)) {
      throw ec2Error('InvalidParameterValue', 'orphanedSectorGraceMs: expected a whole number of milliseconds, 0 or more');
    }
    this.orphanedSectorGraceMs = options.orphanedSectorGraceMs ?? DEFAULT_ORPHANED_SECTOR_GRACE_MS;
    this.location = locationOf(options);
    this.name = describeStore(options);
    this.auth = new PostgresRowAuth(options.rootKey, 'ebs', this.name);
    this.sectors = new FileSectorStorageFactory(options.sectors);
    this.changes = new PostgresChanges({
      head: 'ebs_store', connection: () => this.connection(), write: (client, record, seq) => this.write(client, record, seq),
      pruner: new TombstonePruner('ebs_store', TABLES, options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS),
      read: async (db) => {
        const read = await this.rowsSince(db);
        return { version: Number(read.rows.find((row) => row.table === 'head')!.seq), apply: () => this.catchUp(read) };
      },
    });
  }

  /** Opens the store on first use (and removes orphaned sector files); on every call, catches up with the changes other processes committed. */
  async load(): Promise<void> {
    await this.changes.catchUp();
    await this.orphansRemoved();
  }

  change(decide: () => BlockChange | undefined): Promise<void> {
    return this.changes.change(() => decide() ?? { record: undefined });
  }

  async orphanedAttachments(): Promise<FoundAttachment[]> {
    await this.load();
    const found = attachmentsOf(this.state);
    if (found.length === 0) return [];
    const live = await liveHolders(await this.connection());
    return found.filter((a) => !live.has(this.holders.get(attachmentId(a.VolumeId, a.InstanceId, a.retiring)) ?? 0));
  }

  /** Waits for pending writes, then ends the connections: the holder lock goes with them, so attachments left behind become orphaned. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.changes.alone(async () => undefined);
    const [pool, holder] = [this.pool, this.holder];
    this.pool = undefined;
    this.holder = undefined;
    await pool?.end();
    await holder?.release();
  }

  /** The change's rows (the attached row goes when its attachment starts retiring) and the head's new seq. */
  private async write(client: PoolClient, record: BlockRecord, seq: number): Promise<void> {
    const put = async (table: Table, id: string, value: object | null, holder: number | null = null) => {
      const text = value === null ? null : JSON.stringify(value);
      const mac = this.auth.mac(table, id, seq, holder, text);
      if (table === 'ebs_attachments') {
        await client.query(`INSERT INTO ebs_attachments (id, seq, record, mac, holder) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, record = EXCLUDED.record, mac = EXCLUDED.mac, holder = EXCLUDED.holder`, [id, seq, text, mac, holder]);
      } else {
        await client.query(`INSERT INTO ${table} (id, seq, record, mac) VALUES ($1, $2, $3, $4)
          ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, record = EXCLUDED.record, mac = EXCLUDED.mac`, [id, seq, text, mac]);
      }
      if (table === 'ebs_attachments') this.holders.set(id, holder ?? 0);
    };
    if ('volume' in record) await put('ebs_volumes', record.volume.VolumeId, record.volume);
    else if ('dropVolume' in record) await put('ebs_volumes', record.dropVolume, null);
    else if ('snapshot' in record) await put('ebs_snapshots', record.snapshot.SnapshotId, record.snapshot);
    else if ('dropSnapshot' in record) await put('ebs_snapshots', record.dropSnapshot, null);
    else if ('settings' in record) await put('ebs_settings', SETTINGS_ID, record.settings);
    else if ('attachment' in record) {
      const { VolumeId, InstanceId } = record.attachment;
      if (record.retiring) await put('ebs_attachments', attachmentId(VolumeId, InstanceId, false), null);
      await put('ebs_attachments', attachmentId(VolumeId, InstanceId, record.retiring), record.attachment, this.holder!.number);
    } else {
      await put('ebs_attachments', attachmentId(record.dropAttachment.VolumeId, record.dropAttachment.InstanceId, record.retiring), null);
    }
    await client.query('UPDATE ebs_store SET change_seq = $1', [seq]);
  }

  /** One statement (one snapshot): the head and the rows written since the state's version (every live one too if tombstones since may be pruned), oldest change first. */
  private async rowsSince(db: Pool | PoolClient): Promise<{ since: number; rows: Row[] }> {
    const since = this.changes.version;
    const select = (table: Table) => `SELECT '${table}' AS "table", id, seq, record, mac, ${table === 'ebs_attachments' ? 'holder' : 'NULL::integer AS holder'} FROM ${table} WHERE ${
      liveAfterPruning('ebs_store', '$1')}`;
    const head = `SELECT 'head' AS "table", NULL AS id, change_seq AS seq, NULL AS record, pruned_seq::text AS mac, NULL::integer AS holder FROM ebs_store`;
    return { since, rows: (await db.query<Row>(`${[head, ...TABLES.map(select)].join(' UNION ALL ')} ORDER BY seq`, [since])).rows };
  }

  /**
   * Applies the rows newer than the state, in the order they were written, once every one of them
   * authenticates: synchronously, so no call sees half of it. After a whole read, what the state
   * holds that no live row names was deleted: dropped last (attachments before their volumes).
   */
  private catchUp({ since, rows }: { since: number; rows: Row[] }): void {
    const head = rows.find((row) => row.table === 'head')!;
    const records = rows.filter((row) => row.table !== 'head');
    const fresh = records.filter((row) => Number(row.seq) > this.changes.version);
    for (const row of fresh) this.auth.verify(row.mac, row.table, row.id, row.id, Number(row.seq), row.holder, row.record);
    const gone = since > 0 && Number(head.mac) > since && Number(head.seq) > this.changes.version ? this.goneFrom(records) : [];
    for (const row of [...fresh, ...gone]) {
      applyBlockRecord(this.state, this.recordOf(row), `${this.name} table ${row.table} row ${row.id}`);
      if (row.table === 'ebs_attachments') this.holders.set(row.id, row.holder ?? 0);
    }
    this.changes.version = Math.max(this.changes.version, Number(head.seq));
  }

  /** Tombstones for the attachments, snapshots and volumes the state holds that a whole read's live rows do not name. */
  private goneFrom(rows: Row[]): Row[] {
    const live = new Set(rows.filter((row) => row.record !== null).map((row) => JSON.stringify([row.table, row.id])));
    const tombstones = (table: Table, ids: string[]): Row[] => heldButGone(ids.map((id) => JSON.stringify([table, id])), live)
      .map((key) => ({ table, id: JSON.parse(key)[1] as string, seq: '0', record: null, mac: '', holder: null }));
    return [
      ...tombstones('ebs_attachments', attachmentsOf(this.state).map((a) => attachmentId(a.VolumeId, a.InstanceId, a.retiring))),
      ...tombstones('ebs_snapshots', this.state.snapshots.map((s) => s.SnapshotId)),
      ...tombstones('ebs_volumes', this.state.volumes.map((v) => v.VolumeId)),
    ];
  }

  private recordOf(row: Row): BlockRecord {
    const value = row.record === null ? undefined : JSON.parse(row.record) as never;
    switch (row.table) {
      case 'ebs_volumes': return value ? { volume: value } : { dropVolume: row.id };
      case 'ebs_snapshots': return value ? { snapshot: value } : { dropSnapshot: row.id };
      case 'ebs_settings': return { settings: value ?? { encryptionByDefault: false } };
      default: { // ebs_attachments
        const [VolumeId, InstanceId, kind] = JSON.parse(row.id) as [string, string, 'attached' | 'retiring'];
        const retiring = kind === 'retiring' ? { retiring: true as const } : {};
        return value ? { attachment: value as VolumeAttachmentRecord, ...retiring } : { dropAttachment: { VolumeId, InstanceId }, ...retiring };
      }
    }
  }

  private async connection(): Promise<Pool> {
    if (this.closed) throw new StoreClosedError(this.name);
    return this.opened();
  }

  /** Connects, applies the migrations, creates the head or checks the root key, takes a holder number, and loads. */
  private async open(): Promise<Pool> {
    const { pool, holder } = await openWithHolder(this.location, async (pool) => {
      await this.auth.claimHead(pool, 'ebs_store');
      this.catchUp(await this.rowsSince(pool));
    }, () => { // a number that a dead process's attachments still name is passed over, so they stay orphaned
      const named = new Set(this.holders.values());
      return (candidate) => named.has(candidate);
    }, () => (this.closed ? new StoreClosedError(this.name) : undefined));
    this.holder = holder;
    this.pool = pool;
    return pool;
  }
}
