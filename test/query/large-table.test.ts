// A large CSV table queried while its object streams: the engine is handed record-aligned chunks of
// at most CHUNK_BYTES (plus one body piece), never the object whole. 64 MiB here; 1 GiB with
// KMS_WASM_LARGE=1 (bench/probes/query-scan.mjs measures time and peak memory per encryption mode).

import { describe, expect, it, vi } from 'vitest';
import { DuckDbEngine } from '../../src/query/duckdb-engine.js';
import { CHUNK_BYTES } from '../../src/query/table-loader.js';
import { queryRows, runQuery, setup } from './query-fixture.js';

const MIB = 1 << 20;
const SIZE = process.env.KMS_WASM_LARGE === '1' ? 1024 * MIB : 64 * MIB;

/** id,name,amount lines up to `size` bytes, and the facts a query over them must find. */
function csvOf(size: number) {
  const encoder = new TextEncoder();
  const out = new Uint8Array(size);
  let at = 0;
  let rows = 0;
  let idSum = 0n;
  for (;;) {
    const line = encoder.encode(`${rows},"user ${rows % 997}",${rows % 1000}.${rows % 100}\n`);
    if (at + line.length > size) break;
    out.set(line, at);
    at += line.length;
    idSum += BigInt(rows);
    rows++;
  }
  return { body: out.subarray(0, at), rows, idSum };
}

describe('a large CSV table', () => {
  it(`is queried in record-aligned chunks as it streams (${SIZE / MIB} MiB, SSE-KMS)`, async () => {
    const { s3, kms, queries } = setup();
    const { KeyMetadata: key } = await kms.createKey();
    await s3.createBucket({ Bucket: 'data' });
    await s3.createBucket({ Bucket: 'results' });
    const { body, rows, idSum } = csvOf(SIZE);
    await s3.putObject({ Bucket: 'data', Key: 'big/part-0.csv', Body: body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn });
    await runQuery(queries, "CREATE EXTERNAL TABLE big (id bigint, name string, amount double) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' LOCATION 's3://data/big/'");
    const chunks: number[] = [];
    const original = DuckDbEngine.prototype.appendCsv;
    const spy = vi.spyOn(DuckDbEngine.prototype, 'appendCsv').mockImplementation(function (this: DuckDbEngine, ...args) {
      chunks.push(args[4].length);
      return original.apply(this, args);
    });
    try {
      const result = await queryRows(queries, 'SELECT count(*) AS n, sum(id) AS ids, count(DISTINCT name) AS names FROM big');
      expect(result).toEqual([['n', 'ids', 'names'], [String(rows), String(idSum), '997']]);
    } finally {
      spy.mockRestore();
    }
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(body.length);
    expect(chunks.length).toBeGreaterThanOrEqual(Math.floor(body.length / (CHUNK_BYTES + MIB)));
    expect(Math.max(...chunks)).toBeLessThanOrEqual(CHUNK_BYTES + MIB);
  }, 600_000);
});
