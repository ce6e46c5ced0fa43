// Could native DuckDB (@duckdb/node-api 1.5.6, DuckDB 1.5.6) bound QueryService's memory where
// DuckDB WASM cannot (bench/probes/duckdb-spill.mjs)? Two ways, each printed as one JSON line:
//   encrypted-spill  memory_limit 128MB + temp_directory + temp_file_encryption = true, then a
//                    table of ROWS_MILLIONS million rows: can spilled blocks be written encrypted?
//   fifo-stream      a view over read_csv of a named pipe that Node writes the object into, so the
//                    table is never held: does a scan see the object exactly once?
// Not a dependency of kms-wasm: install it for the probe only, then run
//   npm install --no-save @duckdb/node-api@1.5.6-r.1 && node bench/probes/query-native-duckdb.mjs [ROWS_MILLIONS=40]
import { execFileSync } from 'node:child_process';
import { constants, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const rows = Number(process.argv[2] ?? '40') * 1e6;
const dir = mkdtempSync(join(tmpdir(), 'duckdb-native-'));
const rowsOf = async (connection, sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson();

{
  const db = await DuckDBInstance.create(':memory:', { memory_limit: '128MB', temp_directory: join(dir, 'spill'), temp_file_encryption: 'true' });
  const connection = await db.connect();
  let answer;
  try {
    await connection.run('CREATE TABLE t (id BIGINT, name VARCHAR, amount DOUBLE)');
    for (let from = 0; from < rows; from += 2e6) {
      await connection.run(`INSERT INTO t SELECT i, 'user ' || (i % 997), (i % 1000) + 0.5 FROM range(${from}, ${Math.min(from + 2e6, rows)}) r(i)`);
    }
    answer = (await rowsOf(connection, 'SELECT count(*)::VARCHAR AS n, sum(id)::VARCHAR AS total FROM t'))[0];
  } catch (error) {
    answer = { error: error.message.split('\n')[0] };
  }
  console.log(JSON.stringify({ probe: 'encrypted-spill', rows, answer, exact: { n: String(rows), total: String((BigInt(rows) * BigInt(rows - 1)) / 2n) } }));
  connection.closeSync();
  db.closeSync();
}

{
  const fifo = join(dir, 'table.csv');
  execFileSync('mkfifo', ['-m', '600', fifo]);
  const lines = 200_000;
  const body = Buffer.from(Array.from({ length: lines }, (_, i) => `${i},"user ${i % 7}",${i % 10}.5\n`).join(''));
  let opens = 0;
  let done = false;
  // Each time DuckDB opens the pipe, the writer starts the object again (as a re-read from S3 would).
  const writer = (async () => {
    while (!done) {
      const handle = await open(fifo, 'w');
      if (!done) {
        opens++;
        try {
          for (let at = 0; at < body.length; at += 65536) await handle.write(body.subarray(at, at + 65536));
        } catch { /* the reader closed the pipe early */ }
      }
      await handle.close();
    }
  })();
  const db = await DuckDBInstance.create(':memory:', { memory_limit: '64MB', temp_directory: '', threads: '1' });
  const connection = await db.connect();
  await connection.run(`CREATE VIEW t AS SELECT TRY_CAST(id AS BIGINT) AS id FROM read_csv('${fifo}', header = false, auto_detect = false, `
    + "delim = ',', quote = '\"', escape = '\"', columns = {'id': 'VARCHAR', 'name': 'VARCHAR', 'amount': 'VARCHAR'})");
  const answer = (await rowsOf(connection, 'SELECT count(*)::VARCHAR AS n FROM t'))[0];
  done = true;
  await (await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK)).close(); // lets a writer waiting to open finish
  await writer;
  console.log(JSON.stringify({ probe: 'fifo-stream', rows: lines, answer, pipeOpens: opens, correct: answer.n === String(lines) }));
  connection.closeSync();
  db.closeSync();
}
rmSync(dir, { recursive: true, force: true });
