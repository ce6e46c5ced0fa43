// A stored body that is gone or damaged under the service (the directory store's body files removed or
// changed behind its back): a GET or HEAD that needs it is answered with S3's own error for a fault of
// the server, <Error><Code>InternalError</Code> and 500 ("Error responses", List of error codes), never
// a stack or a path; the log names the body; reads that do not reach it still work, and the process
// keeps serving. A multipart object is served from its parts' bodies, so a part gone fails only the
// reads that span it.

import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../helpers/seeded-random.js';
import { failure, startTestService, type TestService } from './service-fixture.js';

const MiB = 1024 * 1024;
const rng = new SeededRandom(1501);

/** Every stored body file under `dir` (DIR's object bodies are `<uuid>.bin`). */
function bodyFiles(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/^[0-9a-f-]{36}\.bin$/.test(name)) found.add(path);
    }
  };
  walk(dir);
  return found;
}

/** Runs `write`, and returns the one body file it added. */
async function addedBody(dir: string, write: () => Promise<unknown>): Promise<string> {
  const before = bodyFiles(dir);
  await write();
  const added = [...bodyFiles(dir)].filter((file) => !before.has(file));
  expect(added).toHaveLength(1);
  return added[0]!;
}

describe('stored bodies gone or damaged, over the service', () => {
  let t: TestService;
  let s3: S3.S3Client;
  const parts = [Buffer.from(rng.bytes(5 * MiB)), Buffer.from(rng.bytes(1000))];
  const whole = Buffer.from(rng.bytes(300_000));
  let wholeFile: string;
  const partFiles: string[] = [];

  beforeAll(async () => {
    t = await startTestService();
    s3 = t.s3();
    await s3.send(new S3.CreateBucketCommand({ Bucket: 'gone' }));
    wholeFile = await addedBody(t.dir, () => s3.send(new S3.PutObjectCommand({ Bucket: 'gone', Key: 'whole', Body: whole, ServerSideEncryption: 'aws:kms' })));
    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: 'gone', Key: 'parts', ServerSideEncryption: 'aws:kms' }));
    const Parts = [];
    for (const [i, Body] of parts.entries()) {
      let ETag: string | undefined;
      partFiles.push(await addedBody(t.dir, async () => {
        ({ ETag } = await s3.send(new S3.UploadPartCommand({ Bucket: 'gone', Key: 'parts', UploadId, PartNumber: i + 1, Body })));
      }));
      Parts.push({ PartNumber: i + 1, ETag });
    }
    await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket: 'gone', Key: 'parts', UploadId, MultipartUpload: { Parts } }));
  });

  const get = async (Key: string, extra: Partial<S3.GetObjectCommandInput> = {}) =>
    Buffer.from(await (await s3.send(new S3.GetObjectCommand({ Bucket: 'gone', Key, ...extra }))).Body!.transformToByteArray());
  /** S3's answer to a fault of its own: InternalError, 500, a message without a path or a stack. */
  const internalError = async (promise: Promise<unknown>) => {
    const refused = await failure(promise);
    expect(refused).toMatchObject({ name: 'InternalError', status: 500 });
    expect(refused.message).not.toMatch(/\.bin|\/|\bat\b.*\(/);
  };
  /** Moves `file` aside for `during`, then puts it back. */
  const without = async (file: string, during: () => Promise<void>) => {
    const kept = readFileSync(file);
    rmSync(file);
    try {
      await during();
    } finally {
      writeFileSync(file, kept);
    }
  };

  it('an object put whole whose body is gone: GET and HEAD are InternalError (500); put back, it reads', async () => {
    await without(wholeFile, async () => {
      await internalError(get('whole'));
      await internalError(get('whole', { Range: 'bytes=10-19' }));
      expect(await failure(s3.send(new S3.HeadObjectCommand({ Bucket: 'gone', Key: 'whole' })))).toMatchObject({ status: 500 });
    });
    expect(t.log.some((line) => /GetObject .* 500 .*object body [0-9a-f-]{36} is missing from the store/.test(line)), t.log.join('\n')).toBe(true);
    expect((await get('whole')).equals(whole)).toBe(true);
  });

  it('a multipart object with a part\'s body gone: the reads that span the part are InternalError, the others read', async () => {
    await without(partFiles[0]!, async () => {
      await internalError(get('parts'));
      await internalError(get('parts', { PartNumber: 1 }));
      await internalError(get('parts', { Range: `bytes=${5 * MiB - 5}-${5 * MiB + 4}` }));
      expect((await get('parts', { PartNumber: 2 })).equals(parts[1]!)).toBe(true);
      expect((await get('parts', { Range: `bytes=${5 * MiB}-${5 * MiB + 9}` })).equals(parts[1]!.subarray(0, 10))).toBe(true);
    });
    expect(t.log.some((line) => /partNumber=1\): object body [0-9a-f-]{36} is missing from the store/.test(line))).toBe(true);
    await without(partFiles[1]!, async () => {
      await internalError(get('parts', { PartNumber: 2 }));
      // The whole object's answer has begun (part 1) when part 2 turns out gone: the response is cut, never completed short.
      await expect(get('parts')).rejects.toThrow();
      expect((await get('parts', { PartNumber: 1 })).equals(parts[0]!)).toBe(true);
    });
    expect(Buffer.concat(parts).equals(await get('parts'))).toBe(true);
  });

  it('a part\'s body damaged (one byte of its header changed): InternalError, and the service keeps serving', async () => {
    const kept = readFileSync(partFiles[0]!);
    const damaged = Buffer.from(kept);
    damaged[40]! ^= 1;
    writeFileSync(partFiles[0]!, damaged);
    try {
      await internalError(get('parts', { PartNumber: 1 }));
      await internalError(get('parts'));
    } finally {
      writeFileSync(partFiles[0]!, kept);
    }
    await s3.send(new S3.PutObjectCommand({ Bucket: 'gone', Key: 'after', Body: 'still serving' }));
    expect((await get('after')).toString()).toBe('still serving');
  });
});
