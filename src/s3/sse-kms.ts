// SSE-KMS (ServerSideEncryption aws:kms): a data key from KMS GenerateDataKey under the request's
// key, the bucket's default key or alias/aws/s3, with the object's ARN in the encryption context;
// reading needs kms:Decrypt. With an S3 Bucket Key (bucket-keys.ts) the object's data key comes from a
// bucket-level key instead, so KMS is called once per bucket key rather than per object. S3 calls KMS
// as the requester, through S3 (kms:ViaService), and reports KMS's refusals as its own errors.
// DSSE-KMS (dsse-kms.ts) takes its key and context the same way.

import { base64ToBytes } from '../core/base64.js';
import { KmsError } from '../kms/kms-errors.js';
import { kmsDataKeyResolver, kmsEncryptionMaterials } from '../kms/kms-keyring.js';
import type { Caller } from '../policy/caller.js';
import { OBJECT_ARN_KEY, PART_KEY, VERSION_ID_KEY } from './body-binding.js';
import { s3Error, type S3ErrorCode } from './s3-errors.js';
import type { ObjectWrite, SseMode, SseServices } from './sse-mode.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The requester, calling KMS through S3. */
export const viaS3 = (who: Caller): Caller => ({ principal: who.principal, viaService: 's3.amazonaws.com' });

/** A KMS refusal while serving an S3 request: S3 reports it as its own error, with the KMS error as cause. */
export function fromKms(error: unknown): never {
  if (error instanceof KmsError) {
    const code: S3ErrorCode = error.name === 'AccessDeniedException' ? 'AccessDenied'
      : error.name === 'DisabledException' ? 'KMS.DisabledException'
        : error.name === 'NotFoundException' ? 'KMS.NotFoundException' : 'KMS.KMSInvalidStateException';
    throw s3Error(code, `KMS refused: ${error.message}`, { cause: error });
  }
  throw error;
}

/**
 * The KMS key of a write (SSEKMSKeyId, else the bucket's default when the request names no SSE,
 * else the AWS managed key alias/aws/s3, created on first use) and its encryption context (the
 * request's SSEKMSEncryptionContext and the object's ARN).
 */
export async function kmsKeyAndContext({ request, bucket, objectArn }: ObjectWrite, { access }: SseServices):
  Promise<{ keyId: string; encryptionContext: Record<string, string> }> {
  const keyId = request.SSEKMSKeyId ?? (request.ServerSideEncryption === undefined ? bucket.rule?.ApplyServerSideEncryptionByDefault.KMSMasterKeyID : undefined)
    ?? await access.kms.awsManagedKeyId('s3');
  return { keyId, encryptionContext: { ...parseContext(request.SSEKMSEncryptionContext), [OBJECT_ARN_KEY]: objectArn } };
}

export const sseKms: SseMode = {
  async encrypt(layers, write, services) {
    const { request, who, bucket, objectArn, object } = write;
    const { keyId, encryptionContext } = await kmsKeyAndContext(write, services);
    if (request.BucketKeyEnabled ?? (request.ServerSideEncryption === undefined && bucket.rule?.BucketKeyEnabled === true)) {
      layers.push(await services.bucketKeys.materials(`arn:aws:s3:::${bucket.name}`, objectArn, keyId, encryptionContext, viaS3(who)).catch(fromKms));
      object.bucketKey = true;
    } else {
      layers.push(await kmsEncryptionMaterials(services.access.kms, { KeyId: keyId, EncryptionContext: encryptionContext }, viaS3(who)).catch(fromKms));
    }
    object.kmsKeyId = layers.at(-1)!.wrappedKeys[0]!.keyId;
  },
  decrypt({ object, objectArn, who }, { access, bucketKeys }) {
    return [object.bucketKey
      ? bucketKeys.resolver(objectArn.slice(0, objectArn.indexOf('/')), objectArn, viaS3(who))
      : kmsDataKeyResolver(access.kms, viaS3(who))];
  },
  headers: (object) => ({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: object.kmsKeyId, BucketKeyEnabled: object.bucketKey }),
};

/** SSEKMSEncryptionContext: base64 of the UTF-8 of a JSON object of strings, as S3's header. */
function parseContext(encoded: string | undefined): Record<string, string> {
  if (encoded === undefined) return {};
  try {
    // atob alone yields one character per byte: non-ASCII text must be decoded as UTF-8 after it.
    const context = JSON.parse(strictUtf8.decode(base64ToBytes(encoded))) as unknown;
    if (typeof context === 'object' && context !== null && !Array.isArray(context) && Object.values(context).every((v) => typeof v === 'string')) {
      for (const reserved of [OBJECT_ARN_KEY, VERSION_ID_KEY, PART_KEY]) if (reserved in context) throw new Error(`${reserved} is set by S3`);
      return context as Record<string, string>;
    }
  } catch (error) {
    throw s3Error('InvalidArgument', `SSEKMSEncryptionContext: expected base64 of a JSON object of strings (${(error as Error).message})`);
  }
  throw s3Error('InvalidArgument', 'SSEKMSEncryptionContext: expected base64 of a JSON object of strings');
}
