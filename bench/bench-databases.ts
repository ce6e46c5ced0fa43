// Databases for the PostgreSQL measurements: KMS_WASM_BENCH_POSTGRES (or KMS_WASM_TEST_POSTGRES, which
// .ci/run sets) is a connection string for a role that may create databases; each measurement gets
// a database of its own, dropped afterwards. Undefined when neither is set (PostgreSQL not measured).
import pg from 'pg';

export const BENCH_POSTGRES_URL = process.env.KMS_WASM_BENCH_POSTGRES ?? process.env.KMS_WASM_TEST_POSTGRES;

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A new database: its connection string, and a function that drops it. */
export async function benchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `kms_wasm_bench_${crypto.randomUUID().replaceAll('-', '')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(BENCH_POSTGRES_URL!);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropDatabase(name) };
}

/**
 * Drops the database, ending its sessions. An autovacuum worker's session is no role's, so this role
 * may not end it (SQLSTATE 42501); a plain DROP stops autovacuum workers itself.
 */
async function dropDatabase(name: string): Promise<void> {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((error: { code?: string }) => {
    if (error.code !== '42501') throw error;
    return admin(`DROP DATABASE IF EXISTS ${name}`);
  });
}
