// Databases made for one test file or one bench measurement and dropped after it, on a PostgreSQL
// server reached through `adminUrl` (a role that may create databases). Shared by the tests
// (helpers/postgres.ts) and the bench (bench/bench-databases.ts); no test runner needed here.
import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** Runs `statements` one after another on one connection of `adminUrl`. */
async function admin(adminUrl: string, ...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * A new, empty database named `prefix` and a random suffix: its connection string, and a function
 * that drops it. `flushCommits: false` turns off synchronous_commit in it (commits stay atomic and
 * serial, only not flushed before they return).
 */
export async function scratchDatabase(adminUrl: string, prefix: string, { flushCommits = true } = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}${randomUUID().replaceAll('-', '')}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`, ...(flushCommits ? [] : [`ALTER DATABASE ${name} SET synchronous_commit = off`]));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropDatabase(adminUrl, name) };
}

/**
 * Drops the database, ending the sessions left in it (FORCE). An autovacuum worker's session is no
 * role's, so this role may not end it (SQLSTATE 42501, which failed a CI run); a plain DROP stops
 * autovacuum workers itself, and waits up to 5 s for any other session to go.
 */
async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((error: { code?: string }) => {
    if (error.code !== '42501') throw error;
    return admin(adminUrl, `DROP DATABASE IF EXISTS ${name}`);
  });
}
