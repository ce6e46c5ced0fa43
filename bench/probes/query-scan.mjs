// A table scan through QueryService: one CSV object of SIZE MiB stored under each encryption mode,
// then SELECT count(*), sum(id) over it; prints the query's time, the RSS before it and at its peak
// (sampled every 20 ms during the scan), how long the event loop was held up during the scan (the
// longest gap between ticks of a 10 ms timer, and how many ticks ran: perf_hooks' event-loop
// histogram records nothing while promise callbacks alone keep the thread busy), and how the query
// ended (a query over the service's memory limit fails with Athena's resource error).
// Each mode runs in a child process of its own, so each peak is its own. Run after `npm run build`:
//   [QUERY_SCAN_LIMIT_MIB=N] node bench/probes/query-scan.mjs [SIZE_MIB=1024] [modes… = plain sse-s3 sse-kms bucket-key dsse cse-kms]
import { execFileSync } from 'node:child_process';
import { KeyManagementService, ObjectStore, QueryService, S3EncryptionClient } from '../../dist/index.js';

const [sizeArg = '1024', ...modeArgs] = process.argv.slice(2);
const modes = modeArgs.length ? modeArgs : ['plain', 'sse-s3', 'sse-kms', 'bucket-key', 'dsse', 'cse-kms'];

if (process.env.QUERY_SCAN_CHILD) {
  const mode = process.env.QUERY_SCAN_CHILD;
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const s3 = new ObjectStore({ kms });
  const limitMiB = process.env.QUERY_SCAN_LIMIT_MIB;
  const queries = new QueryService({ s3, kms, memoryLimitBytes: limitMiB ? Number(limitMiB) * 2 ** 20 : undefined });
  const { KeyMetadata: key } = await kms.createKey();
  await s3.createBucket({ Bucket: 'data' });
  await s3.createBucket({ Bucket: 'results' });
  const body = csv(Number(sizeArg) << 20);
  const put = { Bucket: 'data', Key: 'scan/part-0.csv', Body: body };
  if (mode === 'cse-kms') await new S3EncryptionClient({ s3, kms, kmsKeyId: key.Arn }).putObject(put);
  else {
    await s3.putObject({ ...put, ...{ plain: {}, 'sse-s3': { ServerSideEncryption: 'AES256' }, 'sse-kms': { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn },
      'bucket-key': { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.Arn, BucketKeyEnabled: true }, dsse: { ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: key.Arn } }[mode] });
  }
  const run = async (sql, failureIsAnOutcome = false) => {
    const { QueryExecutionId } = await queries.startQueryExecution({ QueryString: sql, ResultConfiguration: { OutputLocation: 's3://results/' } });
    for (;;) {
      const { QueryExecution } = await queries.getQueryExecution({ QueryExecutionId });
      if (QueryExecution.Status.State === 'FAILED' && !failureIsAnOutcome) throw new Error(QueryExecution.Status.StateChangeReason);
      if (QueryExecution.Status.State === 'FAILED') return QueryExecution;
      if (QueryExecution.Status.State === 'SUCCEEDED') return QueryExecution;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await run("CREATE EXTERNAL TABLE scan (id bigint, name string, amount double) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' LOCATION 's3://data/scan/'");
  await run('SELECT 1'); // loads the engine, so the scan below times the scan only
  // RSS sampled during the scan (the process's lifetime peak would be the set-up's: the object is built whole).
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, process.memoryUsage().rss); }, 20);
  const start = performance.now();
  let lastTick = start;
  let longestGapMs = 0;
  let ticks = 0;
  const tick = () => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - lastTick);
    lastTick = now;
    ticks++;
  };
  const timer = setInterval(tick, 10);
  const execution = await run('SELECT count(*), sum(id) FROM scan', true);
  tick();
  const seconds = (performance.now() - start) / 1000;
  clearInterval(timer);
  clearInterval(sampler);
  console.log(JSON.stringify({ mode, mib: Number(sizeArg), memoryLimitMiB: limitMiB ? Number(limitMiB) : 1024,
    outcome: execution.Status.State === 'FAILED' ? execution.Status.StateChangeReason.split(':')[0] : execution.Status.State,
    seconds: Number(seconds.toFixed(1)), mibPerSecond: Number((Number(sizeArg) / seconds).toFixed(1)),
    scanned: execution.Statistics.DataScannedInBytes, rssBeforeScanMiB: Math.round(rssBefore / 2 ** 20), rssPeakDuringScanMiB: Math.round(rssPeak / 2 ** 20),
    longestTimerGapMs: Math.round(longestGapMs), timerTicks: ticks - 1 }));
} else {
  for (const mode of modes) {
    process.stdout.write(execFileSync(process.execPath, [new URL(import.meta.url).pathname, sizeArg], { env: { ...process.env, QUERY_SCAN_CHILD: mode }, maxBuffer: 1 << 20 }));
  }
}

function csv(size) {
  const encoder = new TextEncoder();
  const out = new Uint8Array(size);
  let at = 0;
  for (let row = 0; ; row++) {
    const line = encoder.encode(`${row},"user ${row % 997}",${row % 1000}.${row % 100}\n`);
    if (at + line.length > size) return out.subarray(0, at);
    out.set(line, at);
    at += line.length;
  }
}
