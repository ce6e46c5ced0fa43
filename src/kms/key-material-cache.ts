// Key material prepared for use, kept for the keys in use: unwrapping a version (an AES-GCM
// decryption under the root key) and setting up its AES key schedule and GHASH key were most of the
// work of an Encrypt or a Decrypt, each time for the same few keys. So each version is unwrapped once,
// set up in a WASM context slot of its own (PreparedGcmKey), and its unwrapped bytes zeroed at once;
// the slot is what stays. An entry is used only for the exact wrapped text it was made from, so it
// always holds what unwrapping would give now. The KMS forgets (zeroes) a key's entries whenever the
// key changes — disabled, scheduled for deletion, deleted, its material rotated, deleted or imported —
// and the cache is bounded: once it holds MAX_VERSIONS versions, all are zeroed and it starts afresh.

import { PreparedGcmKey } from '../core/gcm-state.js';
import { unwrapMaterial } from './key-material.js';

const MAX_VERSIONS = 256;

interface Entry {
  wrapped: string;
  key: PreparedGcmKey;
}

export class KeyMaterialCache {
  /** keyId → version → entry. */
  private readonly keys = new Map<string, Map<number, Entry>>();
  private versions = 0;

  constructor(private readonly rootKey: Uint8Array) {}

  /** One version of a key, unwrapped from `wrapped` and prepared. The cache owns it: the caller must not keep or dispose of it. */
  material(keyId: string, version: number, wrapped: string): PreparedGcmKey {
    let versions = this.keys.get(keyId);
    const cached = versions?.get(version);
    if (cached?.wrapped === wrapped) return cached.key;
    const material = unwrapMaterial(this.rootKey, keyId, version, wrapped); // throws, caching nothing, if it does not authenticate
    let key: PreparedGcmKey;
    try {
      key = new PreparedGcmKey(material);
    } finally {
      material.fill(0);
    }
    if (cached) {
      cached.key.dispose();
      this.versions--;
    }
    if (this.versions >= MAX_VERSIONS) this.clear();
    versions = this.keys.get(keyId);
    if (!versions) this.keys.set(keyId, (versions = new Map()));
    versions.set(version, { wrapped, key });
    this.versions++;
    return key;
  }

  /** Zeroes and drops every version of a key. */
  forget(keyId: string): void {
    const versions = this.keys.get(keyId);
    if (!versions) return;
    for (const { key } of versions.values()) key.dispose();
    this.versions -= versions.size;
    this.keys.delete(keyId);
  }

  /** Zeroes and drops everything. */
  clear(): void {
    for (const keyId of [...this.keys.keys()]) this.forget(keyId);
  }
}
