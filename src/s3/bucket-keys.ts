// S3 Bucket Keys: instead of one KMS call per object, a bucket-level key from KMS (generateDataKey
// with the bucket ARN as encryption context) is cached for a bounded time, and each object's data
// key is derived from it locally: HKDF-SHA-256(bucket key, salt = 32 random bytes, info = label ‖
// object ARN). The salt and the bucket key's KMS blob travel in the object's header.
//
// Cached keys are per principal: a principal's first use still goes through KMS (and its key
// policy), so nobody reads through another principal's cache. Keys are zeroed when they expire.

import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { DataKeyResolver, EncryptionMaterials } from '../envelope/materials.js';
import type { KmsClient } from '../envelope/kms-client.js';
import type { Caller } from '../policy/caller.js';
import { s3Error } from './s3-errors.js';

export const BUCKET_KEY_PROVIDER_ID = 's3-bucket-key';
const SALT_BYTES = 32;
const encoder = new TextEncoder();

interface CachedKey {
  key: Uint8Array;
  blob: Uint8Array;
  keyArn: string;
  expires: number;
}


function objectKey(bucketKey: Uint8Array, salt: Uint8Array, objectArn: string): Uint8Array {
  return hkdf(sha256, bucketKey, salt, encoder.encode(`kms-wasm s3 bucket key v1|${objectArn}`), 32);
}

export class BucketKeyCache {
  private readonly entries = new Map<string, CachedKey>();

  constructor(private readonly kms: KmsClient, private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  /** Materials for a new object under `kmsKeyId`, from the caller's cached bucket key (or a new one). */
  async materials(bucketArn: string, objectArn: string, kmsKeyId: string, encryptionContext: Record<string, string>, caller: Caller): Promise<EncryptionMaterials> {
    const cacheKey = `write|${caller.principal}|${bucketArn}|${kmsKeyId}`;
    let entry = this.live(cacheKey);
    if (!entry) {
      const { Plaintext, CiphertextBlob, KeyId } = await this.kms.generateDataKey({ KeyId: kmsKeyId, KeySpec: 'AES_256',
        EncryptionContext: { 'aws:s3:arn': bucketArn } }, caller);
      entry = { key: Plaintext, blob: CiphertextBlob, keyArn: KeyId, expires: this.now() + this.ttlMs };
      this.entries.set(cacheKey, entry);
    }
    const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
    const blob = new Uint8Array(SALT_BYTES + entry.blob.length);
    blob.set(salt);
    blob.set(entry.blob, SALT_BYTES);
    return {
      dataKey: objectKey(entry.key, salt, objectArn),
      encryptionContext: { ...encryptionContext },
      wrappedKeys: [{ providerId: BUCKET_KEY_PROVIDER_ID, keyId: entry.keyArn, blob }],
    };
  }

  /**
   * Unwraps an object's data key: the bucket key via KMS on this caller's first use, then from the
   * cache. Deriving it for `objectArn` fails a body of another object; body-binding.ts says which.
   */
  resolver(bucketArn: string, objectArn: string, caller: Caller): DataKeyResolver {
    return async (header) => {
      const wrapped = header.wrappedKeys.find((k) => k.providerId === BUCKET_KEY_PROVIDER_ID);
      if (!wrapped) throw s3Error('InvalidRequest', 'the stored object was not sealed with a bucket key');
      const salt = wrapped.blob.subarray(0, SALT_BYTES);
      const blob = wrapped.blob.subarray(SALT_BYTES);
      const cacheKey = `read|${caller.principal}|${bucketArn}|${bytesToHex(blob)}`;
      let entry = this.live(cacheKey);
      if (!entry) {
        const { Plaintext, KeyId } = await this.kms.decrypt({ CiphertextBlob: blob, KeyId: wrapped.keyId, EncryptionContext: { 'aws:s3:arn': bucketArn } }, caller);
        entry = { key: Plaintext, blob: blob.slice(), keyArn: KeyId, expires: this.now() + this.ttlMs };
        this.entries.set(cacheKey, entry);
      }
      return objectKey(entry.key, salt, objectArn);
    };
  }

  /** Zeroes and forgets every cached bucket key. */
  clear(): void {
    for (const entry of this.entries.values()) entry.key.fill(0);
    this.entries.clear();
  }

  private live(cacheKey: string): CachedKey | undefined {
    const entry = this.entries.get(cacheKey);
    if (entry && entry.expires > this.now()) return entry;
    if (entry) {
      entry.key.fill(0);
      this.entries.delete(cacheKey);
    }
    return undefined;
  }
}
