// What a PostgreSQL store proves about its rows without the database seeing its root key: each row
// carries an HMAC-SHA-256 (key derived from the root key for the store's purpose) over its table,
// id, seq and record, so an edited or swapped row is refused with a StoreIntegrityError rather than
// used; and a check value (an HMAC, not the key) in the store's head refuses a process given another
// root key with a RootKeyMismatchError before it reads anything.

import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Pool } from 'pg';
import { constantTimeEqual } from '../core/bytes.js';
import { RootKeyMismatchError, StoreIntegrityError } from '../platform/store-errors.js';

const encoder = new TextEncoder();

export class PostgresRowAuth {
  /** The root key check value the store's head holds. */
  readonly check: string;
  private readonly rowKey: Uint8Array;

  /** `purpose` names the store ("ebs", …): its keys are its own. `name` is the store's, for messages. */
  constructor(rootKey: Uint8Array, purpose: string, private readonly name: string) {
    const derive = (label: string) => hkdf(sha256, rootKey, undefined, encoder.encode(`kms-wasm postgres ${purpose} ${label} v1`), 32);
    this.rowKey = derive('rows');
    this.check = bytesToHex(hmac(sha256, derive('root key check'), encoder.encode('kms-wasm')));
  }

  /** The MAC of a row: its table and every field that says what it is, in order. */
  mac(table: string, ...fields: unknown[]): string {
    return bytesToHex(hmac(sha256, this.rowKey, encoder.encode(JSON.stringify([table, ...fields]))));
  }

  /** Throws StoreIntegrityError, naming the row by `id`, unless `mac` is the row's. */
  verify(mac: string | null, table: string, id: string, ...fields: unknown[]): void {
    if (!constantTimeEqual(encoder.encode(this.mac(table, ...fields)), encoder.encode(mac ?? ''))) {
      throw new StoreIntegrityError(`${this.name} table ${table} row ${id}`, 'does not authenticate: it was edited, moved or damaged, or written under another root key');
    }
  }

  /**
   * Creates the store's head row (`headTable`, one row: root_key_check, change_seq) if there is none yet,
   * then checks the root key against the head that is there (another process may have made it first).
   */
  async claimHead(db: Pick<Pool, 'query'>, headTable: string): Promise<void> {
    await db.query(`INSERT INTO ${headTable} (root_key_check, change_seq) VALUES ($1, 0) ON CONFLICT DO NOTHING`, [this.check]);
    this.checkRootKey((await db.query<{ root_key_check: string }>(`SELECT root_key_check FROM ${headTable}`)).rows[0]!.root_key_check);
  }

  /** Throws RootKeyMismatchError unless `stored` is this root key's check value. */
  checkRootKey(stored: string): void {
    if (!constantTimeEqual(encoder.encode(stored), encoder.encode(this.check))) throw new RootKeyMismatchError(this.name);
  }
}
