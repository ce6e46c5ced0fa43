// SSE-S3's root-key keyring, opened apart from the store: the wrapped data key checked against
// node:crypto's AES-256-GCM (IV ‖ ciphertext ‖ tag, the object's ARN as AAD), headers a store did not
// write refused, and rotation that never wraps a key with a root key that was not persisted.
import { createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MessageHeader } from '../../src/envelope/message-format.js';
import { SseS3Keyring, SSE_S3_PROVIDER_ID } from '../../src/s3/sse-s3-keyring.js';

const ARN = 'arn:aws:s3:::bucket/object';

/** Opens a wrapped data key with node:crypto: IV (12) ‖ ciphertext ‖ tag (16), AAD the object's ARN. */
function unwrapWithNode(rootKey: Uint8Array, blob: Uint8Array, objectArn: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', rootKey, blob.subarray(0, 12));
  decipher.setAAD(Buffer.from(objectArn));
  decipher.setAuthTag(blob.subarray(blob.length - 16));
  return Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
}

const header = (wrappedKeys: MessageHeader['wrappedKeys']): MessageHeader =>
  ({ algorithm: 0, messageId: new Uint8Array(32), frameBytes: 65536, encryptionContext: {}, wrappedKeys });

describe('SseS3Keyring', () => {
  it('takes 32 bytes per root key version, nothing else', () => {
    for (const bytes of [0, 1, 31, 33, 63]) {
      expect(() => new SseS3Keyring(new Uint8Array(bytes))).toThrow(/^SSE-S3 root keys: expected a multiple of 32 bytes$/);
    }
    expect(new SseS3Keyring(new Uint8Array(32)).currentKeyId).toBe('root-1');
    expect(new SseS3Keyring(new Uint8Array(96)).currentKeyId).toBe('root-3');
  });

  it('names versions past 9 by their whole number: root-10 is the tenth key, not the first', async () => {
    const roots = randomBytes(32 * 10);
    const keyring = new SseS3Keyring(roots);
    const materials = keyring.materials(ARN);
    expect(materials.wrappedKeys[0]!.keyId).toBe('root-10');
    expect(unwrapWithNode(roots.subarray(9 * 32), materials.wrappedKeys[0]!.blob, ARN).equals(Buffer.from(materials.dataKey))).toBe(true);
    expect(Buffer.from(await keyring.resolver(ARN)(header(materials.wrappedKeys))).equals(Buffer.from(materials.dataKey))).toBe(true);
  });

  it('wraps a fresh 32-byte data key with the newest root key, bound to the object\'s ARN (node:crypto opens it)', async () => {
    const roots = randomBytes(64);
    const keyring = new SseS3Keyring(roots);
    const materials = keyring.materials(ARN);
    expect(materials.dataKey).toHaveLength(32);
    expect(materials.encryptionContext).toEqual({});
    expect(materials.wrappedKeys).toHaveLength(1);
    const [wrapped] = materials.wrappedKeys;
    expect(wrapped!.providerId).toBe('s3-managed');
    expect(SSE_S3_PROVIDER_ID).toBe('s3-managed');
    expect(wrapped!.keyId).toBe('root-2');
    expect(wrapped!.blob).toHaveLength(12 + 32 + 16);
    expect(unwrapWithNode(roots.subarray(32), wrapped!.blob, ARN).equals(Buffer.from(materials.dataKey))).toBe(true);
    expect(() => unwrapWithNode(roots.subarray(0, 32), wrapped!.blob, ARN)).toThrow(); // not the older version
    expect(() => unwrapWithNode(roots.subarray(32), wrapped!.blob, `${ARN}2`)).toThrow(); // nor for another object
    expect(Buffer.from(await keyring.resolver(ARN)(header(materials.wrappedKeys))).equals(Buffer.from(materials.dataKey))).toBe(true);
    const other = keyring.materials(ARN);
    expect(Buffer.from(other.dataKey).equals(Buffer.from(materials.dataKey))).toBe(false);
    expect(Buffer.from(other.wrappedKeys[0]!.blob.subarray(0, 12)).equals(Buffer.from(wrapped!.blob.subarray(0, 12)))).toBe(false);
  });

  it('refuses a wrapped key moved to another object, one of another provider, and root key versions it does not hold', async () => {
    const keyring = new SseS3Keyring(randomBytes(64));
    const { dataKey, wrappedKeys: [wrapped] } = keyring.materials(ARN);
    await expect(keyring.resolver('arn:aws:s3:::bucket/other')(header([wrapped!]))).rejects.toMatchObject({ name: 'AuthenticationError' });
    // Found among other providers' keys, wherever it is.
    const decoy = { providerId: 'aws-kms', keyId: 'root-2', blob: new Uint8Array(60) };
    expect(Buffer.from(await keyring.resolver(ARN)(header([decoy, wrapped!]))).equals(Buffer.from(dataKey))).toBe(true);
    const notOurs = { name: 'InvalidRequest', message: 'the stored object was not sealed by this store' };
    await expect(keyring.resolver(ARN)(header([decoy]))).rejects.toMatchObject(notOurs);
    await expect(keyring.resolver(ARN)(header([]))).rejects.toMatchObject(notOurs);
    for (const keyId of ['root-3', 'root-0', 'root-', 'root-1x', 'xroot-1', 'ROOT-1', 'root-01x', '1']) {
      await expect(keyring.resolver(ARN)(header([{ ...wrapped!, keyId }]))).rejects.toMatchObject(notOurs);
    }
    // The version named is the one used: root-1 is not the key that wrapped this blob.
    await expect(keyring.resolver(ARN)(header([{ ...wrapped!, keyId: 'root-1' }]))).rejects.toMatchObject({ name: 'AuthenticationError' });
  });

  it('rotates only once every version is persisted: a failed persist changes nothing; older objects keep their version', async () => {
    const first = randomBytes(32);
    const keyring = new SseS3Keyring(first);
    const old = keyring.materials(ARN);
    await expect(keyring.rotate(async () => { throw new Error('disk full'); })).rejects.toThrow('disk full');
    expect(keyring.currentKeyId).toBe('root-1');
    expect(unwrapWithNode(first, keyring.materials(ARN).wrappedKeys[0]!.blob, ARN)).toHaveLength(32);

    const persisted: Buffer[] = [];
    const persist = async (all: Uint8Array) => { persisted.push(Buffer.from(all)); };
    await Promise.all([keyring.rotate(persist), keyring.rotate(persist)]); // one after another, each keeping the last one's version
    expect(persisted.map((all) => all.length)).toEqual([64, 96]);
    expect(persisted[0]!.subarray(0, 32).equals(first)).toBe(true);
    expect(persisted[1]!.subarray(0, 64).equals(persisted[0]!)).toBe(true);
    expect(persisted[1]!.subarray(32, 64).equals(first)).toBe(false);
    expect(persisted[1]!.subarray(64).equals(persisted[1]!.subarray(32, 64))).toBe(false);
    expect(keyring.currentKeyId).toBe('root-3');
    const fresh = keyring.materials(ARN);
    expect(fresh.wrappedKeys[0]!.keyId).toBe('root-3');
    expect(unwrapWithNode(persisted[1]!.subarray(64), fresh.wrappedKeys[0]!.blob, ARN).equals(Buffer.from(fresh.dataKey))).toBe(true);
    expect(Buffer.from(await keyring.resolver(ARN)(header(old.wrappedKeys))).equals(Buffer.from(old.dataKey))).toBe(true);
    // A keyring built from the persisted versions opens what this one wrote, old and new.
    const reopened = new SseS3Keyring(persisted[1]!);
    expect(Buffer.from(await reopened.resolver(ARN)(header(fresh.wrappedKeys))).equals(Buffer.from(fresh.dataKey))).toBe(true);
    expect(Buffer.from(await reopened.resolver(ARN)(header(old.wrappedKeys))).equals(Buffer.from(old.dataKey))).toBe(true);
  });
});
