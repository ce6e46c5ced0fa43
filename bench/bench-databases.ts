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
 * Drops the database, ending its sessions. A session of another role (an autovacuum worker) cannot
 * be ended by this role (SQLSTATE 42501): it is waited for, a second at a time, up to 10 times.
 */
async function dropDatabase(name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } catch (error) {
      if ((error as { code?: string }).code !== '42501' || attempt === 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
