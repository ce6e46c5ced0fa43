// `aws s3 cp --sse-c AES256 --sse-c-key fileb://KEY` of a file large enough for the CLI's multipart
// upload, up and down through `kms-wasm serve` (the built command): the CLI sends the customer key
// with CreateMultipartUpload and every UploadPart but not with CompleteMultipartUpload, which S3
// does not need it on unless the upload has a checksum algorithm
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html). The object is
// served from its parts as stored; without the key, or with another, it does not read.

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { AWS_CLI, awsCliAt, printedCredentials, serve } from './cli-process.js';

const newDirectory = temporaryDirectories('kms-wasm-cli-ssec-');

describe.skipIf(AWS_CLI === undefined)('the AWS CLI v2: aws s3 cp --sse-c through kms-wasm serve', () => {
  it('a 20 MiB file goes up in parts with an SSE-C key and comes back with it; without it or with another key it does not', async () => {
    const started = await serve(newDirectory());
    const files = newDirectory();
    const aws = awsCliAt(started.url, printedCredentials(started.stdout()), files);
    await aws('s3api', 'create-bucket', '--bucket', 'ssec-cli');
    const keyFile = join(files, 'customer.key');
    writeFileSync(keyFile, randomBytes(32));
    const otherKey = join(files, 'other.key');
    writeFileSync(otherKey, randomBytes(32));
    const bytes = randomBytes(20 * 1024 * 1024 + 5); // the CLI's 8 MiB parts: three of them
    const input = join(files, 'large.bin');
    writeFileSync(input, bytes);

    await aws('s3', 'cp', input, 's3://ssec-cli/large.bin', '--sse-c', 'AES256', '--sse-c-key', `fileb://${keyFile}`);
    const head = JSON.parse(await aws('s3api', 'head-object', '--bucket', 'ssec-cli', '--key', 'large.bin', '--sse-customer-algorithm', 'AES256',
      '--sse-customer-key', `fileb://${keyFile}`, '--part-number', '1', '--output', 'json'));
    expect(head.PartsCount).toBe(3);
    expect(head.SSECustomerAlgorithm).toBe('AES256');
    const back = join(files, 'large.back');
    await aws('s3', 'cp', 's3://ssec-cli/large.bin', back, '--sse-c', 'AES256', '--sse-c-key', `fileb://${keyFile}`);
    expect(readFileSync(back).equals(bytes)).toBe(true);

    const refused = (key?: string) => aws('s3', 'cp', 's3://ssec-cli/large.bin', join(files, 'refused.bin'), ...(key ? ['--sse-c', 'AES256', '--sse-c-key', `fileb://${key}`] : []))
      .then(() => 'read', (error: { stderr: string }) => error.stderr);
    expect(await refused()).toMatch(/400|Bad Request/);
    expect(await refused(otherKey)).toMatch(/403|Forbidden/);
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });
});
