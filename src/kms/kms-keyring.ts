// A keyring backed by a KMS (kms-client.ts: kms-wasm's KeyManagementService, or another KMS): the data key comes from generateDataKey under a KMS
// key, with the message's encryption context as the KMS encryption context (so it is bound twice:
// by KMS to the wrapped key, and by the header to every frame), and is unwrapped with decrypt.

import type { Caller } from '../policy/caller.js';
import type { KmsClient } from '../envelope/kms-client.js';
import type { EncryptionContext } from './encryption-context.js';
import type { DataKeyResolver, EncryptionMaterials } from '../envelope/materials.js';
import { MessageFormatError } from '../envelope/message-format.js';

export const KMS_PROVIDER_ID = 'aws-kms';

export async function kmsEncryptionMaterials(kms: KmsClient, request: { KeyId: string; EncryptionContext?: EncryptionContext },
  caller?: Caller): Promise<EncryptionMaterials> {
  const encryptionContext = { ...(request.EncryptionContext ?? {}) };
  const { Plaintext, CiphertextBlob, KeyId } = await kms.generateDataKey({ KeyId: request.KeyId, KeySpec: 'AES_256', EncryptionContext: encryptionContext }, caller);
  return { dataKey: Plaintext, encryptionContext, wrappedKeys: [{ providerId: KMS_PROVIDER_ID, keyId: KeyId, blob: CiphertextBlob }] };
}

/** Unwraps the first KMS-wrapped data key in a header that the caller may decrypt. */
export function kmsDataKeyResolver(kms: KmsClient, caller?: Caller): DataKeyResolver {
  return async (header) => {
    const candidates = header.wrappedKeys.filter((k) => k.providerId === KMS_PROVIDER_ID);
    if (candidates.length === 0) throw new MessageFormatError('the message has no data key wrapped by KMS');
    let lastError: unknown;
    for (const key of candidates) {
      try {
        const { Plaintext } = await kms.decrypt({ CiphertextBlob: key.blob, KeyId: key.keyId, EncryptionContext: header.encryptionContext }, caller);
        return Plaintext;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  };
}
