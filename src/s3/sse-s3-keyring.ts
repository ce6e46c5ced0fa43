// SSE-S3: each object's data key is wrapped by a root key the store owns (never the caller's, and
// no KMS call): AES-256-GCM with the object's ARN as AAD, so a wrapped key cannot move to another object.

import { gcm } from '../core/gcm.js';
import type { DataKeyResolver, EncryptionMaterials } from '../envelope/materials.js';
import { s3Error } from './s3-errors.js';

export const SSE_S3_PROVIDER_ID = 's3-managed';

export class SseS3Keyring {
  constructor(private readonly rootKey: Uint8Array, private readonly rootKeyId = 'root-1') {}

  materials(objectArn: string): EncryptionMaterials {
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = gcm(this.rootKey, iv, new TextEncoder().encode(objectArn), { constantTime: true }).encrypt(dataKey);
    const blob = new Uint8Array(12 + sealed.length);
    blob.set(iv);
    blob.set(sealed, 12);
    return { dataKey, encryptionContext: { 'aws:s3:arn': objectArn }, wrappedKeys: [{ providerId: SSE_S3_PROVIDER_ID, keyId: this.rootKeyId, blob }] };
  }

  resolver(objectArn: string): DataKeyResolver {
    return async (header) => {
      const wrapped = header.wrappedKeys.find((k) => k.providerId === SSE_S3_PROVIDER_ID && k.keyId === this.rootKeyId);
      if (!wrapped || header.encryptionContext['aws:s3:arn'] !== objectArn) throw s3Error('InvalidRequest', 'the stored object was not sealed for this object by this store');
      return gcm(this.rootKey, wrapped.blob.subarray(0, 12), new TextEncoder().encode(objectArn), { constantTime: true }).decrypt(wrapped.blob.subarray(12));
    };
  }
}
