// Object bodies in PostgreSQL (PostgresObjectMetadata without a `bodies` directory), so processes on
// hosts with no shared filesystem share one store: each body in rows of s3_bodies, CHUNK bytes each
// (the last shorter; an empty body one empty row), so a ranged read fetches only the chunks it
// needs. A body is written as it streams in, one chunk per statement, and is named by a version
// record only once complete (the record's transaction comes after commit()); a write cut short is
// deleted by abort(), or by a crash never named. Encrypted bodies carry their own authentication
// (framed envelope messages bound to their object, body-binding.ts), as they do in files.

import type { Pool } from 'pg';
import { concatBytes } from '../core/bytes.js';
import { missingBody, type BodyReader, type BodyWriter, type SharedBodies } from './object-bodies.js';

const CHUNK = 1024 * 1024;
const bytesOf = (data: Buffer) => new Uint8Array(data.buffer, data.byteOffset, data.length);

export class PostgresBodies implements SharedBodies {
  constructor(private readonly connection: () => Promise<Pool>) {}

  async create(id: string): Promise<BodyWriter> {
    const pool = await this.connection();
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let chunk = 0;
    const insert = (data: Uint8Array) => pool.query('INSERT INTO s3_bodies (body_id, chunk, data) VALUES ($1, $2, $3)', [id, chunk++, data]);
    return {
      write: async (data) => {
        pending.push(data.slice());
        pendingBytes += data.length;
        if (pendingBytes < CHUNK) return;
        const all = concatBytes(pending);
        let at = 0;
        for (; all.length - at >= CHUNK; at += CHUNK) await insert(all.subarray(at, at + CHUNK));
        pending = [all.slice(at)];
        pendingBytes = all.length - at;
      },
      commit: async () => {
        if (pendingBytes > 0 || chunk === 0) await insert(concatBytes(pending));
        pending = [];
      },
      abort: async () => {
        pending = [];
        await this.remove(id);
      },
    };
  }

  async open(id: string): Promise<BodyReader> {
    const pool = await this.connection();
    const { rows } = await pool.query<{ chunks: string; size: string | null }>(
      'SELECT count(*) AS chunks, sum(length(data)) AS size FROM s3_bodies WHERE body_id = $1', [id]);
    if (Number(rows[0]!.chunks) === 0) throw missingBody(id);
    const size = Number(rows[0]!.size ?? 0);
    return {
      size,
      read: async (offset, length) => {
        const end = Math.min(offset + length, size);
        if (end <= offset) return new Uint8Array(0);
        const first = Math.floor(offset / CHUNK);
        const { rows: chunks } = await pool.query<{ data: Buffer }>(
          'SELECT data FROM s3_bodies WHERE body_id = $1 AND chunk BETWEEN $2 AND $3 ORDER BY chunk', [id, first, Math.floor((end - 1) / CHUNK)]);
        return concatBytes(chunks.map((c) => bytesOf(c.data))).slice(offset - first * CHUNK, end - first * CHUNK);
      },
      close: async () => undefined,
    };
  }

  async remove(id: string): Promise<void> {
    await (await this.connection()).query('DELETE FROM s3_bodies WHERE body_id = $1', [id]);
  }

  /** A body is as old as its newest chunk (its writer adds chunks as the body streams in). */
  async removeOrphans(named: Set<string>, graceMs: number): Promise<void> {
    await (await this.connection()).query(`DELETE FROM s3_bodies WHERE body_id IN (
      SELECT body_id FROM s3_bodies GROUP BY body_id HAVING max(written_at) < now() - $2 * interval '1 millisecond') AND NOT (body_id = ANY($1))`,
    [[...named], graceMs]);
  }
}
