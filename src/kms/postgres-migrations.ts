// The PostgreSQL store's schema, from the SQL files in postgres-migrations/ (applied in name order,
// each once, recorded in kms_schema_migrations). Every opener runs this; a transaction-scoped
// advisory lock makes concurrent openers (several processes starting at once) apply each migration
// exactly once, and PostgreSQL's transactional DDL means a failed migration leaves nothing behind.

import type { Pool } from 'pg';

/** The migration files: beside this module in the sources, and copied beside the bundle in dist/ by scripts/build.mjs. */
const MIGRATIONS = new URL('./postgres-migrations/', import.meta.url);

export async function migrate(pool: Pool, schema: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const files = (await fs.readdir(MIGRATIONS)).filter((name) => name.endsWith('.sql')).sort();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('kms-wasm migrations ' || $1))", [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await client.query(`SET LOCAL search_path TO ${quoteIdentifier(schema)}`); // the session's search_path named it before it existed
    await client.query('CREATE TABLE IF NOT EXISTS kms_schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const applied = new Set((await client.query<{ version: string }>('SELECT version FROM kms_schema_migrations')).rows.map((r) => r.version));
    for (const file of files) {
      if (applied.has(file)) continue;
      await client.query(await fs.readFile(new URL(file, MIGRATIONS), 'utf8'));
      await client.query('INSERT INTO kms_schema_migrations (version) VALUES ($1)', [file]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** A schema name as an SQL identifier (the name is checked to be a plain identifier by the store's constructor, and quoted anyway). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
