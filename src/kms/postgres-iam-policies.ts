// Identity policies in PostgreSQL, for Node: the store of an Iam that several processes or hosts
// share (`new Iam({ store: new PostgresIamPolicies({ connectionString, rootKey }) })`), so that a
// policy put or deleted through one is enforced by every other at its next call.
//
// Table iam_principal_policies (0008_iam_principal_policies.sql), under the head of the service's IAM
// tables (iam_store, 0007_iam.sql): `kms-wasm serve --postgres` and the library share one change
// counter and one lock, and the rows are authenticated as the service's (postgres-row-auth.ts, purpose
// "iam"), so the same root key opens both. As the other PostgreSQL stores: the Iam holds the policies
// in memory and catches up (one query: the head and the rows whose seq is past the version it holds;
// concurrent callers share one, SharedRun); a change is a transaction that locks the head, catches up
// under the lock, and writes its row with the next seq, so changes are serial and none is lost.
//
// The database never sees the root key: an edited, moved or forged row is refused with a
// StoreIntegrityError, a process given another root key with a RootKeyMismatchError.

import type { Pool, PoolClient } from 'pg';
import { loadOnce } from '../core/load-once.js';
import type { IamPolicyStore, PolicyTable } from '../policy/index.js';
import { StoreClosedError } from '../platform/store-errors.js';
import { kmsError } from './kms-errors.js';
import { checkPostgresOptions, describeStore, locationOf, type PostgresLocation, type PostgresStoreOptions } from './postgres-options.js';
import { inTransaction, openPool } from './postgres-pool.js';
import { PostgresRowAuth } from './postgres-row-auth.js';
import { DEFAULT_TOMBSTONE_RETENTION_MS, heldButGone, IAM_TABLES, liveAfterPruning, TombstonePruner } from './postgres-tombstones.js';
import { SharedRun } from './shared-run.js';

export type PostgresIamPoliciesOptions = PostgresStoreOptions;

const TABLE = 'iam_principal_policies';

interface Row {
  kind: 'head' | 'policy';
  principal_arn: string | null;
  policy_name: string | null;
  seq: string;
  record: string | null;
  mac: string | null;
}

export class PostgresIamPolicies implements IamPolicyStore {
  private readonly location: PostgresLocation;
  private readonly auth: PostgresRowAuth;
  /** Where the store is, for messages: host, database and schema, never the connection string. */
  private readonly name: string;
  private readonly opened = loadOnce(() => this.open());
  private readonly refresher = new SharedRun();
  private readonly pruner: TombstonePruner;
  /** The policies the table holds, as JSON [principal ARN, policy name]: what a whole read may find deleted. */
  private readonly held = new Set<string>();
  private pool: Pool | undefined;
  private closed = false;
  /** The head's change_seq that the table in memory reflects. */
  private version = 0;

  constructor(options: PostgresIamPoliciesOptions) {
    checkPostgresOptions(options, (message) => kmsError('ValidationException', message));
    this.location = locationOf(options);
    this.auth = new PostgresRowAuth(options.rootKey, 'iam', describeStore(options));
    this.name = describeStore(options);
    this.pruner = new TombstonePruner('iam_store', IAM_TABLES, options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS);
  }

  async catchUp(table: PolicyTable): Promise<void> {
    const pool = await this.connection();
    await this.refresher.run(async () => {
      const since = this.version;
      this.apply(table, since, await this.rowsSince(pool, since));
    });
  }

  async put(table: PolicyTable, principalArn: string, policyName: string, document: string | undefined): Promise<void> {
    const seq = await inTransaction(await this.connection(), async (client) => {
      const [, locked] = await client.query('BEGIN; SELECT change_seq FROM iam_store FOR UPDATE') as unknown as Array<{ rows: Array<{ change_seq: string }> }>;
      const seq = Number(locked!.rows[0]!.change_seq) + 1;
      this.apply(table, this.version, await this.rowsSince(client, this.version)); // others' committed changes, so this one lands after them
      await client.query(`WITH head AS (UPDATE iam_store SET change_seq = $3) INSERT INTO ${TABLE} (principal_arn, policy_name, seq, record, mac)
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT (principal_arn, policy_name) DO UPDATE SET seq = EXCLUDED.seq, record = EXCLUDED.record, mac = EXCLUDED.mac`,
      [principalArn, policyName, seq, document ?? null, this.mac(principalArn, policyName, seq, document ?? null)]);
      await this.pruner.prune(client);
      return seq;
    });
    if (seq > this.version) { // else a catch-up since the commit brought this change (and later ones) already
      this.set(table, principalArn, policyName, document ?? null);
      this.version = seq;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  /**
   * One statement (one snapshot): the head (change_seq as seq, pruned_seq as mac) and the policies
   * written after `version` (from 0 the live ones; every live one too if tombstones since may be pruned), oldest first.
   */
  private async rowsSince(db: Pool | PoolClient, version: number): Promise<Row[]> {
    return (await db.query<Row>(`SELECT 'head' AS kind, NULL AS principal_arn, NULL AS policy_name, change_seq AS seq, NULL AS record, pruned_seq::text AS mac FROM iam_store
      UNION ALL SELECT 'policy', principal_arn, policy_name, seq, record, mac FROM ${TABLE} WHERE ${liveAfterPruning('iam_store', '$1')}
      ORDER BY seq`, [version])).rows;
  }

  /**
   * Sets the rows newer than the table's version in it, once every one authenticates (a query that
   * an apply overtook brings nothing back); after a whole read (asked `since` a pruned tombstone),
   * removes the policies held that no live row names.
   */
  private apply(table: PolicyTable, since: number, rows: Row[]): void {
    const head = rows.find((row) => row.kind === 'head')!;
    const version = Number(head.seq);
    if (version <= this.version) return;
    const policies = rows.filter((row) => row.kind === 'policy');
    const fresh = policies.filter((row) => Number(row.seq) > this.version);
    for (const row of fresh) this.auth.verify(row.mac, TABLE, policyId(row.principal_arn!, row.policy_name!), row.principal_arn, row.policy_name, Number(row.seq), row.record);
    for (const row of fresh) this.set(table, row.principal_arn!, row.policy_name!, row.record);
    if (since > 0 && Number(head.mac) > since) {
      const live = new Set(policies.filter((row) => row.record !== null).map((row) => policyId(row.principal_arn!, row.policy_name!)));
      for (const id of heldButGone(this.held, live)) {
        const [arn, name] = JSON.parse(id) as [string, string];
        this.set(table, arn, name, null);
      }
    }
    this.version = version;
  }

  private set(table: PolicyTable, principalArn: string, policyName: string, record: string | null): void {
    table.set(principalArn, policyName, record ?? undefined);
    if (record === null) this.held.delete(policyId(principalArn, policyName));
    else this.held.add(policyId(principalArn, policyName));
  }

  private mac(principalArn: string, policyName: string, seq: number, record: string | null): string {
    return this.auth.mac(TABLE, principalArn, policyName, seq, record);
  }

  private async connection(): Promise<Pool> {
    if (this.closed) throw new StoreClosedError(this.name);
    return this.opened();
  }

  /** Connects, applies the migrations, and creates the head (the service fills in its account later) or checks the root key against it. */
  private async open(): Promise<Pool> {
    const pool = await openPool(this.location, async (pool) => {
      await this.auth.claimHead(pool, 'iam_store');
    });
    if (this.closed) { // closed while opening
      await pool.end();
      throw new StoreClosedError(this.name);
    }
    this.pool = pool;
    return pool;
  }
}

const policyId = (principalArn: string, policyName: string) => JSON.stringify([principalArn, policyName]);
