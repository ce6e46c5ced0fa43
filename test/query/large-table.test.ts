// A large CSV table is read by range as the query scans it: DuckDB asks for a range at a time, each
// read as the caller with a ranged GetObject (which decrypts only the frames it touches), never the
// object whole; DuckDB parses in its own thread, so this thread's timers keep firing meanwhile (with
// DuckDB on this thread, none fired until the scan ended). 64 MiB here; 1 GiB with KMS_WASM_LARGE=1 (bench/probes/query-scan.mjs measures time
// and peak memory per encryption mode). A CSE-KMS table of 208 MiB (1 GiB with KMS_WASM_LARGE=1) answers
// exactly under a 64 MiB memory limit: its tag verified in one streaming pass, then read by range.

import { describe, expect, it, vi } from 'vitest';
import { ObjectStore, S3EncryptionClient } from '../../src/index.js';
import { QueryService } from '../../src/query/node-query-service.js';
import { CHANNEL_CAPACITY } from '../../src/query/engine-worker-protocol.js';
import { csvOf } from './large-csv.js';
import { queryRows, runQuery, setup } from './query-fixture.js';

const MIB = 1 << 20;
const SIZE = process.env.KMS_WASM_LARGE === '1' ? 1024 * MIB : 64 * MIB;
/** Several times the engine's memory limit. */
const CSE_SIZE = process.env.KMS_WASM_LARGE === '1' ? 1024 * MIB : 208 * MIB;

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

  it(`over CSE-KMS (${CSE_SIZE / MIB} MiB) answers exactly under a 64 MiB memory limit: verified in one streaming pass, then read by range`, async () => {
    const { s3, kms } = setup();
    const queries = new QueryService({ s3, kms, memoryLimitBytes: 64 * MIB });
    const { KeyMetadata: key } = await kms.createKey();
    await s3.createBucket({ Bucket: 'data' });
    await s3.createBucket({ Bucket: 'results' });
    const { body, rows, idSum, cents } = await csvOf(CSE_SIZE);
    await new S3EncryptionClient({ s3, kms, kmsKeyId: key.Arn }).putObject({ Bucket: 'data', Key: 'big/part-0.csv', Body: body });
    await runQuery(queries, "CREATE EXTERNAL TABLE big (id bigint, name string, amount double) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' LOCATION 's3://data/big/'");
    const ranges: Array<string | undefined> = [];
    const original = ObjectStore.prototype.getObject;
    const spy = vi.spyOn(ObjectStore.prototype, 'getObject').mockImplementation(function (this: ObjectStore, request, caller) {
      if (request.Key === 'big/part-0.csv') ranges.push(request.Range);
      return original.call(this, request, caller);
    });
    try {
      const result = await queryRows(queries, 'SELECT count(*) AS n, sum(id) AS ids, sum(CAST(round(amount * 100) AS BIGINT)) AS cents FROM big');
      expect(result).toEqual([['n', 'ids', 'cents'], [String(rows), String(idSum), String(cents)]]);
    } finally {
      spy.mockRestore();
    }
    // One whole GET (the verifying pass, streamed), then only ranges of whole 1 MiB chunks.
    expect(ranges[0]).toBeUndefined();
    for (const range of ranges.slice(1)) expect(range).toMatch(/^bytes=\d+-\d+$/);
    expect(ranges.length).toBeGreaterThan(CSE_SIZE / CHANNEL_CAPACITY);
  }, 900_000);
});
