// CompleteMultipartUpload of a 64 MiB upload in 8 parts of 8 MiB, on a directory store, SSE-S3 and
// SSE-KMS: wall-clock ms and process CPU ms of the completion alone (median of 3), for this build
// (dist/: the object is served from its parts as stored; completion writes only its record) and, in
// the same run, for an earlier build given as BEFORE (its dist/index.js; before the change, completion
// decrypted every part and re-encrypted them as one object). Each completed object is read back and
// checked. Run after `npm run build`:
//   git worktree add /tmp/kms-wasm-before 54e78d1 && ln -s "$PWD/node_modules" /tmp/kms-wasm-before/ \
//     && (cd /tmp/kms-wasm-before && npm run build)
//   BEFORE=/tmp/kms-wasm-before/dist/index.js node bench/probes/multipart-completion.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const MiB = 1024 * 1024;
const PARTS = 8;
const ROUNDS = 3;
const builds = [['after (this build)', new URL('../../dist/index.js', import.meta.url).href]];
if (process.env.BEFORE) builds.unshift(['before (BEFORE)', pathToFileURL(process.env.BEFORE).href]);

const parts = Array.from({ length: PARTS }, (_, i) => new Uint8Array(8 * MiB).fill(i + 1));
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

const rows = [];
for (const [label, url] of builds) {
  const { KeyManagementService, ObjectStore } = await import(url);
  for (const sse of ['AES256', 'aws:kms']) {
    const dir = mkdtempSync(join(tmpdir(), 'kms-wasm-bench-mpu-'));
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const s3 = new ObjectStore({ kms, dir });
    await s3.createBucket({ Bucket: 'bench' });
    const wall = [];
    const cpu = [];
    for (let round = 0; round < ROUNDS; round++) {
      const Key = `object-${round}`;
      const { UploadId } = await s3.createMultipartUpload({ Bucket: 'bench', Key, ServerSideEncryption: sse });
      const listed = [];
      for (const [i, Body] of parts.entries()) listed.push({ PartNumber: i + 1, ETag: (await s3.uploadPart({ Bucket: 'bench', Key, UploadId, PartNumber: i + 1, Body })).ETag });
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await s3.completeMultipartUpload({ Bucket: 'bench', Key, UploadId, MultipartUpload: { Parts: listed } });
      wall.push(performance.now() - started);
      const used = process.cpuUsage(cpuBefore);
      cpu.push((used.user + used.system) / 1000);
      const back = await (await s3.getObject({ Bucket: 'bench', Key })).Body.transformToByteArray();
      if (back.length !== PARTS * 8 * MiB || back[0] !== 1 || back.at(-1) !== PARTS) throw new Error(`${label}: the completed object reads wrong`);
    }
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
    rows.push({ build: label, sse, 'complete ms (median)': Math.round(median(wall)), 'complete CPU ms (median)': Math.round(median(cpu)) });
  }
}
console.table(rows);
