// S3 Bucket Keys' cache, apart from the store: each object's data key checked against node:crypto's
// HKDF, the bucket key bound to the bucket's ARN at KMS, one cache entry per principal, bucket and
// KMS key, entries that expire at their TTL and are zeroed when they do or when the cache is cleared.
import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Iam, KeyManagementService } from '../../src/index.js';
import type { KmsClient } from '../../src/envelope/kms-client.js';
import type { MessageHeader } from '../../src/envelope/message-format.js';
import { BucketKeyCache, BUCKET_KEY_PROVIDER_ID } from '../../src/s3/bucket-keys.js';

const ACCOUNT = '111122223333';
const ROOT = { principal: `arn:aws:iam::${ACCOUNT}:root` };
const ALICE = { principal: `arn:aws:iam::${ACCOUNT}:user/alice` };
const BUCKET = 'arn:aws:s3:::bucket';
const OBJECT = `${BUCKET}/object`;
const TTL = 60_000;

/** A KMS whose calls are counted and whose data keys the test keeps, to see them zeroed. */
async function setup() {
  const iam = new Iam();
  iam.putPrincipalPolicy({ PrincipalArn: ALICE.principal, PolicyName: 'kms', PolicyDocument: JSON.stringify({ Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*' }] }) });
  const kms = new KeyManagementService({ account: ACCOUNT, region: 'us-east-1', iam });
  const { KeyMetadata: key } = await kms.createKey();
  const { KeyMetadata: other } = await kms.createKey();
  const calls: string[] = [];
  const handedOut: Uint8Array[] = [];
  const counting = {
    generateDataKey: async (request, caller) => {
      calls.push('GenerateDataKey');
      const response = await kms.generateDataKey(request, caller);
      handedOut.push(response.Plaintext);
      return response;
    },
    decrypt: async (request, caller) => {
      calls.push('Decrypt');
      const response = await kms.decrypt(request, caller);
      handedOut.push(response.Plaintext);
      return response;
    },
  } as Pick<KmsClient, 'generateDataKey' | 'decrypt'> as KmsClient;
  let now = 1_000_000;
  const cache = new BucketKeyCache(counting, TTL, () => now);
  return { kms, key, other, calls, handedOut, cache, advance: (ms: number) => { now += ms; } };
}

const header = (wrappedKeys: MessageHeader['wrappedKeys']): MessageHeader =>
  ({ algorithm: 0, messageId: new Uint8Array(32), frameBytes: 65536, encryptionContext: {}, wrappedKeys });
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('BucketKeyCache', () => {
  it('derives each object\'s key by HKDF-SHA-256 from a bucket key KMS made for the bucket\'s ARN; the header carries salt ‖ KMS blob', async () => {
    const { kms, key, cache } = await setup();
    const context = { team: 'a' };
    const materials = await cache.materials(BUCKET, OBJECT, key.KeyId, context, ROOT);
    expect(materials.encryptionContext).toEqual({ team: 'a' });
    expect(materials.encryptionContext).not.toBe(context);
    const [wrapped] = materials.wrappedKeys;
    expect(materials.wrappedKeys).toHaveLength(1);
    expect(wrapped!.providerId).toBe('s3-bucket-key');
    expect(BUCKET_KEY_PROVIDER_ID).toBe('s3-bucket-key');
    expect(wrapped!.keyId).toBe(key.Arn);
    const salt = wrapped!.blob.subarray(0, 32);
    const { Plaintext: bucketKey, KeyId } = await kms.decrypt({ CiphertextBlob: wrapped!.blob.subarray(32), EncryptionContext: { 'aws:s3:arn': BUCKET } });
    expect(KeyId).toBe(key.Arn);
    expect(bucketKey).toHaveLength(32); // AES_256
    await expect(kms.decrypt({ CiphertextBlob: wrapped!.blob.subarray(32), EncryptionContext: { 'aws:s3:arn': OBJECT } })).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    const expected = Buffer.from(hkdfSync('sha256', bucketKey, salt, `kms-wasm s3 bucket key v1|${OBJECT}`, 32));
    expect(hex(materials.dataKey)).toBe(expected.toString('hex'));
    expect(hex(await cache.resolver(BUCKET, OBJECT, ROOT)(header([wrapped!])))).toBe(expected.toString('hex'));
    // Another object, or the same one again: another salt, another key.
    const again = await cache.materials(BUCKET, OBJECT, key.KeyId, {}, ROOT);
    expect(hex(again.wrappedKeys[0]!.blob.subarray(0, 32))).not.toBe(hex(salt));
    expect(hex(again.wrappedKeys[0]!.blob.subarray(32))).toBe(hex(wrapped!.blob.subarray(32)));
    expect(hex(again.dataKey)).not.toBe(hex(materials.dataKey));
  });

  it('a body read for another object derives another key; a header without a bucket key is refused', async () => {
    const { key, cache } = await setup();
    const { dataKey, wrappedKeys } = await cache.materials(BUCKET, OBJECT, key.KeyId, {}, ROOT);
    expect(hex(await cache.resolver(BUCKET, `${BUCKET}/moved`, ROOT)(header(wrappedKeys)))).not.toBe(hex(dataKey));
    const decoy = { providerId: 'aws-kms', keyId: key.Arn, blob: wrappedKeys[0]!.blob };
    expect(hex(await cache.resolver(BUCKET, OBJECT, ROOT)(header([decoy, ...wrappedKeys])))).toBe(hex(dataKey));
    await expect(cache.resolver(BUCKET, OBJECT, ROOT)(header([decoy]))).rejects.toMatchObject({ name: 'InvalidRequest', message: 'the stored object was not sealed with a bucket key' });
    // The bucket's ARN is the KMS context: read as another bucket's, KMS refuses the blob.
    await expect(cache.resolver('arn:aws:s3:::elsewhere', OBJECT, ROOT)(header(wrappedKeys))).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('caches one bucket key per principal, bucket and KMS key, for writes and for reads, until its TTL', async () => {
    const { key, other, calls, cache, advance } = await setup();
    const written = await cache.materials(BUCKET, OBJECT, key.KeyId, {}, ROOT);
    await cache.materials(BUCKET, `${BUCKET}/2`, key.KeyId, {}, ROOT);
    expect(calls).toEqual(['GenerateDataKey']);
    await cache.materials(BUCKET, OBJECT, key.KeyId, {}, ALICE); // another principal goes to KMS (and its key policy) itself
    await cache.materials('arn:aws:s3:::bucket2', OBJECT, key.KeyId, {}, ROOT);
    await cache.materials(BUCKET, OBJECT, other.KeyId, {}, ROOT);
    expect(calls).toHaveLength(4);
    calls.length = 0;
    await cache.resolver(BUCKET, OBJECT, ROOT)(header(written.wrappedKeys));
    await cache.resolver(BUCKET, OBJECT, ROOT)(header(written.wrappedKeys));
    expect(calls).toEqual(['Decrypt']); // a write's cache entry is not a read's
    await cache.resolver(BUCKET, OBJECT, ALICE)(header(written.wrappedKeys));
    expect(calls).toEqual(['Decrypt', 'Decrypt']);
    calls.length = 0;
    advance(TTL - 1);
    await cache.materials(BUCKET, OBJECT, key.KeyId, {}, ROOT);
    await cache.resolver(BUCKET, OBJECT, ROOT)(header(written.wrappedKeys));
    expect(calls).toEqual([]);
    advance(1); // at its TTL an entry is gone
    await cache.materials(BUCKET, OBJECT, key.KeyId, {}, ROOT);
    await cache.resolver(BUCKET, OBJECT, ROOT)(header(written.wrappedKeys));
    expect(calls).toEqual(['GenerateDataKey', 'Decrypt']);
  });

  it('zeroes a bucket key when it expires and when the cache is cleared', async () => {
    const { key, calls, handedOut, cache, advance } = await setup();
    const written = await cache.materials(BUCKET, OBJECT, key.KeyId, {}, ROOT);
    await cache.resolver(BUCKET, OBJECT, ROOT)(header(written.wrappedKeys));
    expect(handedOut.map((k) => k.some((b) => b !== 0))).toEqual([true, true]);
    advance(TTL);
    await cache.materials(BUCKET, OBJECT, key.KeyId, {}, ROOT); // finds the write entry expired
    expect(handedOut.map((k) => k.some((b) => b !== 0))).toEqual([false, true, true]);
    cache.clear();
    expect(handedOut.every((k) => k.every((b) => b === 0))).toBe(true);
    calls.length = 0;
    await cache.materials(BUCKET, OBJECT, key.KeyId, {}, ROOT);
    await cache.resolver(BUCKET, OBJECT, ROOT)(header(written.wrappedKeys));
    expect(calls).toEqual(['GenerateDataKey', 'Decrypt']);
  });
});
