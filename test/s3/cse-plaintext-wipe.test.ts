// A ranged GET through the S3 Encryption Client decrypts the whole object (AES-GCM as CSE v2 uses it
// authenticates only the whole body) and returns the range: the rest of the plaintext must not be
// left in memory for whoever reads the heap next. gcm() is wrapped to keep every plaintext its
// ciphers decrypt, so the test can look at them once the GET has returned.
import { describe, expect, it, vi } from 'vitest';
import { KeyManagementService, ObjectStore, S3EncryptionClient } from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const decrypted: Uint8Array[] = [];
vi.mock('../../src/core/gcm.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/core/gcm.js')>();
  return {
    ...original,
    gcm: (...args: Parameters<typeof original.gcm>) => {
      const cipher = original.gcm(...args);
      return {
        encrypt: (plaintext: Uint8Array) => cipher.encrypt(plaintext),
        decrypt: (sealed: Uint8Array) => {
          const plaintext = cipher.decrypt(sealed);
          decrypted.push(plaintext);
          return plaintext;
        },
      };
    },
  };
});

const rng = new SeededRandom(2125);
const BODY_BYTES = 1000;

describe('S3EncryptionClient ranged GET', () => {
  it('returns the range and zeroes the rest of the plaintext it decrypted; a whole GET returns the plaintext itself', async () => {
    const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1' });
    const s3 = new ObjectStore({ kms });
    await s3.createBucket({ Bucket: 'ranged' });
    const clients = [new S3EncryptionClient({ s3, kms, kmsKeyId: (await kms.createKey()).KeyMetadata.KeyId }), new S3EncryptionClient({ s3, masterKey: rng.bytes(32) })];
    for (const client of clients) {
      const body = rng.bytes(BODY_BYTES);
      await client.putObject({ Bucket: 'ranged', Key: 'k', Body: body });
      const before = decrypted.length;
      const range = await client.getObject({ Bucket: 'ranged', Key: 'k', Range: 'bytes=100-109' });
      expect(Buffer.from(await range.Body.transformToByteArray()).equals(body.subarray(100, 110))).toBe(true);
      const bodies = decrypted.slice(before).filter((plaintext) => plaintext.length === BODY_BYTES);
      expect(bodies).toHaveLength(1);
      expect(bodies[0]!.every((b) => b === 0)).toBe(true);
      const whole = await client.getObject({ Bucket: 'ranged', Key: 'k' });
      expect(Buffer.from(await whole.Body.transformToByteArray()).equals(body)).toBe(true);
    }
  });
});
