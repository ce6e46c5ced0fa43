// Binds every stored object body to the object version it was written for, in every SSE mode: the
// envelope header's encryption context carries `aws:s3:arn` (the object's ARN, the pair AWS puts in
// SSE-KMS's encryption context) and `kms-wasm:s3:version-id` (the version id, "null" in an
// unversioned bucket). The header tag authenticates both under the body's data key, so a body moved
// to another object or version, in the store's directory or in memory, is refused before any of its
// frames decrypts. A part of a multipart upload — served as stored once the upload completes — also
// carries `kms-wasm:s3:part` (its upload id and part number; its version id is its body's id, as each
// upload of a part number has its own), so parts cannot be reordered, swapped between uploads or
// objects, or replaced by an earlier upload of their number. KMS sees only AWS's own pairs: the
// version and part pairs are removed before a resolver (and through it KMS) sees the header, so key
// policies on kms:EncryptionContext* work as on AWS (aws:s3:arn is the object's ARN, parts' too).

import { AuthenticationError } from '../core/errors.js';
import type { DataKeyResolver, EncryptionMaterials } from '../envelope/materials.js';

export const OBJECT_ARN_KEY = 'aws:s3:arn';
export const VERSION_ID_KEY = 'kms-wasm:s3:version-id';
export const PART_KEY = 'kms-wasm:s3:part';

/** The object version a body belongs to. */
export interface BodyBinding {
  /** arn:aws:s3:::bucket/key */
  objectArn: string;
  /** The version id; a part's: the id of its body (each upload of a part number has its own). */
  versionId: string;
  /** A multipart upload's part: "uploadId=<id>&partNumber=<n>"; absent for a body put whole. */
  part?: string;
}

/** The binding of body `bodyId`, stored as part `partNumber` of upload `uploadId` of `objectArn`. */
export const partBinding = (objectArn: string, uploadId: string, partNumber: number, bodyId: string): BodyBinding =>
  ({ objectArn, versionId: bodyId, part: `uploadId=${uploadId}&partNumber=${partNumber}` });

/** `materials` whose header will bind the body to `binding` (the data key is shared, not copied). */
export function bindMaterials(materials: EncryptionMaterials, binding: BodyBinding): EncryptionMaterials {
  return {
    ...materials,
    encryptionContext: { ...materials.encryptionContext, [OBJECT_ARN_KEY]: binding.objectArn, [VERSION_ID_KEY]: binding.versionId,
      ...(binding.part === undefined ? {} : { [PART_KEY]: binding.part }) },
  };
}

/**
 * A resolver that first checks the header names `binding` (its tag, checked right after with the
 * resolved key, makes that claim trustworthy), then hands `resolve` the header without the version and part pairs.
 */
export function bindResolver(resolve: DataKeyResolver, binding: BodyBinding): DataKeyResolver {
  return (header) => {
    const { [VERSION_ID_KEY]: versionId, [PART_KEY]: part, ...context } = header.encryptionContext;
    if (context[OBJECT_ARN_KEY] !== binding.objectArn || versionId !== binding.versionId || part !== binding.part) {
      const named = (arn: unknown, version: unknown, of: unknown) => `${String(arn)} version ${String(version)}${of === undefined ? '' : ` (part ${String(of)})`}`;
      return Promise.reject(new AuthenticationError(`the stored body is not that of ${named(binding.objectArn, binding.versionId, binding.part)}: `
        + `it was written for ${named(context[OBJECT_ARN_KEY], versionId, part)} (the store was tampered with)`));
    }
    return resolve({ ...header, encryptionContext: context });
  };
}
