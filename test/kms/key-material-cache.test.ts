// The cache of prepared key material (src/kms/key-material-cache.ts): an entry serves only the
// wrapped text it came from, material that does not authenticate is never cached, and a key's
// prepared material is zeroed when the KMS forgets it (any change to the key) or the cache starts afresh.
import { describe, expect, it } from 'vitest';
import { gcm, preparedGcm } from '../../src/core/gcm.js';
import type { PreparedGcmKey } from '../../src/core/gcm-state.js';
import { wasm } from '../../src/core/wasm-runtime.js';
import { CipherStateError } from '../../src/core/errors.js';
import { KeyMaterialCache } from '../../src/kms/key-material-cache.js';
import { wrapMaterial } from '../../src/kms/key-material.js';
import type { KmsCalls } from '../../src/kms/kms-calls.js';
import { KeyManagementService } from '../../src/index.js';
import { ACCOUNT, REGION } from './fixtures.js';

const rootKey = crypto.getRandomValues(new Uint8Array(32));
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER = 'ffffffff-12ab-34cd-56ef-1234567890ab';
const material = (fill: number) => new Uint8Array(32).fill(fill);
const iv = new Uint8Array(12);

/** Whether `prepared` is the key `raw` (it seals as `raw` does). */
const isKey = (prepared: PreparedGcmKey, raw: Uint8Array) =>
  Buffer.from(preparedGcm(prepared, iv).encrypt(material(0))).equals(gcm(raw, iv).encrypt(material(0)));

/** Whether the prepared key's WASM slot is all zeros (disposed). */
const zeroed = (prepared: PreparedGcmKey) => {
  const slot = (prepared as unknown as { slot: number }).slot;
  return wasm().bytes().subarray(slot, slot + 512).every((b) => b === 0);
};

describe('KeyMaterialCache', () => {
  it('unwraps once per wrapped text: the same prepared key again for the same text, anew for another', () => {
    const cache = new KeyMaterialCache(rootKey);
    const wrapped = wrapMaterial(rootKey, KEY, 1, material(7));
    const first = cache.material(KEY, 1, wrapped);
    expect(isKey(first, material(7))).toBe(true);
    expect(cache.material(KEY, 1, wrapped)).toBe(first);
    const rewrapped = wrapMaterial(rootKey, KEY, 1, material(9)); // the same version, now other material (a restored store)
    expect(isKey(cache.material(KEY, 1, rewrapped), material(9))).toBe(true);
    expect(zeroed(first)).toBe(true); // the replaced entry was zeroed
  });

  it('refuses, and caches nothing for, material that does not authenticate (another key, version or root key)', () => {
    const cache = new KeyMaterialCache(rootKey);
    const wrapped = wrapMaterial(rootKey, KEY, 1, material(7));
    const refused = expect.objectContaining({ name: 'KMSInvalidStateException' });
    expect(() => cache.material(KEY, 2, wrapped)).toThrow(refused);
    expect(() => cache.material(OTHER, 1, wrapped)).toThrow(refused);
    const other = wrapMaterial(crypto.getRandomValues(new Uint8Array(32)), KEY, 1, material(7));
    expect(() => cache.material(KEY, 1, other)).toThrow(refused);
    expect(isKey(cache.material(KEY, 1, wrapped), material(7))).toBe(true);
    expect(() => cache.material(KEY, 1, other)).toThrow(refused);
  });

  it('forget zeroes every version of one key and leaves the others', () => {
    const cache = new KeyMaterialCache(rootKey);
    const v1 = cache.material(KEY, 1, wrapMaterial(rootKey, KEY, 1, material(1)));
    const v2 = cache.material(KEY, 2, wrapMaterial(rootKey, KEY, 2, material(2)));
    const kept = cache.material(OTHER, 1, wrapMaterial(rootKey, OTHER, 1, material(3)));
    cache.forget(KEY);
    expect(zeroed(v1) && zeroed(v2)).toBe(true);
    expect(() => preparedGcm(v1, iv).encrypt(material(0))).toThrow(/disposed/);
    expect(isKey(kept, material(3))).toBe(true);
  });

  it('stays bounded: once full (256 versions), everything cached is zeroed and it starts afresh', () => {
    const cache = new KeyMaterialCache(rootKey);
    const wrapped = Array.from({ length: 257 }, (_, i) => wrapMaterial(rootKey, KEY, i + 1, material(1)));
    const first = cache.material(KEY, 1, wrapped[0]!);
    for (let i = 1; i < 256; i++) cache.material(KEY, i + 1, wrapped[i]!);
    expect(zeroed(first)).toBe(false);
    cache.material(KEY, 257, wrapped[256]!);
    expect(zeroed(first)).toBe(true);
    expect(isKey(cache.material(KEY, 1, wrapped[0]!), material(1))).toBe(true);
    cache.clear();
  });
});

describe('the KMS and its material cache', () => {
  const callsOf = (kms: KeyManagementService) => (kms as unknown as { cryptography: { kms: KmsCalls } }).cryptography.kms;

  it.each([
    ['disabled', (kms: KeyManagementService, KeyId: string) => kms.disableKey({ KeyId })],
    ['scheduled for deletion', (kms: KeyManagementService, KeyId: string) => kms.scheduleKeyDeletion({ KeyId, PendingWindowInDays: 7 })],
    ['rotated', (kms: KeyManagementService, KeyId: string) => kms.rotateKeyOnDemand({ KeyId })],
  ])('zeroes a key\'s prepared material once the key is %s, and only that key\'s', async (_, change) => {
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION });
    const { KeyMetadata: { KeyId } } = await kms.createKey();
    const { KeyMetadata: { KeyId: otherKeyId } } = await kms.createKey();
    const { CiphertextBlob } = await kms.encrypt({ KeyId, Plaintext: new Uint8Array([1, 2, 3]) });
    await kms.encrypt({ KeyId: otherKeyId, Plaintext: new Uint8Array([1]) });
    const calls = callsOf(kms);
    const cachedFor = (id: string) => calls.materials.material(id, 1, calls.directory.keys.get(id)!.materials[0]!.wrapped);
    const cached = cachedFor(KeyId);
    const otherCached = cachedFor(otherKeyId);
    expect(zeroed(cached)).toBe(false);
    await change(kms, KeyId);
    expect(zeroed(cached)).toBe(true);
    expect(zeroed(otherCached)).toBe(false);
    if (calls.directory.keys.get(KeyId)!.keyState === 'Enabled') {
      expect((await kms.decrypt({ CiphertextBlob })).Plaintext).toEqual(new Uint8Array([1, 2, 3])); // prepared anew
    }
  });

  it('a key whose cached material no longer matches its record (a store restored under it) decrypts with the record\'s', async () => {
    const kms = new KeyManagementService({ account: ACCOUNT, region: REGION });
    const { KeyMetadata: { KeyId } } = await kms.createKey();
    const { CiphertextBlob } = await kms.encrypt({ KeyId, Plaintext: new Uint8Array([4, 5]) });
    const calls = callsOf(kms);
    const impostor = calls.materials.material(KeyId, 1, wrapMaterial(calls.rootKey, KeyId, 1, material(1))); // the cache now holds other material for version 1
    expect((await kms.decrypt({ CiphertextBlob })).Plaintext).toEqual(new Uint8Array([4, 5]));
    // Disposed (which zeroes its slot: prepared-gcm-key.test.ts); the slot itself may since hold the
    // record's material, set up afresh in the slot the impostor freed.
    expect(() => preparedGcm(impostor, new Uint8Array(12)).encrypt(new Uint8Array(1))).toThrow(CipherStateError);
  });
});
