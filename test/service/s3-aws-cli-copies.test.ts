// The AWS CLI v2 copying inside the service's S3: `aws s3 cp s3://… s3://…` of an object above the
// CLI's 8 MiB multipart threshold (HeadObject and GetObjectTagging of the source, then
// CreateMultipartUpload and UploadPartCopy), and of a small one (CopyObject), each also with
// `--sse aws:kms`; `aws s3api copy-object` with the copy-source conditions.

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { AWS_CLI, awsCliAt } from './cli-process.js';
import { ROOT, startTestService, type TestService } from './service-fixture.js';

const newDirectory = temporaryDirectories('kms-wasm-s3-cli-copies-');
const MiB = 1024 * 1024;

describe.skipIf(AWS_CLI === undefined)('the AWS CLI v2 copying objects inside the service\'s S3', () => {
  let t: TestService;
  let aws: (...args: string[]) => Promise<string>;
  const big = randomBytes(9 * MiB + 5);
  const small = randomBytes(1000);
  const read = async (Key: string) => {
    const got = await t.s3().send(new S3.GetObjectCommand({ Bucket: 'cli-copies', Key }));
    return { bytes: Buffer.from(await got.Body!.transformToByteArray()), sse: got.ServerSideEncryption };
  };
  /** Whether the object `Key` holds `bytes`, and its SSE (Buffer.equals: a deep toEqual of MiBs takes minutes). */
  const holds = async (Key: string, bytes: Buffer) => {
    const got = await read(Key);
    return { same: got.bytes.equals(bytes), sse: got.sse };
  };
  beforeAll(async () => {
    t = await startTestService();
    const files = newDirectory();
    aws = awsCliAt(t.service.url, ROOT, files);
    await aws('s3api', 'create-bucket', '--bucket', 'cli-copies');
    writeFileSync(join(files, 'big.bin'), big);
    writeFileSync(join(files, 'small.bin'), small);
    await aws('s3', 'cp', join(files, 'big.bin'), 's3://cli-copies/big.bin');
    await aws('s3', 'cp', join(files, 'small.bin'), 's3://cli-copies/small.bin');
  });

  it('s3 cp S3→S3 of a 9 MiB object: a multipart copy that reads the source\'s tags first', async () => {
    await aws('s3', 'cp', 's3://cli-copies/big.bin', 's3://cli-copies/big-copy.bin');
    expect((await holds('big-copy.bin', big)).same).toBe(true);
    expect(t.log.some((line) => line.includes('s3:GetObjectTagging') && line.includes(' 200 '))).toBe(true);
    expect(t.log.some((line) => line.includes('s3:UploadPartCopy') && line.includes(' 200 '))).toBe(true);
  });

  it('s3 cp S3→S3 --sse aws:kms, multipart and single copy: the copies are SSE-KMS with the same bytes', async () => {
    await aws('s3', 'cp', 's3://cli-copies/big.bin', 's3://cli-copies/big-kms.bin', '--sse', 'aws:kms');
    expect(await holds('big-kms.bin', big)).toEqual({ same: true, sse: 'aws:kms' });
    await aws('s3', 'cp', 's3://cli-copies/small.bin', 's3://cli-copies/small-kms.bin', '--sse', 'aws:kms');
    expect(await holds('small-kms.bin', small)).toEqual({ same: true, sse: 'aws:kms' });
    expect(t.log.some((line) => line.includes('s3:CopyObject') && line.includes(' 200 '))).toBe(true);
  });
});
