// Bodies stream: a put reads its Body as it encrypts it to disk and a get decrypts one frame at a
// time, so memory stays bounded by the framing, not the object. Checked in a child process (the
// built package) under a small heap limit, by its peak resident memory (getrusage maxrss, which
// counts array buffers too, unlike the heap limit). The object is generated and hashed as it
// streams, so the test itself holds none of it. 96 MiB in the default suite; 2 GiB + 1 byte (past
// the 2 GiB a Node Buffer or file read can hold) with KMS_WASM_LARGE=1.
import { describe, expect, it } from 'vitest';
import { runChild } from '../helpers/child-processes.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

const tempDir = temporaryDirectories('kms-wasm-large-');
const MiB = 1024 * 1024;

/** A child that puts `size` bytes (SSE-KMS, or via multipart) and reads them back whole and by a 10-byte range; prints hashes and memory. */
const roundTrip = (dir: string, size: number, multipart: boolean) => `
  import { createHash } from 'node:crypto';
  const kms = new k.KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  const s3 = new k.ObjectStore({ kms, dir: ${JSON.stringify(dir)} });
  await s3.createBucket({ Bucket: 'big' });
  const { KeyId } = await kms.createKey({});
  const put = createHash('sha256');
  // ${size} bytes of a pattern that differs per MiB, made as it is read: one 1 MiB buffer, reused.
  async function* generate(from, to) {
    const chunk = new Uint8Array(${MiB});
    for (let at = from; at < to; at += chunk.length) {
      const piece = chunk.subarray(0, Math.min(chunk.length, to - at));
      piece.fill(at / ${MiB} % 251);
      piece[0] = at / ${MiB} % 256;
      put.update(piece);
      yield piece;
    }
  }
  const baseline = process.memoryUsage().rss;
  if (${multipart}) {
    const { UploadId } = await s3.createMultipartUpload({ Bucket: 'big', Key: 'o', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KeyId });
    const half = Math.ceil(${size} / 2 / ${MiB}) * ${MiB};
    const parts = [];
    for (const [PartNumber, from, to] of [[1, 0, half], [2, half, ${size}]]) {
      parts.push({ PartNumber, ETag: (await s3.uploadPart({ Bucket: 'big', Key: 'o', UploadId, PartNumber, Body: generate(from, to) })).ETag });
    }
    await s3.completeMultipartUpload({ Bucket: 'big', Key: 'o', UploadId, MultipartUpload: { Parts: parts } });
  } else {
    await s3.putObject({ Bucket: 'big', Key: 'o', Body: generate(0, ${size}), ContentLength: ${size}, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KeyId });
  }
  const got = await s3.getObject({ Bucket: 'big', Key: 'o' });
  const read = createHash('sha256');
  let length = 0;
  for await (const chunk of got.Body) { read.update(chunk); length += chunk.length; }
  const range = await s3.getObject({ Bucket: 'big', Key: 'o', Range: 'bytes=${size - 10}-' });
  const tail = await range.Body.transformToByteArray();
  await s3.close();
  console.log(JSON.stringify({ put: put.digest('hex'), got: read.digest('hex'), length, contentLength: got.ContentLength,
    tail: [...tail], contentRange: range.ContentRange, baseline, peak: process.resourceUsage().maxRSS * 1024 }));
`;

async function expectBounded(size: number, multipart: boolean, growthLimit: number) {
  const out = JSON.parse(await runChild(roundTrip(tempDir(), size, multipart), ['--max-old-space-size=32'])) as Record<string, any>;
  expect(out.length).toBe(size);
  expect(out.contentLength).toBe(size);
  expect(out.got).toBe(out.put);
  expect(out.contentRange).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
  const patternAt = (p: number) => (p % MiB === 0 ? Math.floor(p / MiB) % 256 : Math.floor(p / MiB) % 251);
  expect(out.tail).toEqual(Array.from({ length: 10 }, (_, i) => patternAt(size - 10 + i)));
  console.log(`${size} bytes${multipart ? ' (multipart)' : ''}: peak RSS ${(out.peak / MiB).toFixed(1)} MiB, ${((out.peak - out.baseline) / MiB).toFixed(1)} MiB over the ${(out.baseline / MiB).toFixed(1)} MiB before the put`);
  expect(out.peak - out.baseline, `peak ${out.peak} over a baseline of ${out.baseline}`).toBeLessThan(growthLimit);
}

describe('bodies stream with bounded memory', () => {
  // Observed: about 40 MiB over the baseline at 16, 96 and 256 MiB alike (GC slack, the WASM memory);
  // holding the object once would add 96 MiB.
  it('a 96 MiB SSE-KMS object, put from a stream and read back whole and by range, never raises memory by 64 MiB', async () => {
    await expectBounded(96 * MiB + 3, false, 64 * MiB);
  }, 120_000);

  it('a 96 MiB multipart upload, completed and read back, never raises memory by 64 MiB', async () => {
    await expectBounded(96 * MiB + 3, true, 64 * MiB);
  }, 120_000);

  it.runIf(process.env.KMS_WASM_LARGE === '1')('KMS_WASM_LARGE: a 2 GiB + 1 byte object round trip, memory bounded as for 96 MiB', async () => {
    await expectBounded(2 * 1024 * MiB + 1, false, 64 * MiB);
  }, 1_800_000);
});
