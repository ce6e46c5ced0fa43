// SSE-S3: each object's data key is wrapped by a root key the store owns (never the caller's, and
// no KMS call): AES-256-GCM with the object's ARN as AAD, so a wrapped key cannot move to another
// object. The store rotates its root key: new objects use the newest; older ones keep the root key
// version named in their header.

import { gcm } from '../core/gcm.js';
import { SerialQueue } from '../core/serial-queue.js';
import type { DataKeyResolver, EncryptionMaterials } from '../envelope/materials.js';
import { s3Error } from './s3-errors.js';

export const SSE_S3_PROVIDER_ID = 's3-managed';
const ROOT_KEY_BYTES = 32;

export class SseS3Keyring {
  /** Root key versions, oldest first: version n has key id "root-n". */
  private readonly rootKeys: Uint8Array[];
  /** Rotations run one after another, each persisting the versions the one before it left. */
  private readonly rotations = new SerialQueue();

  /** `rootKeys`: 32 × n bytes, every root key version so far, oldest first. */
  constructor(rootKeys: Uint8Array) {
    if (rootKeys.length === 0 || rootKeys.length % ROOT_KEY_BYTES !== 0) throw new Error('SSE-S3 root keys: expected a multiple of 32 bytes');
    this.rootKeys = Array.from({ length: rootKeys.length / ROOT_KEY_BYTES }, (_, i) => rootKeys.slice(i * ROOT_KEY_BYTES, (i + 1) * ROOT_KEY_BYTES));
  }

  /**
   * Adds a new root key version, used for new objects only once `persist` has stored every version
   * (32 × n bytes, oldest first): a key that was never stored must never wrap an object's data key,
   * or that object would be lost with the process. A failed `persist` changes nothing.
   */
  rotate(persist: (allVersions: Uint8Array) => Promise<void>): Promise<void> {
    const run = async () => {
      const next = crypto.getRandomValues(new Uint8Array(ROOT_KEY_BYTES));
      const all = new Uint8Array((this.rootKeys.length + 1) * ROOT_KEY_BYTES);
      this.rootKeys.forEach((key, i) => all.set(key, i * ROOT_KEY_BYTES));
      all.set(next, this.rootKeys.length * ROOT_KEY_BYTES);
      await persist(all);
      this.rootKeys.push(next);
    };
    return this.rotations.run(run);
  }

  get currentKeyId(): string {
    return `root-${this.rootKeys.length}`;
  }

  materials(objectArn: string): EncryptionMaterials {
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    const iv = crypto.getRandomValues(new Uint8Array(12));
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: constantTime picks the table-free AES path; both paths give the same bytes (the core's differential tests hold them to node:crypto), so no result can tell them apart
    const sealed = gcm(this.rootKeys.at(-1)!, iv, new TextEncoder().encode(objectArn), { constantTime: true }).encrypt(dataKey);
    const blob = new Uint8Array(12 + sealed.length);
    blob.set(iv);
    blob.set(sealed, 12);
    return { dataKey, encryptionContext: {}, wrappedKeys: [{ providerId: SSE_S3_PROVIDER_ID, keyId: this.currentKeyId, blob }] };
  }

  /** Unwraps the data key of `objectArn`'s body; which object the body is for is checked by body-binding.ts. */
  resolver(objectArn: string): DataKeyResolver {
    return async (header) => {
      const wrapped = header.wrappedKeys.find((k) => k.providerId === SSE_S3_PROVIDER_ID);
      const version = wrapped ? /^root-(\d+)$/.exec(wrapped.keyId) : null;
      const rootKey = version ? this.rootKeys[Number(version[1]) - 1] : undefined;
      if (!wrapped || !rootKey) {
        throw s3Error('InvalidRequest', 'the stored object was not sealed by this store');
      }
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: constantTime picks the table-free AES path; both paths give the same bytes (the core's differential tests hold them to node:crypto), so no result can tell them apart
      return gcm(rootKey, wrapped.blob.subarray(0, 12), new TextEncoder().encode(objectArn), { constantTime: true }).decrypt(wrapped.blob.subarray(12));
    };
  }
}
