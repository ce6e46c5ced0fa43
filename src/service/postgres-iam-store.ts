// The identities of every `kms-wasm serve --postgres` on one database (migration 0007_iam.sql):
// iam_store (the head: change counter, root key check value, account, the root access key pair
// sealed), iam_users (a user and its inline policies per row) and iam_access_keys (an access key per
// row, its secret sealed), each record as JSON text with its MAC (postgres-row-auth.ts), a deletion
// leaving a tombstone. So an access key created through one server authenticates at every other, a
// user deleted or a policy changed through one is seen by the others at their next request.
//
// As the other PostgreSQL stores: each server holds the state in memory and catches up at the start
// of every request (IamDirectory.refresh: one query for the head and the rows whose seq is past the
// version it holds); a change is decided on that state (the user exists, has no keys left, has fewer
// than two…) and written in a transaction that locks the head row and, if another server committed
// since, catches up and decides again under the lock (commitChange's redecide), then writes the rows
// that differ: two servers' changes are serial and none is kept that a stale cache decided.
//
// The database never sees the root key: rows are MACed under a key derived from it (an edited, moved
// or forged row is refused with a StoreIntegrityError), secrets sealed with AES-256-GCM under
// another (bound to their access key id, or for the root pair to the account), and a server given
// another root key is refused with a RootKeyMismatchError before it reads anything.

import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Pool, PoolClient } from 'pg';
import { base64ToBytes, bytesToBase64 } from '../core/base64.js';
import { concatBytes } from '../core/bytes.js';
import { gcm } from '../core/gcm.js';
import { SerialQueue } from '../core/serial-queue.js';
import { commitChange } from '../core/state-change.js';
import { describeStore, locationOf, type PostgresStoreOptions } from '../kms/postgres-options.js';
import { inTransaction, openPool } from '../kms/postgres-pool.js';
import { PostgresRowAuth } from '../kms/postgres-row-auth.js';
import { DEFAULT_TOMBSTONE_RETENTION_MS, IAM_TABLES, liveAfterPruning, TombstonePruner } from '../kms/postgres-tombstones.js';
import { StoreIntegrityError } from '../platform/store-errors.js';
import type { AccessKeyPair } from './access-key-generator.js';
import type { AccessKeyRecord, IamState, IamStore, UserRecord } from './iam-directory.js';
import { chooseRootCredentials, RootCredentialsError } from './root-credentials.js';

type Table = 'iam_users' | 'iam_access_keys';

interface Row {
  kind: 'head' | Table;
  id: string | null;
  seq: string;
  record: string | null;
  mac: string | null;
}

/** An access key as its row holds it: the secret sealed. */
type SavedAccessKey = Omit<AccessKeyRecord, 'accessKeyId' | 'secretAccessKey'> & { sealedSecret: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class PostgresIamStore implements IamStore {
  state: IamState;
  /** The head's change_seq that `state` reflects. */
  private version = 0;
  /** This server's changes, one after another (they are serial in the database anyway). */
  private readonly writes = new SerialQueue();

  private constructor(private readonly pool: Pool, private readonly auth: PostgresRowAuth, private readonly sealKey: Uint8Array,
    private readonly name: string, account: string, root: AccessKeyPair, private readonly pruner: TombstonePruner) {
    this.state = { account, root, users: [], accessKeys: [] };
  }

  /**
   * The database's identities; on the first start of a server on it, the head is made with this
   * server's root credentials (the environment's, or a new pair: `generated`) — of servers starting
   * at once, one wins and the others use its pair. A database of another account, or other root
   * credentials in the environment, are refused with a RootCredentialsError, another root key with
   * a RootKeyMismatchError.
   */
  static async open(options: PostgresStoreOptions, account: string, environment: Record<string, string | undefined>):
    Promise<{ store: PostgresIamStore; generated?: AccessKeyPair }> {
    const name = describeStore(options);
    const auth = new PostgresRowAuth(options.rootKey, 'iam', name);
    const sealKey = hkdf(sha256, options.rootKey, undefined, encoder.encode('kms-wasm postgres iam secrets v1'), 32);
    const pool = await openPool(locationOf(options), async () => undefined);
    try {
      const offered = chooseRootCredentials(environment, undefined);
      const sealedRoot = seal(sealKey, JSON.stringify(offered.credentials), rootAad(account));
      const inserted = await pool.query('INSERT INTO iam_store (root_key_check, change_seq, account, root) VALUES ($1, 0, $2, $3) ON CONFLICT DO NOTHING',
        [auth.check, account, sealedRoot]);
      // A head the library made (PostgresIamPolicies) has no account yet: the first server fills it in.
      const filled = await pool.query('UPDATE iam_store SET account = $2, root = $3 WHERE account IS NULL AND root_key_check = $1', [auth.check, account, sealedRoot]);
      const rowCount = (inserted.rowCount ?? 0) + (filled.rowCount ?? 0);
      const { rows } = await pool.query<{ root_key_check: string; account: string; root: string }>('SELECT root_key_check, account, root FROM iam_store');
      const head = rows[0]!;
      auth.checkRootKey(head.root_key_check);
      if (head.account !== account) throw new RootCredentialsError(`${name} holds account ${head.account}'s identities; start with --account ${head.account}`);
      const stored = JSON.parse(unseal(sealKey, head.root, rootAad(account), `${name} table iam_store`)) as AccessKeyPair;
      const root = chooseRootCredentials(environment, stored); // the environment, if set, must name the stored pair
      const store = new PostgresIamStore(pool, auth, sealKey, name, account, root.credentials,
        new TombstonePruner('iam_store', IAM_TABLES, options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS));
      await store.refresh();
      return { store, generated: rowCount === 1 && offered.generated ? offered.credentials : undefined };
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  async refresh(): Promise<void> {
    this.catchUp(await this.rowsSince(this.pool));
  }

  /**
   * A change as every store makes one (core/state-change.ts): `mutate` decides on a copy of the state
   * (caught up at the request's start), the copy's rows are written in a transaction under the head's
   * lock — decided again there, on the rows another server committed, if the head moved — and the
   * copy becomes the state once committed.
   */
  async change<T>(mutate: (state: IamState) => T): Promise<T> {
    let result!: T;
    let seq = 0;
    await commitChange(() => {
      const before = this.state;
      const next = structuredClone(before);
      result = mutate(next);
      return { record: { before, next }, publish: () => {
        if (seq > this.version) { // else a catch-up since the commit brought this change (and later ones) already
          this.state = next;
          this.version = seq;
        }
      } };
    }, (decided, redecide) => {
      let record = decided;
      return inTransaction(this.pool, async (client) => {
        const [, locked] = await client.query('BEGIN; SELECT change_seq FROM iam_store FOR UPDATE') as unknown as Array<{ rows: Array<{ change_seq: string }> }>;
        const head = Number(locked!.rows[0]!.change_seq);
        if (head !== this.version) record = await redecide(async () => this.catchUp(await this.rowsSince(client)));
        seq = head + 1;
        await this.write(client, record.before, record.next, seq);
        await this.pruner.prune(client);
      });
    }, this.writes);
    return result;
  }

  async close(): Promise<void> {
    await this.writes.run(async () => undefined);
    await this.pool.end();
  }

  /** The rows of the users and access keys that `next` adds, changes or removes (a tombstone), and the head's new seq. */
  private async write(client: PoolClient, before: IamState, next: IamState, seq: number): Promise<void> {
    const rows: Array<{ table: Table; id: string; record: string | null }> = [];
    const diff = <V>(table: Table, was: Map<string, V>, now: Map<string, V>, text: (id: string, value: V) => string) => {
      for (const id of was.keys()) if (!now.has(id)) rows.push({ table, id, record: null });
      for (const [id, value] of now) if (JSON.stringify(was.get(id)) !== JSON.stringify(value)) rows.push({ table, id, record: text(id, value) });
    };
    diff('iam_users', new Map(before.users.map((u) => [u.userName, u])), new Map(next.users.map((u) => [u.userName, u])), (_, user) => JSON.stringify(user));
    diff('iam_access_keys', new Map(before.accessKeys.map((k) => [k.accessKeyId, k])), new Map(next.accessKeys.map((k) => [k.accessKeyId, k])),
      (id, { accessKeyId: _, secretAccessKey, ...rest }) => JSON.stringify({ ...rest, sealedSecret: seal(this.sealKey, secretAccessKey, keyAad(id)) }));
    for (const { table, id, record } of rows) {
      await client.query(`INSERT INTO ${table} (id, seq, record, mac) VALUES ($1, $2, $3, $4)
        ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, record = EXCLUDED.record, mac = EXCLUDED.mac`, [id, seq, record, this.auth.mac(table, id, seq, record)]);
    }
    await client.query('UPDATE iam_store SET change_seq = $1', [seq]);
  }

  /**
   * One statement (one snapshot): the head (change_seq as seq, pruned_seq as mac) and the rows
   * written after the state's version (every live one too if tombstones since may be pruned), oldest change first.
   */
  private async rowsSince(db: Pool | PoolClient): Promise<{ since: number; rows: Row[] }> {
    const since = this.version;
    const where = liveAfterPruning('iam_store', '$1');
    return { since, rows: (await db.query<Row>(`SELECT 'head' AS kind, NULL AS id, change_seq AS seq, NULL AS record, pruned_seq::text AS mac FROM iam_store
      UNION ALL SELECT 'iam_users', id, seq, record, mac FROM iam_users WHERE ${where}
      UNION ALL SELECT 'iam_access_keys', id, seq, record, mac FROM iam_access_keys WHERE ${where}
      ORDER BY seq`, [since])).rows };
  }

  /**
   * Applies the rows newer than the state, once every one authenticates, as a new state object (a
   * reader holding the old one keeps a consistent view); nothing newer: the state stays as it is.
   * After a whole read (tombstones since `since` pruned) the live rows are the state: it starts empty.
   */
  private catchUp({ since, rows }: { since: number; rows: Row[] }): void {
    const head = rows.find((row) => row.kind === 'head');
    const version = Number(head?.seq ?? 0);
    if (version <= this.version) return;
    const whole = since > 0 && Number(head!.mac) > since;
    const fresh = rows.filter((row) => row.kind !== 'head' && (whole || Number(row.seq) > this.version));
    for (const row of fresh) this.auth.verify(row.mac, row.kind, row.id!, row.id, Number(row.seq), row.record);
    const users = new Map<string, UserRecord>(whole ? [] : this.state.users.map((u) => [u.userName, u]));
    const keys = new Map<string, AccessKeyRecord>(whole ? [] : this.state.accessKeys.map((k) => [k.accessKeyId, k]));
    for (const row of fresh) {
      const id = row.id!;
      if (row.kind === 'iam_users') {
        if (row.record === null) users.delete(id);
        else users.set(id, JSON.parse(row.record) as UserRecord);
      } else if (row.record === null) keys.delete(id);
      else {
        const { sealedSecret, ...rest } = JSON.parse(row.record) as SavedAccessKey;
        keys.set(id, { ...rest, accessKeyId: id, secretAccessKey: unseal(this.sealKey, sealedSecret, keyAad(id), `${this.name} table iam_access_keys row ${id}`) });
      }
    }
    this.state = { ...this.state, users: [...users.values()], accessKeys: [...keys.values()] };
    this.version = version;
  }
}

const rootAad = (account: string) => encoder.encode(`kms-wasm iam root ${account}`);
const keyAad = (accessKeyId: string) => encoder.encode(`kms-wasm iam access key ${accessKeyId}`);

/** IV ‖ AES-256-GCM(text) ‖ tag, base64. */
function seal(key: Uint8Array, text: string, aad: Uint8Array): string {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plaintext = encoder.encode(text);
  try {
    return bytesToBase64(concatBytes([iv, gcm(key, iv, aad, { constantTime: true }).encrypt(plaintext)]));
  } finally {
    plaintext.fill(0);
  }
}

function unseal(key: Uint8Array, sealed: string, aad: Uint8Array, where: string): string {
  let plaintext: Uint8Array;
  try {
    const bytes = base64ToBytes(sealed);
    plaintext = gcm(key, bytes.subarray(0, 12), aad, { constantTime: true }).decrypt(bytes.subarray(12));
  } catch {
    throw new StoreIntegrityError(where, 'holds a secret that does not authenticate under this root key');
  }
  try {
    return decoder.decode(plaintext);
  } finally {
    plaintext.fill(0);
  }
}
