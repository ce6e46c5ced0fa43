// The client-side console suites' shared steps: sign in and open a bucket, upload files through
// the page, and S3EncryptionClient in Node over the same service (the other end of each round trip).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateAliasCommand, CreateKeyCommand, KMS } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { awsSdkKmsClient, ObjectStore, S3EncryptionClient, type HostKms } from '../../src/index.js';
import { ROOT, type TestService } from '../service/service-fixture.js';
import { openConsole, type ConsolePage } from './console-page.js';

/** The console (recording what the browser sends) on a service with a KMS key under `alias` and an empty `bucket`; `keyArn()` is the key's ARN once the page is open. */
export async function openConsoleWithKey(alias: string, bucket: string): Promise<ConsolePage & { keyArn(): string }> {
  let keyArn = '';
  const opened = await openConsole(async (service) => {
    keyArn = (await service.kms().send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await service.kms().send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyArn }));
    await service.s3().send(new CreateBucketCommand({ Bucket: bucket }));
  }, { recordWire: true });
  return Object.assign(opened, { keyArn: () => keyArn });
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The service's KMS through the AWS SDK, as the library's narrow KMS client. */
export const nodeKms = (service: TestService): HostKms =>
  awsSdkKmsClient(new KMS({ endpoint: service.service.url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 }), { account: '111122223333', region: 'us-east-1' });

/** S3EncryptionClient (CSE-KMS) in Node over the service's S3 and KMS, through the AWS SDK. */
export function nodeEncryptionClient(service: TestService, kmsKeyId: string): S3EncryptionClient {
  const s3 = service.s3();
  const objects = {
    getObject: (request: object) => s3.send(new GetObjectCommand(request as never)),
    putObject: (request: object) => s3.send(new PutObjectCommand(request as never)),
  } as unknown as ObjectStore;
  return new S3EncryptionClient({ s3: objects, kms: nodeKms(service), kmsKeyId });
}

/** Every file under `dir`, whole. */
export function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    .map((e) => ({ path: join(e.parentPath, e.name), bytes: readFileSync(join(e.parentPath, e.name)) }));
}

export async function signIn(page: Page, bucket: string): Promise<void> {
  await page.getByLabel('Access key ID').fill(ROOT.accessKeyId);
  await page.getByLabel('Secret access key').fill(ROOT.secretAccessKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: bucket, exact: true }).click();
  await page.locator('#upload-form').waitFor({ state: 'visible' });
}

/** Chooses `paths` in the file input and uploads them under `keyId`; resolves when every row is in a final state. */
export async function uploadThroughPage(page: Page, paths: string[], keyId: string, state = 'uploaded'): Promise<void> {
  await page.getByLabel('KMS key').fill(keyId);
  await page.getByLabel('Files').setInputFiles(paths);
  await page.getByRole('button', { name: 'Encrypt and upload' }).click();
  for (const path of paths) {
    const name = path.split('/').pop()!;
    const row = page.locator(`#transfers li[data-upload="${name}"]`).last();
    await page.locator(`#transfers li[data-upload="${name}"][data-state]`).last().waitFor({ timeout: 3_000_000 });
    expect(await row.getAttribute('data-state'), await row.textContent() ?? '').toBe(state);
  }
}


/** Stores `bucket`/`key` again with the byte at `at(length)` flipped, keeping its metadata (the wrapped key, the algorithm); resolves to a function that puts the original back. */
export async function flipStoredByte(s3: S3Client, bucket: string, key: string, at: (length: number) => number): Promise<() => Promise<void>> {
  const original = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from(await original.Body!.transformToByteArray());
  const tampered = Buffer.from(bytes);
  tampered[at(bytes.length)]! ^= 0x01;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: tampered, Metadata: original.Metadata }));
  return async () => void await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, Metadata: original.Metadata }));
}
