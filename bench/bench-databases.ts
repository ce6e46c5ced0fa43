// Databases for the PostgreSQL measurements: KMS_WASM_BENCH_POSTGRES (or KMS_WASM_TEST_POSTGRES, which
// .ci/run sets) is a connection string for a role that may create databases; each measurement gets
// a database of its own, dropped afterwards. Undefined when neither is set (PostgreSQL not measured).
import { scratchDatabase } from '../test/helpers/scratch-databases.js';

export const BENCH_POSTGRES_URL = process.env.KMS_WASM_BENCH_POSTGRES ?? process.env.KMS_WASM_TEST_POSTGRES;

/** A new database: its connection string, and a function that drops it. */
export function benchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  return scratchDatabase(BENCH_POSTGRES_URL!, 'kms_wasm_bench_');
}
