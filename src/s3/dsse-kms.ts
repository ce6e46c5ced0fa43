// DSSE-KMS (ServerSideEncryption aws:kms:dsse): two independent layers, each an envelope message
// sealed under its own data key from KMS, both under the same KMS key and encryption context as
// SSE-KMS would take (sse-kms.ts); S3 Bucket Keys do not apply.

import { kmsDataKeyResolver, kmsEncryptionMaterials } from '../kms/kms-keyring.js';
import { s3Error } from './s3-errors.js';
import { fromKms, kmsKeyAndContext, viaS3 } from './sse-kms.js';
import type { SseMode } from './sse-mode.js';

export const dsseKms: SseMode = {
  async encrypt(layers, write, services) {
    const { keyId, encryptionContext } = await kmsKeyAndContext(write, services);
    if (write.request.BucketKeyEnabled) throw s3Error('InvalidArgument', 'BucketKeyEnabled: only with SSE-KMS (aws:kms)');
    for (let layer = 0; layer < 2; layer++) { // the inner layer first
      layers.push(await kmsEncryptionMaterials(services.access.kms, { KeyId: keyId, EncryptionContext: encryptionContext }, viaS3(write.who)).catch(fromKms));
    }
    write.object.kmsKeyId = layers.at(-1)!.wrappedKeys[0]!.keyId;
  },
  decrypt({ who }, { access }) {
    const resolver = kmsDataKeyResolver(access.kms, viaS3(who));
    return [resolver, resolver];
  },
  headers: (object) => ({ ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: object.kmsKeyId }),
};
