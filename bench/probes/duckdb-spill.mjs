// Can DuckDB WASM (1.32.0, Node blocking bindings) keep a large table in bounded memory by spilling
// to disk? Fills one in-memory table with ROWS_MILLIONS million rows (bigint, varchar, double) in
// 2-million-row inserts, then aggregates it, in three child processes:
//   memory  no limit (the table stays in the WASM heap);
//   spill   memory_limit 128MB + temp_directory (DuckDB's buffer manager evicts blocks to temp files);
//   file    memory_limit 128MB + a database file (blocks are evicted to the file itself).
// Prints per mode: the aggregate (or the error), whether it matches the exact answer, the RSS peak,
// and whether temp_file_encryption can be switched on.
//   node bench/probes/duckdb-spill.mjs [ROWS_MILLIONS=40] [modes… = memory spill file]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [millionsArg = '40', ...modeArgs] = process.argv.slice(2);
const modes = modeArgs.length ? modeArgs : ['memory', 'spill', 'file'];

if (process.env.DUCKDB_SPILL_CHILD) {
  const mode = process.env.DUCKDB_SPILL_CHILD;
  const require = createRequire(import.meta.url);
  const duckdb = require('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs');
  const wasm = (name) => require.resolve(`@duckdb/duckdb-wasm/dist/${name}`);
  const db = await duckdb.createDuckDB({ mvp: { mainModule: wasm('duckdb-mvp.wasm'), mainWorker: '' }, eh: { mainModule: wasm('duckdb-eh.wasm'), mainWorker: '' } },
    new duckdb.VoidLogger(), duckdb.NODE_RUNTIME);
  await db.instantiate();
  db.open({});
  const connection = db.connect();
  const query = (sql) => connection.query(sql).toArray().map((row) => row.toJSON());
  const dir = mkdtempSync(join(tmpdir(), 'duckdb-spill-'));
  let encryption = 'not tried';
  if (mode !== 'memory') {
    query("SET memory_limit = '128MB'");
    query(`SET temp_directory = '${dir}'`);
    try {
      query('SET temp_file_encryption = true');
      encryption = 'on';
    } catch (error) {
      encryption = `refused: ${error.message}`;
    }
  }
  if (mode === 'file') {
    query(`ATTACH '${join(dir, 'table.db')}' AS f`);
    query('USE f');
  }
  let peak = 0;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const rows = Number(millionsArg) * 1e6;
  let answer;
  try {
    query('CREATE TABLE t (id BIGINT, name VARCHAR, amount DOUBLE)');
    for (let from = 0; from < rows; from += 2e6) {
      query(`INSERT INTO t SELECT i, 'user ' || (i % 997), (i % 1000) + 0.5 FROM range(${from}, ${Math.min(from + 2e6, rows)}) r(i)`);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    answer = query('SELECT count(*)::VARCHAR AS n, sum(id)::VARCHAR AS total FROM t')[0];
  } catch (error) {
    answer = { error: error.message.split('\n')[0] };
  }
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
  const exact = { n: String(rows), total: String((BigInt(rows) * BigInt(rows - 1)) / 2n) };
  console.log(JSON.stringify({ mode, rows, answer, correct: answer.n === exact.n && answer.total === exact.total, rssPeakMiB: Math.round(peak / 2 ** 20), tempFileEncryption: encryption }));
} else {
  for (const mode of modes) {
    process.stdout.write(execFileSync(process.execPath, [new URL(import.meta.url).pathname, millionsArg], { env: { ...process.env, DUCKDB_SPILL_CHILD: mode } }));
  }
}
