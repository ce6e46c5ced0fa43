// A large CSV table is read by range as the query scans it: DuckDB asks for a range at a time, each
// read as the caller with a ranged GetObject (which decrypts only the frames it touches), never the
// object whole; DuckDB parses in its own thread, so this thread's timers keep firing meanwhile (with
// DuckDB on this thread, none fired until the scan ended). 64 MiB here; 1 GiB with KMS_WASM_LARGE=1 (bench/probes/query-scan.mjs measures time
// and peak memory per encryption mode).

import { describe, expect, it, vi } from 'vitest';
import { ObjectStore } from '../../src/index.js';
import { CHANNEL_CAPACITY } from '../../src/query/engine-worker-protocol.js';
import { csvOf } from './large-csv.js';
import { queryRows, runQuery, setup } from './query-fixture.js';

const MIB = 1 << 20;
const SIZE = process.env.KMS_WASM_LARGE === '1' ? 1024 * MIB : 64 * MIB;

describe('a large CSV table', () => {
  it(`is read by range as the query scans it (${SIZE / MIB} MiB, SSE-KMS)`, async () => {
    const { s3, kms, queries } = setup();
    const { KeyMetadata: key } = await kms.createKey();
    await s3.createBucket({ Bucket: 'data' });
    await s3.createBucket({ Bucket: 'results' });
    const { body, rows, idSum } = await csvOf(SIZE);
    await s3.putObject({ Bucket: 'data', Key: 'big/part-0.csv', Body: body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn });
    await runQuery(queries, "CREATE EXTERNAL TABLE big (id bigint, name string, amount double) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' LOCATION 's3://data/big/'");
    const ranges: Array<string | undefined> = [];
    let ticks = 0;
    /** The timer's ticks when each range was read: the scan runs from the first to the last. */
    const ticksAtRead: number[] = [];
    const original = ObjectStore.prototype.getObject;
    const spy = vi.spyOn(ObjectStore.prototype, 'getObject').mockImplementation(function (this: ObjectStore, request, caller) {
      if (request.Key === 'big/part-0.csv') {
        ranges.push(request.Range);
        ticksAtRead.push(ticks);
      }
      return original.call(this, request, caller);
    });
    const timer = setInterval(() => ticks++, 1);
    try {
      const result = await queryRows(queries, 'SELECT count(*) AS n, sum(id) AS ids, count(DISTINCT name) AS names FROM big');
      expect(result).toEqual([['n', 'ids', 'names'], [String(rows), String(idSum), '997']]);
    } finally {
      clearInterval(timer);
      spy.mockRestore();
    }
    expect(ticksAtRead.at(-1)! - ticksAtRead[0]!).toBeGreaterThan(1);
    const lengths = ranges.map((range) => {
      const match = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
      expect(match, `a GetObject without a Range: ${range}`).not.toBeNull();
      return Number(match![2]) - Number(match![1]) + 1;
    });
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(body.length);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(CHANNEL_CAPACITY);
    expect(lengths.length).toBeGreaterThanOrEqual(Math.ceil(body.length / CHANNEL_CAPACITY));
  }, 600_000);
});
