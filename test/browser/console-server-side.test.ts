// The console's server-side encryption choices in headless Chromium against an in-process
// `kms-wasm serve`: SSE-KMS (with and without the S3 Bucket Key) and SSE-C uploads from the page,
// checked from Node with the AWS SDK (what S3 says of each object, and its bytes); downloads through
// the page, an SSE-C object's with its key asked for; a wrong SSE-C key shows S3's 403 refusal and
// saves nothing; a malformed key is refused before anything is sent; the listing names each object's
// encryption.
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Download, Page, Request } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { failure } from '../service/service-fixture.js';
import { filesUnder, openConsoleWithKey, sha256, signIn } from './client-side-steps.js';

const MiB = 1024 * 1024;
const newDirectory = temporaryDirectories('kms-wasm-console-sse-');
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');

describe('the console in Chromium: SSE-KMS and SSE-C uploads and downloads', async () => {
  const opened = await openConsoleWithKey('alias/sse', 'sse');
  const { service, pageErrors } = opened;
  let keyArn = '';
  let page: Page;
  let s3: S3Client;
  const files = newDirectory();
  const plaintexts = new Map<string, Buffer>();
  const downloads: Download[] = [];
  const requests: Request[] = [];
  let customerKey = '';

  beforeAll(async () => {
    page = opened.page;
    keyArn = opened.keyArn();
    s3 = service.s3();
    page.on('download', (download) => downloads.push(download));
    page.on('request', (request) => requests.push(request));
    await signIn(page, 'sse');
    await page.evaluate(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true, writable: true }));
  });

  /** Writes `bytes` as file `name`, chooses it with the encryption `mode` (the fields already filled), and uploads it; resolves to its row's state. */
  async function upload(name: string, bytes: Buffer, mode: RegExp): Promise<string> {
    writeFileSync(join(files, name), bytes);
    plaintexts.set(name, bytes);
    await page.getByRole('radio', { name: mode }).check();
    await page.getByLabel('Files').setInputFiles([join(files, name)]);
    await page.getByRole('button', { name: 'Encrypt and upload' }).click();
    await page.locator(`#transfers li[data-upload="${name}"][data-state]`).waitFor({ timeout: 300_000 });
    return (await page.locator(`#transfers li[data-upload="${name}"]`).getAttribute('data-state'))!;
  }

  /** Clicks Download on `key`'s row (then `answer`, for an SSE-C dialog); resolves to the saved bytes, or the error the page shows. */
  async function download(key: string, answer?: () => Promise<void>): Promise<{ bytes?: Buffer; error?: string }> {
    const before = downloads.length;
    await page.locator('#error').evaluate((banner: HTMLElement) => { banner.hidden = true; banner.textContent = ''; });
    await page.getByRole('button', { name: `Download ${key}`, exact: true }).click();
    await answer?.();
    await expect.poll(async () => downloads.length > before || await page.locator('#error').isVisible(), { timeout: 120_000, interval: 100 }).toBe(true);
    if (downloads.length > before) return { bytes: readFileSync((await downloads[before]!.path())!) };
    return { error: (await page.locator('#error').textContent())! };
  }

  const encryptionShown = (key: string) => page.locator(`#objects-body tr[data-key="${key}"] .encryption`).textContent();

  it('SSE-KMS with the S3 Bucket Key: the service encrypts under the chosen key, as S3 reports it', async () => {
    await page.getByRole('radio', { name: /^SSE-KMS/ }).check();
    await expect.poll(() => page.getByLabel('Customer key (base64, 256 bits)').isVisible()).toBe(false);
    await page.getByLabel('KMS key').fill('alias/sse');
    await page.getByRole('checkbox', { name: /S3 Bucket Key/ }).check();
    expect(await upload('kms-bucket-key.bin', randomBytes(9 * MiB + 3), /^SSE-KMS/)).toBe('uploaded');
    expect(await page.locator('#transfers li[data-upload="kms-bucket-key.bin"] .transfer-status').textContent()).toMatch(/^Uploaded 9\.0 MiB, encrypted by the service with SSE-KMS under alias\/sse/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sse', Key: 'kms-bucket-key.bin' }));
    expect([head.ServerSideEncryption, head.SSEKMSKeyId, head.BucketKeyEnabled]).toEqual(['aws:kms', keyArn, true]);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: 'sse', Key: 'kms-bucket-key.bin' }))).Body!.transformToByteArray();
    expect(sha256(body)).toBe(sha256(plaintexts.get('kms-bucket-key.bin')!));
    await expect.poll(() => encryptionShown('kms-bucket-key.bin')).toBe(`SSE-KMS (${keyArn}, S3 Bucket Key)`);
  }, 300_000);

  it('SSE-KMS without the Bucket Key', async () => {
    await page.getByRole('radio', { name: /^SSE-KMS/ }).check();
    await page.getByRole('checkbox', { name: /S3 Bucket Key/ }).uncheck();
    expect(await upload('kms.txt', Buffer.from('server-side, under a KMS key'), /^SSE-KMS/)).toBe('uploaded');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sse', Key: 'kms.txt' }));
    expect([head.ServerSideEncryption, head.SSEKMSKeyId, head.BucketKeyEnabled ?? false]).toEqual(['aws:kms', keyArn, false]);
    await expect.poll(() => encryptionShown('kms.txt')).toBe(`SSE-KMS (${keyArn})`);
  });

  it('an SSE-KMS object downloads through the page as the service decrypts it', async () => {
    const { bytes, error } = await download('kms-bucket-key.bin');
    expect(error).toBeUndefined();
    expect(sha256(bytes!)).toBe(sha256(plaintexts.get('kms-bucket-key.bin')!));
  });

  it('a malformed customer key is refused in the page, before any request', async () => {
    await page.getByRole('radio', { name: /^SSE-C/ }).check();
    await expect.poll(() => page.getByLabel('KMS key').isVisible()).toBe(false);
    await page.getByLabel('Customer key (base64, 256 bits)').fill(Buffer.alloc(16, 7).toString('base64')); // 128 bits
    const before = requests.length;
    writeFileSync(join(files, 'short-key.txt'), 'never sent');
    await page.getByLabel('Files').setInputFiles([join(files, 'short-key.txt')]);
    await page.getByRole('button', { name: 'Encrypt and upload' }).click();
    await expect.poll(() => page.locator('#error').textContent()).toBe('InvalidArgument: Customer key (SSE-C): expected base64 of a 256-bit key');
    expect(requests.slice(before).filter((r) => r.url().includes('short-key'))).toEqual([]);
  });

  it('SSE-C with a key generated in the page: every request carries it and its MD5; S3 needs it to read the object', async () => {
    await page.getByRole('radio', { name: /^SSE-C/ }).check();
    await page.getByRole('button', { name: 'Generate' }).click();
    customerKey = await page.getByLabel('Customer key (base64, 256 bits)').inputValue();
    const key = Buffer.from(customerKey, 'base64');
    expect(key.length).toBe(32);
    const before = requests.length;
    expect(await upload('customer.bin', randomBytes(9 * MiB + 11), /^SSE-C/)).toBe('uploaded');
    // The upload's requests (the listing then HEADs the object without the key, which S3 refuses: see the last test).
    const sent = requests.slice(before).filter((r) => r.url().includes('/sse/customer.bin') && r.method() !== 'HEAD');
    expect(sent.map((r) => r.method())).toEqual(['POST', 'PUT', 'PUT', 'POST']); // create, two parts, complete
    for (const request of sent) {
      expect(request.headers()).toMatchObject({ 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': customerKey,
        'x-amz-server-side-encryption-customer-key-md5': md5(key) });
    }
    const withKey = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: customerKey, SSECustomerKeyMD5: md5(key) };
    const { Body, SSECustomerAlgorithm } = await s3.send(new GetObjectCommand({ Bucket: 'sse', Key: 'customer.bin', ...withKey }));
    expect(SSECustomerAlgorithm).toBe('AES256');
    expect(sha256(await Body!.transformToByteArray())).toBe(sha256(plaintexts.get('customer.bin')!));
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket: 'sse', Key: 'customer.bin' })))).status).toBe(400);
    await expect.poll(() => encryptionShown('customer.bin')).toBe('SSE-C (customer key)');
    // The page keeps the key nowhere but the field it is in.
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }))).not.toContain(customerKey);
  }, 300_000);

  it('an SSE-C object downloads with its key, asked for in a dialog', async () => {
    const { bytes, error } = await download('customer.bin', async () => {
      await page.getByLabel('Customer key (base64)', { exact: true }).fill(customerKey);
      await page.getByRole('button', { name: 'Download', exact: true }).click();
    });
    expect(error).toBeUndefined();
    expect(sha256(bytes!)).toBe(sha256(plaintexts.get('customer.bin')!));
    expect(await page.getByLabel('Customer key (base64)', { exact: true }).inputValue()).toBe(''); // not kept in the dialog
  });

  it('a wrong SSE-C key: the page shows S3\'s 403 refusal, and nothing is saved', async () => {
    const before = downloads.length;
    const { bytes, error } = await download('customer.bin', async () => {
      await page.getByLabel('Customer key (base64)', { exact: true }).fill(randomBytes(32).toString('base64'));
      await page.getByRole('button', { name: 'Download', exact: true }).click();
    });
    expect(bytes).toBeUndefined();
    expect(error).toBe('AccessDenied: the SSE-C key does not match the key the object was stored with');
    expect(downloads.length).toBe(before);
  });

  it('SSE-C from a passphrase: each object\'s key is PBKDF2-HMAC-SHA-256 of it (600,000 iterations, salt naming the object), as node:crypto derives it', async () => {
    const passphrase = 'correct horse battery staple, in a page';
    await page.getByRole('radio', { name: /^SSE-C/ }).check();
    await page.getByLabel('Customer key (base64, 256 bits)').fill(passphrase);
    await page.getByRole('checkbox', { name: /It is a passphrase/ }).check();
    const before = requests.length;
    expect(await upload('from-passphrase.bin', randomBytes(3 * MiB + 5), /^SSE-C/)).toBe('uploaded');
    const derived = pbkdf2Sync(passphrase, `kms-wasm console SSE-C v1\0sse\0from-passphrase.bin`, 600_000, 32, 'sha256');
    const sent = requests.slice(before).filter((r) => r.url().includes('/sse/from-passphrase.bin') && r.method() !== 'HEAD');
    expect(sent.length).toBeGreaterThan(0);
    for (const request of sent) expect(request.headers()['x-amz-server-side-encryption-customer-key']).toBe(derived.toString('base64'));
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: 'sse', Key: 'from-passphrase.bin', SSECustomerAlgorithm: 'AES256', SSECustomerKey: derived.toString('base64'), SSECustomerKeyMD5: md5(derived) }));
    expect(sha256(await Body!.transformToByteArray())).toBe(sha256(plaintexts.get('from-passphrase.bin')!));

    const answer = (text: string) => async () => {
      await page.getByLabel('Customer key (base64)', { exact: true }).fill(text);
      await page.getByRole('checkbox', { name: /passphrase the key was derived from/ }).check();
      await page.getByRole('button', { name: 'Download', exact: true }).click();
    };
    const { bytes, error } = await download('from-passphrase.bin', answer(passphrase));
    expect(error).toBeUndefined();
    expect(sha256(bytes!)).toBe(sha256(plaintexts.get('from-passphrase.bin')!));
    expect(await page.locator('#download-customer-key-passphrase').isChecked()).toBe(false); // the closed dialog keeps nothing
    const wrong = await download('from-passphrase.bin', answer(`${passphrase}!`));
    expect(wrong.error).toBe('AccessDenied: the SSE-C key does not match the key the object was stored with');
    await page.getByRole('checkbox', { name: /It is a passphrase/ }).uncheck();
  }, 300_000);

  it('the customer key never reached the service\'s files or log', async () => {
    const key = Buffer.from(customerKey, 'base64');
    const stored = [...filesUnder(service.dir), { path: 'request log', bytes: Buffer.from(service.log.join('\n')) }];
    for (const { path, bytes } of stored) {
      for (const form of [key, Buffer.from(customerKey), Buffer.from(key.toString('hex'))]) expect(bytes.indexOf(form), path).toBe(-1);
    }
    // It crossed the wire in its headers (as SSE-C requires), which the relay saw: the check finds what it looks for.
    expect(Buffer.concat(opened.sent).includes(customerKey)).toBe(true);
  });

  it('no script error or failed load on the way but the refusals above and the listing\'s key-less HEAD of an SSE-C object (400, as S3 answers it)', async () => {
    expect(pageErrors.filter((e) => !/Failed to load resource: .* (400|403)/.test(e))).toEqual([]);
  });
});
