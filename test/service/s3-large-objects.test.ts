// Objects larger than the server's memory pass through `kms-wasm serve`: a PUT streams from the socket
// through the ObjectStore's encryption to the body's file, and a GET streams back, so the server's
// peak resident memory grows by a bounded amount whatever the object's size. Measured on the server
// process itself (a child: `kms-wasm serve`), from /proc/<pid>/status (VmHWM is the peak RSS); an
// object held whole anywhere on the way (as before bodies streamed) would add its whole size.

import { S3 } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { printedCredentials, serve } from './cli-process.js';
import { REGION } from './service-fixture.js';

const MiB = 1024 * 1024;
const OBJECT_BYTES = Number(process.env.KMS_WASM_LARGE === '1' ? 2 * 1024 : 160) * MiB + 3;
const newDirectory = temporaryDirectories('kms-wasm-s3-large-');

/** `total` bytes of a cheap, position-dependent pattern, in 1 MiB chunks (a different byte at every offset mod 251). */
function* pattern(total: number): Generator<Uint8Array> {
  for (let at = 0; at < total; at += MiB) {
    const chunk = new Uint8Array(Math.min(MiB, total - at));
    for (let i = 0; i < chunk.length; i++) chunk[i] = (at + i) % 251;
    yield chunk;
  }
}

function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

describe('large objects through the service', () => {
  it(`a ${Math.round(OBJECT_BYTES / MiB)} MiB SSE-KMS object goes up and comes back byte for byte, the server's peak memory bounded`, async () => {
    const started = await serve(newDirectory());
    expect(started.url).not.toBe('');
    const s3 = new S3({ endpoint: started.url, region: REGION, forcePathStyle: true, credentials: printedCredentials(started.stdout()), maxAttempts: 1 });
    await s3.createBucket({ Bucket: 'large' });
    await s3.putObject({ Bucket: 'large', Key: 'warm-up', Body: 'x', ServerSideEncryption: 'aws:kms' });
    const before = memoryOf(started.child.pid!);

    const sent = createHash('sha256');
    await s3.putObject({
      Bucket: 'large', Key: 'big', ContentLength: OBJECT_BYTES, ServerSideEncryption: 'aws:kms',
      Body: Readable.from((function* hashed() {
        for (const chunk of pattern(OBJECT_BYTES)) {
          sent.update(chunk);
          yield chunk;
        }
      })()),
    });
    const got = await s3.getObject({ Bucket: 'large', Key: 'big' });
    expect(got.ContentLength).toBe(OBJECT_BYTES);
    const received = createHash('sha256');
    for await (const chunk of got.Body as AsyncIterable<Uint8Array>) received.update(chunk);
    expect(received.digest('hex')).toBe(sent.digest('hex'));

    const after = memoryOf(started.child.pid!);
    const growth = after.peak - before.rss;
    console.log(`server RSS before ${(before.rss / MiB).toFixed(1)} MiB, peak after ${(after.peak / MiB).toFixed(1)} MiB `
      + `(+${(growth / MiB).toFixed(1)} MiB for a ${(OBJECT_BYTES / MiB).toFixed(0)} MiB object)`);
    expect(growth).toBeLessThan(96 * MiB);
    started.child.kill('SIGTERM');
    await started.exited;
  }, 600_000);
});
