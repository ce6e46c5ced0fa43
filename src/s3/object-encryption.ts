// The encryption layers of an object, in both directions, for each SSE mode:
//   SSE-S3  (AES256)   data key wrapped by the store's own root key; no KMS call
//   SSE-KMS (aws:kms)  data key from KMS generateDataKey under the caller's key or alias/aws/s3,
//                      the object ARN in the encryption context (or a bucket key); reading needs kms:Decrypt
//   DSSE-KMS (aws:kms:dsse)  two independent layers, each an envelope message with its own KMS data key
//   SSE-C    the customer's key encrypts directly; only a salted HMAC of it is kept
// Writing, the materials are obtained before the body is read; reading, the resolvers refuse a body
// not bound to its object version (body-binding.ts).

import { base64ToBytes } from '../core/base64.js';
import type { DataKeyResolver, EncryptionMaterials } from '../envelope/materials.js';
import { KmsError } from '../kms/kms-errors.js';
import { kmsDataKeyResolver, kmsEncryptionMaterials } from '../kms/kms-keyring.js';
import type { Caller } from '../policy/caller.js';
import { OBJECT_ARN_KEY, PART_KEY, VERSION_ID_KEY } from './body-binding.js';
import type { BucketKeyCache } from './bucket-keys.js';
import type { ObjectAccess } from './object-access.js';
import { SSE_VALUES, type Bucket, type ServerSideEncryption, type StoredObject } from './object-records.js';
import type { ObjectRequest, PutObjectSettings } from './s3-api-types.js';
import { s3Error, type S3ErrorCode } from './s3-errors.js';
import { customerKeyCheck, customerKeyMaterials } from './sse-c-keyring.js';

const S3 = 's3.amazonaws.com';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

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

/** A PUT's (or an upload's) ServerSideEncryption header, checked with SSEKMSKeyId: InvalidArgument naming the field. */
export function checkSseHeaders(request: PutObjectSettings): ServerSideEncryption | undefined {
  const header = request.ServerSideEncryption;
  if (header !== undefined && !SSE_VALUES.includes(header)) {
    throw s3Error('InvalidArgument', `ServerSideEncryption: expected AES256, aws:kms or aws:kms:dsse, got ${String(header)}`);
  }
  if (request.SSEKMSKeyId !== undefined && header !== 'aws:kms' && header !== 'aws:kms:dsse') {
    throw s3Error('InvalidArgument', 'SSEKMSKeyId: only with ServerSideEncryption aws:kms or aws:kms:dsse');
  }
  return header;
}

/** What a PUT's encryption is decided from. */
export interface LayerRequest {
  request: PutObjectSettings;
  who: Caller;
  bucket: Bucket;
  objectArn: string;
  sse: ServerSideEncryption | undefined;
  /** The request's SSE-C key, if any (the caller zeroes it). */
  customerKey: Uint8Array | undefined;
  /** The version being written: gets its customerKey check, bucketKey flag and kmsKeyId. */
  object: StoredObject;
}

export class ObjectEncryption {
  constructor(private readonly access: ObjectAccess, private readonly bucketKeys: BucketKeyCache) {}

  /**
   * Adds the layers' materials to `layers`, innermost first (so the caller can zero what was obtained
   * if a later layer fails), and records on the version how it is encrypted.
   */
  async addLayers(layers: EncryptionMaterials[], { request, who, bucket, objectArn, sse, customerKey, object }: LayerRequest): Promise<void> {
    const header = request.ServerSideEncryption;
    if (customerKey) {
      layers.push(customerKeyMaterials(customerKey));
      object.customerKey = customerKeyCheck(customerKey);
    } else if (sse === 'AES256') {
      layers.push(this.access.state.sseS3.materials(objectArn));
    } else if (sse === 'aws:kms' || sse === 'aws:kms:dsse') {
      const kms = this.access.kms;
      const keyId = request.SSEKMSKeyId ?? (header === undefined ? bucket.rule?.ApplyServerSideEncryptionByDefault.KMSMasterKeyID : undefined)
        ?? await kms.awsManagedKeyId('s3');
      const encryptionContext = { ...parseContext(request.SSEKMSEncryptionContext), [OBJECT_ARN_KEY]: objectArn };
      const bucketKey = sse === 'aws:kms' && (request.BucketKeyEnabled ?? (header === undefined && bucket.rule?.BucketKeyEnabled === true));
      if (request.BucketKeyEnabled && sse !== 'aws:kms') throw s3Error('InvalidArgument', 'BucketKeyEnabled: only with SSE-KMS (aws:kms)');
      if (bucketKey) {
        layers.push(await this.bucketKeys.materials(`arn:aws:s3:::${bucket.name}`, objectArn, keyId, encryptionContext,
          { principal: who.principal, viaService: S3 }).catch(fromKms));
        object.bucketKey = true;
      }
      // DSSE-KMS: an inner and an outer layer, each sealed under its own data key from KMS.
      for (let layer = 0; layer < (bucketKey ? 0 : sse === 'aws:kms:dsse' ? 2 : 1); layer++) {
        layers.push(await kmsEncryptionMaterials(kms, { KeyId: keyId, EncryptionContext: encryptionContext },
          { principal: who.principal, viaService: S3 }).catch(fromKms));
      }
      object.kmsKeyId = layers.at(-1)!.wrappedKeys[0]!.keyId;
    }
  }

  /**
   * The data-key resolvers of an object's encryption layers, outermost first (none for plaintext,
   * two for DSSE-KMS), for each of its bodies (object-body.ts binds them to it: body-binding.ts).
   * For SSE-C, the request must carry the object's key; `dispose()` zeroes it.
   */
  layersOf(object: StoredObject, objectArn: string, who: Caller, request: ObjectRequest): DataKeyResolver[] & { dispose(): void } {
    const given = object.customerKey
      ? this.access.matchingCustomerKey(request, object.customerKey, 'The object was stored with SSE-C: the same SSECustomerAlgorithm, SSECustomerKey and SSECustomerKeyMD5 must be provided')
      : this.access.customerKey(request);
    let layers: DataKeyResolver[] = [];
    if (object.customerKey) {
      layers = [async () => given!.slice()];
    } else if (given) {
      given.fill(0);
      throw s3Error('InvalidRequest', 'SSE-C headers were given, but the object is not encrypted with SSE-C');
    } else if (object.sse === 'AES256') {
      layers = [this.access.state.sseS3.resolver(objectArn)];
    } else if (object.bucketKey) {
      layers = [this.bucketKeys.resolver(objectArn.slice(0, objectArn.indexOf('/')), objectArn, { principal: who.principal, viaService: S3 })];
    } else if (object.sse === 'aws:kms' || object.sse === 'aws:kms:dsse') {
      const resolver = kmsDataKeyResolver(this.access.kms, { principal: who.principal, viaService: S3 });
      layers = object.sse === 'aws:kms' ? [resolver] : [resolver, resolver];
    }
    return Object.assign(layers, { dispose: () => given?.fill(0) });
  }
}

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
