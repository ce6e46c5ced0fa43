// Unwrapped key material, kept for the keys in use: unwrapping a version (an AES-GCM decryption
// under the root key) was a quarter of the work of an Encrypt or a Decrypt, each time for the same
// few keys. An entry is used only for the exact wrapped text it was unwrapped from, so it always
// holds what unwrapping would give now. The KMS forgets (zeroes) a key's entries whenever the key
// changes — disabled, scheduled for deletion, deleted, its material rotated, deleted or imported —
// and the cache is bounded: once it holds MAX_VERSIONS versions, all are zeroed and it starts afresh.

import { unwrapMaterial } from './key-material.js';

const MAX_VERSIONS = 1024;

interface Entry {
  wrapped: string;
  material: Uint8Array;
}

export class KeyMaterialCache {
  /** keyId → version → entry. */
  private readonly keys = new Map<string, Map<number, Entry>>();
  private versions = 0;

  constructor(private readonly rootKey: Uint8Array) {}

  /** The material of one version of a key, unwrapped from `wrapped`. The cache owns it: the caller must not keep or change it. */
  material(keyId: string, version: number, wrapped: string): Uint8Array {
    let versions = this.keys.get(keyId);
    const cached = versions?.get(version);
    if (cached?.wrapped === wrapped) return cached.material;
    const material = unwrapMaterial(this.rootKey, keyId, version, wrapped); // throws, caching nothing, if it does not authenticate
    if (cached) {
      cached.material.fill(0);
      this.versions--;
    }
    if (this.versions >= MAX_VERSIONS) this.clear();
    versions = this.keys.get(keyId);
    if (!versions) this.keys.set(keyId, (versions = new Map()));
    versions.set(version, { wrapped, material });
    this.versions++;
    return material;
  }

  /** Zeroes and drops every version of a key. */
  forget(keyId: string): void {
    const versions = this.keys.get(keyId);
    if (!versions) return;
    for (const { material } of versions.values()) material.fill(0);
    this.versions -= versions.size;
    this.keys.delete(keyId);
  }

  /** Zeroes and drops everything. */
  clear(): void {
    for (const keyId of [...this.keys.keys()]) this.forget(keyId);
  }
}
