import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptMessage, KeyManagementService, ObjectStore, type MessageHeader } from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(110);
const rejectsWith = (promise: Promise<unknown>, name: string) => expect(promise).rejects.toMatchObject({ name });

function setup(options: { requireSecureTransport?: boolean } = {}) {
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
  return { kms, s3: new ObjectStore({ kms, ...options }) };
}

function customerKey() {
  const key = Buffer.from(rng.bytes(32));
  return {
    raw: key,
    headers: { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(key).digest('base64') },
  };
}

const internalObject = (s3: ObjectStore, bucket: string, key: string) =>
  (s3 as unknown as { buckets: Map<string, { objects: Map<string, object> }> }).buckets.get(bucket)!.objects.get(key)!;

describe('SSE-C', () => {
  it('encrypts with the customer key, keeps only a salted HMAC of it, and reads back with the same key', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'custody' });
    const { raw, headers } = customerKey();
    for (const size of [0, 1, 65535, 65537, 2 * 1024 * 1024]) {
      const body = rng.bytes(size);
      const put = await s3.putObject({ Bucket: 'custody', Key: `o${size}`, Body: body, ...headers });
      expect(put).toMatchObject({ SSECustomerAlgorithm: 'AES256', ServerSideEncryption: undefined });
      expect(Buffer.from((await (await s3.getObject({ Bucket: 'custody', Key: `o${size}`, ...headers })).Body.transformToByteArray())).equals(body)).toBe(true);
    }
    const record = JSON.stringify(internalObject(s3, 'custody', 'o65537'), (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
    expect(record.includes(raw.toString('base64'))).toBe(false);
    expect(Buffer.from((await s3.storedBytes('custody', 'o65537'))!).includes(raw)).toBe(false);
    const range = await s3.getObject({ Bucket: 'custody', Key: 'o65537', Range: 'bytes=65530-65536', ...headers });
    expect(await range.Body.transformToByteArray()).toHaveLength(7);
    expect((await s3.headObject({ Bucket: 'custody', Key: 'o1', ...headers })).SSECustomerAlgorithm).toBe('AES256');
  });

  it('refuses a missing key, a wrong key, a wrong MD5, and SSE-C headers on other objects, revealing nothing', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'custody' });
    const { headers } = customerKey();
    await s3.putObject({ Bucket: 'custody', Key: 'k', Body: 'secret', ...headers });
    await s3.putObject({ Bucket: 'custody', Key: 'plain', Body: 'open' });
    await rejectsWith(s3.getObject({ Bucket: 'custody', Key: 'k' }), 'InvalidRequest');
    await rejectsWith(s3.headObject({ Bucket: 'custody', Key: 'k' }), 'InvalidRequest');
    const other = customerKey();
    await expect(s3.getObject({ Bucket: 'custody', Key: 'k', ...other.headers })).rejects.toMatchObject({ name: 'AccessDenied', message: expect.stringMatching(/SSE-C key does not match/) });
    await rejectsWith(s3.getObject({ Bucket: 'custody', Key: 'k', ...headers, SSECustomerKeyMD5: other.headers.SSECustomerKeyMD5 }), 'InvalidArgument');
    await rejectsWith(s3.getObject({ Bucket: 'custody', Key: 'k', ...headers, SSECustomerKey: Buffer.alloc(16).toString('base64') }), 'InvalidArgument');
    await rejectsWith(s3.getObject({ Bucket: 'custody', Key: 'k', ...headers, SSECustomerAlgorithm: 'AES128' }), 'InvalidArgument');
    await rejectsWith(s3.getObject({ Bucket: 'custody', Key: 'plain', ...headers }), 'InvalidRequest');
    await rejectsWith(s3.putObject({ Bucket: 'custody', Key: 'both', Body: 'x', ...headers, ServerSideEncryption: 'AES256' }), 'InvalidArgument');
  });

  // What is stored must stay readable by later versions: the body is an envelope message whose header
  // names the customer-key provider and the object, opened by the customer's key alone; the record
  // keeps HMAC-SHA-256(key, salt ‖ label), recomputed here with node:crypto.
  it('stores a body the customer\'s key alone opens and a key check node:crypto recomputes', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'custody' });
    const { raw, headers } = customerKey();
    await s3.putObject({ Bucket: 'custody', Key: 'k', Body: 'secret', ...headers });
    let seen: MessageHeader | undefined;
    const opened = await decryptMessage(async (header) => { seen = header; return new Uint8Array(raw); }, (await s3.storedBytes('custody', 'k'))!);
    expect(new TextDecoder().decode(opened)).toBe('secret');
    expect(seen!.wrappedKeys).toEqual([{ providerId: 'sse-c', keyId: 'customer-provided', blob: new Uint8Array(0) }]);
    expect(seen!.encryptionContext['aws:s3:arn']).toBe('arn:aws:s3:::custody/k');
    const versions = internalObject(s3, 'custody', 'k') as Array<{ customerKey: { salt: string; mac: string } }>;
    const { salt, mac } = versions.at(-1)!.customerKey;
    const label = Buffer.from('kms-wasm sse-c key check v1');
    expect(createHmac('sha256', raw).update(Buffer.concat([Buffer.from(salt, 'base64'), label])).digest('base64')).toBe(mac);
  });

  // Every SSE-C request carries all three headers, the key being 256 bits and the MD5 that of the key:
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-c-encryption.html
  it('refuses SSE-C headers that are not all three, and keys that are not 256 bits of base64, storing nothing', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'custody' });
    const { SSECustomerAlgorithm, SSECustomerKey, SSECustomerKeyMD5 } = customerKey().headers;
    const md5Of = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');
    const partial = [{ SSECustomerKey, SSECustomerKeyMD5 }, { SSECustomerAlgorithm, SSECustomerKeyMD5 }, { SSECustomerAlgorithm, SSECustomerKey },
      { SSECustomerKeyMD5 }, { SSECustomerKey }, { SSECustomerAlgorithm }];
    const badKeys = [31, 33].map((length) => Buffer.from(rng.bytes(length)))
      .map((key) => ({ SSECustomerAlgorithm, SSECustomerKey: key.toString('base64'), SSECustomerKeyMD5: md5Of(key) }));
    for (const headers of [...partial, ...badKeys, { SSECustomerAlgorithm, SSECustomerKey: '*not base64*', SSECustomerKeyMD5 }]) {
      await rejectsWith(s3.putObject({ Bucket: 'custody', Key: 'k', Body: 'x', ...headers }), 'InvalidArgument');
    }
    // The error names the header at fault.
    const named = (headers: object, field: string) =>
      expect(s3.putObject({ Bucket: 'custody', Key: 'k', Body: 'x', ...headers })).rejects.toThrow(new RegExp(`^${field}:`));
    await named({ SSECustomerAlgorithm: 'AES128', SSECustomerKey, SSECustomerKeyMD5 }, 'SSECustomerAlgorithm');
    await named(badKeys[0]!, 'SSECustomerKey');
    await named({ SSECustomerAlgorithm, SSECustomerKey, SSECustomerKeyMD5: md5Of(new Uint8Array(1)) }, 'SSECustomerKeyMD5');
    expect((await s3.listObjectsV2({ Bucket: 'custody' })).KeyCount).toBe(0);
  });

  it('with requireSecureTransport, refuses SSE-C requests not made over TLS', async () => {
    const { s3 } = setup({ requireSecureTransport: true });
    await s3.createBucket({ Bucket: 'tls-only' });
    const { headers } = customerKey();
    await rejectsWith(s3.putObject({ Bucket: 'tls-only', Key: 'k', Body: 'x', ...headers }), 'InvalidRequest');
    await rejectsWith(s3.putObject({ Bucket: 'tls-only', Key: 'k', Body: 'x', ...headers, SecureTransport: false }), 'InvalidRequest');
    await s3.putObject({ Bucket: 'tls-only', Key: 'k', Body: 'x', ...headers, SecureTransport: true });
    await rejectsWith(s3.getObject({ Bucket: 'tls-only', Key: 'k', ...headers }), 'InvalidRequest');
    expect(new TextDecoder().decode((await (await s3.getObject({ Bucket: 'tls-only', Key: 'k', ...headers, SecureTransport: true })).Body.transformToByteArray()))).toBe('x');
  });
});

describe('DSSE-KMS', () => {
  it('seals two independent layers, each under its own KMS data key, and reads whole objects and ranges through both', async () => {
    const { kms, s3 } = setup();
    await s3.createBucket({ Bucket: 'dual' });
    const body = rng.bytes(200_000);
    const before = (await kms.listAuditRecords({ EventName: 'GenerateDataKey' })).length;
    const put = await s3.putObject({ Bucket: 'dual', Key: 'd', Body: body, ServerSideEncryption: 'aws:kms:dsse' });
    expect(put.ServerSideEncryption).toBe('aws:kms:dsse');
    expect((await kms.listAuditRecords({ EventName: 'GenerateDataKey' })).length - before).toBe(2);
    expect(Buffer.from((await (await s3.getObject({ Bucket: 'dual', Key: 'd' })).Body.transformToByteArray())).equals(body)).toBe(true);
    const range = await s3.getObject({ Bucket: 'dual', Key: 'd', Range: 'bytes=70000-140000' });
    expect(Buffer.from(await range.Body.transformToByteArray()).equals(body.subarray(70000, 140001))).toBe(true);

    // Peeling the outer layer (as someone holding only that data key could) yields another ciphertext.
    const stored = (await s3.storedBytes('dual', 'd'))!;
    // KMS's encryption context is the header's without the store's version binding (body-binding.ts).
    const kmsContext = (header: { encryptionContext: Record<string, string> }) =>
      Object.fromEntries(Object.entries(header.encryptionContext).filter(([k]) => k !== 'kms-wasm:s3:version-id'));
    const inner = await decryptMessage(async (header) => (await kms.decrypt({ CiphertextBlob: header.wrappedKeys[0]!.blob,
      EncryptionContext: kmsContext(header) }, { principal: 'arn:aws:iam::111122223333:root', viaService: 's3.amazonaws.com' })).Plaintext, stored);
    expect(new TextDecoder().decode(inner.subarray(0, 4))).toBe('KWE1');
    expect(Buffer.from(inner).indexOf(Buffer.from(body.subarray(0, 32)))).toBe(-1);
    const outerKeyBlob = stored.subarray(0, 600);
    const innerKeyBlob = inner.subarray(0, 600);
    expect(Buffer.from(outerKeyBlob).equals(Buffer.from(innerKeyBlob))).toBe(false);
  });

  it('can be the bucket default, and a policy can require it', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'dual-default' });
    await s3.putBucketEncryption({ Bucket: 'dual-default', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse' } }] } });
    expect((await s3.putObject({ Bucket: 'dual-default', Key: 'x', Body: 'x' })).ServerSideEncryption).toBe('aws:kms:dsse');
    await s3.putBucketPolicy({ Bucket: 'dual-default', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::dual-default/*',
        Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms:dsse' } } }] }) });
    await rejectsWith(s3.putObject({ Bucket: 'dual-default', Key: 'y', Body: 'y', ServerSideEncryption: 'aws:kms' }), 'AccessDenied');
    await s3.putObject({ Bucket: 'dual-default', Key: 'y', Body: 'y', ServerSideEncryption: 'aws:kms:dsse' });
  });
});
