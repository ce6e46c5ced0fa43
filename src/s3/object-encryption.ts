// Which SSE mode encrypts an object, and the checks that come before any mode's: a write's SSE
// headers, and a read's SSE-C headers against the version's. Each mode's own work, both ways, is in
// its module (sse-mode.ts lists them). Writing, the materials are obtained before the body is read;
// reading, the resolvers refuse a body not bound to its object version (body-binding.ts).

import type { DataKeyResolver, EncryptionMaterials } from '../envelope/materials.js';
import type { Caller } from '../policy/caller.js';
import type { BucketKeyCache } from './bucket-keys.js';
import { dsseKms } from './dsse-kms.js';
import type { ObjectAccess } from './object-access.js';
import { SSE_VALUES, type ServerSideEncryption, type StoredObject } from './object-records.js';
import type { ObjectRequest, PutObjectSettings } from './s3-api-types.js';
import { s3Error } from './s3-errors.js';
import { sseC } from './sse-c.js';
import { sseKms } from './sse-kms.js';
import type { ObjectWrite, SseHeaders, SseMode, SseServices, VersionEncryption } from './sse-mode.js';
import { sseNone } from './sse-none.js';
import { sseS3 } from './sse-s3.js';

const MODES: Record<ServerSideEncryption, SseMode> = { AES256: sseS3, 'aws:kms': sseKms, 'aws:kms:dsse': dsseKms };

/** The mode of a write (`customerKey`: SSE-C) or of a stored version. */
function modeOf({ customerKey, sse }: { customerKey?: unknown; sse?: ServerSideEncryption }): SseMode {
  if (customerKey) return sseC;
  return sse === undefined ? sseNone : MODES[sse];
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

/** The SSE fields S3 answers with for a version: its mode's, every field named, undefined where the mode sets none (as ObjectStore has always answered). */
export function sseHeaders(object: VersionEncryption): SseHeaders {
  return { ServerSideEncryption: undefined, SSEKMSKeyId: undefined, BucketKeyEnabled: undefined, SSECustomerAlgorithm: undefined, ...modeOf(object).headers(object) };
}

export class ObjectEncryption {
  private readonly services: SseServices;

  constructor(access: ObjectAccess, bucketKeys: BucketKeyCache) {
    this.services = { access, bucketKeys };
  }

  /**
   * Adds the layers' materials to `layers`, innermost first (so the caller can zero what was obtained
   * if a later layer fails), and records on the version how it is encrypted.
   */
  addLayers(layers: EncryptionMaterials[], write: ObjectWrite): Promise<void> {
    return modeOf(write).encrypt(layers, write, this.services);
  }

  /**
   * The data-key resolvers of an object's encryption layers, outermost first (none for plaintext,
   * two for DSSE-KMS), for each of its bodies (object-body.ts binds them to it: body-binding.ts).
   * For SSE-C, the request must carry the object's key; `dispose()` zeroes it.
   */
  layersOf(object: StoredObject, objectArn: string, who: Caller, request: ObjectRequest): DataKeyResolver[] & { dispose(): void } {
    const { access } = this.services;
    const customerKey = object.customerKey
      ? access.matchingCustomerKey(request, object.customerKey, 'The object was stored with SSE-C: the same SSECustomerAlgorithm, SSECustomerKey and SSECustomerKeyMD5 must be provided')
      : access.customerKey(request);
    if (customerKey && !object.customerKey) {
      customerKey.fill(0);
      throw s3Error('InvalidRequest', 'SSE-C headers were given, but the object is not encrypted with SSE-C');
    }
    const layers = modeOf(object).decrypt({ object, objectArn, who, customerKey }, this.services);
    return Object.assign(layers, { dispose: () => customerKey?.fill(0) });
  }
}
