// Binds every stored object body to the object version it was written for, in every SSE mode: the
// envelope header's encryption context carries `aws:s3:arn` (the object's ARN, the pair AWS puts in
// SSE-KMS's encryption context) and `kms-wasm:s3:version-id` (the version id, "null" in an
// unversioned bucket). The header tag authenticates both under the body's data key, so a body moved
// to another object or version, in the store's directory or in memory, is refused before any of its
// frames decrypts. KMS sees only AWS's own pairs: the version pair is removed before a resolver (and
// through it KMS) sees the header, so key policies on kms:EncryptionContext* work as on AWS.

import { AuthenticationError } from '../core/errors.js';
import type { DataKeyResolver, EncryptionMaterials } from '../envelope/materials.js';

export const OBJECT_ARN_KEY = 'aws:s3:arn';
export const VERSION_ID_KEY = 'kms-wasm:s3:version-id';

/** The object version a body belongs to. */
export interface BodyBinding {
  /** arn:aws:s3:::bucket/key; a multipart part's also names its upload and part number. */
  objectArn: string;
  /** The version id; a part's: the id of its body (each upload of a part number has its own). */
  versionId: string;
}

/** `materials` whose header will bind the body to `binding` (the data key is shared, not copied). */
export function bindMaterials(materials: EncryptionMaterials, binding: BodyBinding): EncryptionMaterials {
  return {
    ...materials,
    encryptionContext: { ...materials.encryptionContext, [OBJECT_ARN_KEY]: binding.objectArn, [VERSION_ID_KEY]: binding.versionId },
  };
}

/**
 * A resolver that first checks the header names `binding` (its tag, checked right after with the
 * resolved key, makes that claim trustworthy), then hands `resolve` the header without the version pair.
 */
export function bindResolver(resolve: DataKeyResolver, binding: BodyBinding): DataKeyResolver {
  return (header) => {
    const { [VERSION_ID_KEY]: versionId, ...context } = header.encryptionContext;
    if (context[OBJECT_ARN_KEY] !== binding.objectArn || versionId !== binding.versionId) {
      return Promise.reject(new AuthenticationError(`the stored body is not that of ${binding.objectArn} version ${binding.versionId}: `
        + `it was written for ${String(context[OBJECT_ARN_KEY])} version ${String(versionId)} (the store was tampered with)`));
    }
    return resolve({ ...header, encryptionContext: context });
  };
}
