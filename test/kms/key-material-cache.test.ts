// The cache of unwrapped key material (src/kms/key-material-cache.ts): an entry serves only the
// wrapped text it came from, material that does not authenticate is never cached, and a key's
// material is zeroed when the KMS forgets it (any change to the key) or the cache starts afresh.
import { describe, expect, it } from 'vitest';
import { KeyMaterialCache } from '../../src/kms/key-material-cache.js';
import { wrapMaterial } from '../../src/kms/key-material.js';
import type { KmsCalls } from '../../src/kms/kms-calls.js';
import { KeyManagementService } from '../../src/index.js';
import { ACCOUNT, REGION } from './fixtures.js';

const rootKey = crypto.getRandomValues(new Uint8Array(32));
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const material = (fill: number) => new Uint8Array(32).fill(fill);

describe('KeyMaterialCache', () => {
  it('unwraps once per wrapped text: the same bytes again for the same text, anew for another', () => {
    const cache = new KeyMaterialCache(rootKey);
    const wrapped = wrapMaterial(rootKey, KEY, 1, material(7));
    const first = cache.material(KEY, 1, wrapped);
    expect(first).toEqual(material(7));
    expect(cache.material(KEY, 1, wrapped)).toBe(first);
    const rewrapped = wrapMaterial(rootKey, KEY, 1, material(9)); // the same version, now other material (a restored store)
    expect(cache.material(KEY, 1, rewrapped)).toEqual(material(9));
    expect(first).toEqual(new Uint8Array(32)); // the replaced entry was zeroed
  });

  it('refuses, and caches nothing for, material that does not authenticate (another key, version or root key)', () => {
    const cache = new KeyMaterialCache(rootKey);
    const wrapped = wrapMaterial(rootKey, KEY, 1, material(7));
    expect(() => cache.material(KEY, 2, wrapped)).toThrow(expect.objectContaining({ name: 'KMSInvalidStateException' }));
    expect(() => cache.material('ffffffff-12ab-34cd-56ef-1234567890ab', 1, wrapped)).toThrow(expect.objectContaining({ name: 'KMSInvalidStateException' }));
    const other = wrapMaterial(crypto.getRandomValues(new Uint8Array(32)), KEY, 1, material(7));
    expect(() => cache.material(KEY, 1, other)).toThrow(expect.objectContaining({ name: 'KMSInvalidStateException' }));
    expect(cache.material(KEY, 1, wrapped)).toEqual(material(7));
    expect(() => cache.material(KEY, 1, other)).toThrow(expect.objectContaining({ name: 'KMSInvalidStateException' }));
  });

  it('forget zeroes every version of one key and leaves the others', () => {
    const cache = new KeyMaterialCache(rootKey);
    const other = 'ffffffff-12ab-34cd-56ef-1234567890ab';
    const v1 = cache.material(KEY, 1, wrapMaterial(rootKey, KEY, 1, material(1)));
    const v2 = cache.material(KEY, 2, wrapMaterial(rootKey, KEY, 2, material(2)));
    const kept = cache.material(other, 1, wrapMaterial(rootKey, other, 1, material(3)));
    cache.forget(KEY);
    expect(v1).toEqual(new Uint8Array(32));
    expect(v2).toEqual(new Uint8Array(32));
    expect(kept).toEqual(material(3));
  });

  it('stays bounded: once full, everything cached is zeroed and it starts afresh', () => {
    const cache = new KeyMaterialCache(rootKey);
    const wrapped = Array.from({ length: 1025 }, (_, i) => wrapMaterial(rootKey, KEY, i + 1, material(1)));
    const first = cache.material(KEY, 1, wrapped[0]!);
    for (let i = 1; i < 1024; i++) cache.material(KEY, i + 1, wrapped[i]!);
    expect(first).toEqual(material(1));
    cache.material(KEY, 1025, wrapped[1024]!);
    expect(first).toEqual(new Uint8Array(32));
    expect(cache.material(KEY, 1, wrapped[0]!)).toEqual(material(1));
  });
});

describe('the KMS and its material cache', () => {
  const callsOf = (kms: KeyManagementService) => (kms as unknown as { cryptography: { kms: KmsCalls } }).cryptography.kms;

  it.each([
    ['disabled', (kms: KeyManagementService, KeyId: string) => kms.disableKey({ KeyId })],
    ['scheduled for deletion', (kms: KeyManagementService, KeyId: string) => kms.scheduleKeyDeletion({ KeyId, PendingWindowInDays: 7 })],
    ['rotated', (kms: KeyManagementService, KeyId: string) => kms.rotateKeyOnDemand({ KeyId })],
  ])('zeroes a key\'s cached material once the key is %s', async (_, change) => {
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION });
    const { KeyMetadata: { KeyId } } = await kms.createKey();
    const { KeyMetadata: { KeyId: otherKeyId } } = await kms.createKey();
    const { CiphertextBlob } = await kms.encrypt({ KeyId, Plaintext: new Uint8Array([1, 2, 3]) });
    await kms.encrypt({ KeyId: otherKeyId, Plaintext: new Uint8Array([1]) });
    const calls = callsOf(kms);
    const key = calls.directory.keys.get(KeyId)!;
    const cached = calls.materials.material(KeyId, 1, key.materials[0]!.wrapped);
    const otherKey = calls.directory.keys.get(otherKeyId)!;
    const otherCached = calls.materials.material(otherKeyId, 1, otherKey.materials[0]!.wrapped);
    expect(cached.some((b) => b !== 0)).toBe(true);
    await change(kms, KeyId);
    expect(cached).toEqual(new Uint8Array(32));
    expect(otherCached.some((b) => b !== 0)).toBe(true);
    if (calls.directory.keys.get(KeyId)!.keyState === 'Enabled') {
      expect((await kms.decrypt({ CiphertextBlob })).Plaintext).toEqual(new Uint8Array([1, 2, 3])); // unwrapped anew
    }
  });

  it('a key whose cached material no longer matches its record (a store restored under it) decrypts with the record\'s', async () => {
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION });
    const { KeyMetadata: { KeyId } } = await kms.createKey();
    const { CiphertextBlob } = await kms.encrypt({ KeyId, Plaintext: new Uint8Array([4, 5]) });
    const calls = callsOf(kms);
    const wrapped = calls.directory.keys.get(KeyId)!.materials[0]!.wrapped;
    calls.materials.material(KeyId, 1, wrapMaterial(calls.rootKey, KeyId, 1, material(1))); // the cache now holds other material for version 1
    expect((await kms.decrypt({ CiphertextBlob })).Plaintext).toEqual(new Uint8Array([4, 5]));
    expect(calls.materials.material(KeyId, 1, wrapped)).not.toEqual(material(1));
  });
});
