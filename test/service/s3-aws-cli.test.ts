// The AWS CLI v2 (Debian's awscli) against the service's S3: `aws s3 cp` up and down (a small file and
// one large enough for the CLI's multipart upload and ranged download), `aws s3 ls`, `aws s3 cp --sse
// aws:kms`, `aws s3api put-object --server-side-encryption aws:kms` and get-object with an SSE-C key,
// `aws s3api upload-part-copy` and get-object --part-number.

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { AWS_CLI, awsCliAt } from './cli-process.js';
import { ROOT, startTestService, type TestService } from './service-fixture.js';

const newDirectory = temporaryDirectories('kms-wasm-s3-cli-');

describe.skipIf(AWS_CLI === undefined)('the AWS CLI v2 against the service\'s S3', () => {
  let t: TestService;
  let files: string;
  let aws: (...args: string[]) => Promise<string>;
  beforeAll(async () => {
    t = await startTestService();
    files = newDirectory();
    aws = awsCliAt(t.service.url, ROOT, files);
    await aws('s3api', 'create-bucket', '--bucket', 'cli-bucket');
  });

  it('s3 cp uploads and downloads (a small file, and a 20 MiB one the CLI sends in parts); s3 ls lists them', async () => {
    const small = join(files, 'small.txt');
    writeFileSync(small, 'from the aws cli\n');
    await aws('s3', 'cp', small, 's3://cli-bucket/docs/small.txt');
    const large = join(files, 'large.bin');
    const bytes = randomBytes(20 * 1024 * 1024);
    writeFileSync(large, bytes);
    await aws('s3', 'cp', large, 's3://cli-bucket/large.bin');
    expect(t.log.some((line) => line.includes('s3:CompleteMultipartUpload') && line.includes(' 200 '))).toBe(true);

    await aws('s3', 'cp', 's3://cli-bucket/docs/small.txt', join(files, 'small.back'));
    expect(readFileSync(join(files, 'small.back'), 'utf8')).toBe('from the aws cli\n');
    await aws('s3', 'cp', 's3://cli-bucket/large.bin', join(files, 'large.back'));
    expect(readFileSync(join(files, 'large.back')).equals(bytes)).toBe(true);

    const listing = await aws('s3', 'ls', 's3://cli-bucket/');
    expect(listing).toMatch(/PRE docs\//);
    expect(listing).toMatch(new RegExp(`${bytes.length} large\\.bin`));
    expect(await aws('s3', 'ls', 's3://cli-bucket/docs/')).toMatch(/17 small\.txt/);
    expect(await aws('s3', 'ls')).toMatch(/cli-bucket/);
  });

  it('s3api put-object --server-side-encryption aws:kms and s3 cp --sse aws:kms store SSE-KMS; get-object with --sse-customer-key reads SSE-C', async () => {
    const input = join(files, 'kms.txt');
    writeFileSync(input, 'kms via cli');
    const put = JSON.parse(await aws('s3api', 'put-object', '--bucket', 'cli-bucket', '--key', 'kms.txt', '--body', input, '--server-side-encryption', 'aws:kms', '--output', 'json'));
    expect(put.ServerSideEncryption).toBe('aws:kms');
    const head = await t.s3().send(new S3.HeadObjectCommand({ Bucket: 'cli-bucket', Key: 'kms.txt' }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    const out = join(files, 'kms.back');
    await aws('s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'kms.txt', out);
    expect(readFileSync(out, 'utf8')).toBe('kms via cli');
    await aws('s3', 'cp', input, 's3://cli-bucket/cp-kms.txt', '--sse', 'aws:kms');
    expect((await t.s3().send(new S3.HeadObjectCommand({ Bucket: 'cli-bucket', Key: 'cp-kms.txt' }))).ServerSideEncryption).toBe('aws:kms');

    const customerKey = randomBytes(32);
    const keyFile = join(files, 'customer.key');
    writeFileSync(keyFile, customerKey);
    await aws('s3api', 'put-object', '--bucket', 'cli-bucket', '--key', 'ssec.txt', '--body', input,
      '--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${keyFile}`);
    const back = join(files, 'ssec.back');
    await aws('s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'ssec.txt', '--sse-customer-algorithm', 'AES256',
      '--sse-customer-key', `fileb://${keyFile}`, back);
    expect(readFileSync(back, 'utf8')).toBe('kms via cli');
    const withoutKey = await aws('s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'ssec.txt', back).catch((e: { stderr: string }) => e.stderr);
    expect(withoutKey).toMatch(/InvalidRequest|Bad Request|400/);
  });

  it('s3api upload-part-copy copies a range with the source\'s SSE-C key; get-object --part-number reads one part', async () => {
    const s3 = t.s3();
    const customerKey = randomBytes(32);
    const keyFile = join(files, 'copy-source.key');
    writeFileSync(keyFile, customerKey);
    const source = randomBytes(12 * 1024 * 1024);
    await s3.send(new S3.PutObjectCommand({ Bucket: 'cli-bucket', Key: 'copy-source.bin', Body: source, SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: customerKey.toString('base64') }));
    const { UploadId } = JSON.parse(await aws('s3api', 'create-multipart-upload', '--bucket', 'cli-bucket', '--key', 'ranged-copy.bin', '--output', 'json'));
    const copied = JSON.parse(await aws('s3api', 'upload-part-copy', '--bucket', 'cli-bucket', '--key', 'ranged-copy.bin', '--upload-id', UploadId,
      '--part-number', '1', '--copy-source', 'cli-bucket/copy-source.bin', '--copy-source-range', 'bytes=100-5243099',
      '--copy-source-sse-customer-algorithm', 'AES256', '--copy-source-sse-customer-key', `fileb://${keyFile}`, '--output', 'json'));
    expect(copied.CopyPartResult.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    await aws('s3api', 'complete-multipart-upload', '--bucket', 'cli-bucket', '--key', 'ranged-copy.bin', '--upload-id', UploadId,
      '--multipart-upload', JSON.stringify({ Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult.ETag }] }));
    const ranged = await s3.send(new S3.GetObjectCommand({ Bucket: 'cli-bucket', Key: 'ranged-copy.bin' }));
    expect(Buffer.from(await ranged.Body!.transformToByteArray()).equals(source.subarray(100, 5243100))).toBe(true);

    // An object the CLI uploaded in parts (`aws s3 cp` of 12 MiB: 8 MiB parts); its second part by number.
    const upload = join(files, 'in-parts.bin');
    writeFileSync(upload, source);
    await aws('s3', 'cp', upload, 's3://cli-bucket/in-parts.bin');
    const secondPart = join(files, 'part-2.bin');
    const head = JSON.parse(await aws('s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'in-parts.bin', '--part-number', '2', secondPart, '--output', 'json'));
    expect(head.PartsCount).toBe(2);
    expect(head.ContentRange).toBe(`bytes ${8 * 1024 * 1024}-${source.length - 1}/${source.length}`);
    expect(readFileSync(secondPart).equals(source.subarray(8 * 1024 * 1024))).toBe(true);
  });
});
