// AES-256-XTS against node:crypto: random keys, tweaks and lengths (ciphertext stealing included),
// single sectors and the multi-sector path.
import { describe, expect, it } from 'vitest';
import { sectorTweak, xts } from '../../src/index.js';
import { IO_BUFFER_BYTES } from '../../src/core/wasm-runtime.js';
import { nodeXtsEncrypt } from '../helpers/node-reference.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const MiB = 1024 * 1024;

function xtsKey(rng: SeededRandom): Uint8Array {
  return rng.bytes(64); // halves equal with probability 2^-256
}

describe('AES-256-XTS matches node:crypto', () => {
  it('for every length from 16 to 300 bytes (all ciphertext-stealing tails)', () => {
    const rng = new SeededRandom(10);
    for (let length = 16; length <= 300; length++) {
      const [key, tweak, data] = [xtsKey(rng), rng.bytes(16), rng.bytes(length)];
      const cipher = xts(key);
      const sealed = cipher.encrypt(data, tweak);
      expect(Buffer.from(sealed).equals(nodeXtsEncrypt(key, tweak, data)), `length ${length}`).toBe(true);
      expect(Buffer.from(cipher.decrypt(sealed, tweak)).equals(data)).toBe(true);
      cipher.dispose();
    }
  });

  it('around the I/O buffer boundary and at the edge lengths', () => {
    const rng = new SeededRandom(11);
    const lengths = [4095, 4096, 4097, 65535, 65536, 65537, IO_BUFFER_BYTES + 1, IO_BUFFER_BYTES + 15, IO_BUFFER_BYTES + 16,
      IO_BUFFER_BYTES + 17, 2 * IO_BUFFER_BYTES - 1, 2 * IO_BUFFER_BYTES + 5, MiB, MiB + 3, 16 * MiB];
    for (const length of lengths) {
      const [key, tweak, data] = [xtsKey(rng), rng.bytes(16), rng.bytes(length)];
      const cipher = xts(key);
      const sealed = cipher.encrypt(data, tweak);
      expect(Buffer.from(sealed).equals(nodeXtsEncrypt(key, tweak, data)), `length ${length}`).toBe(true);
      expect(Buffer.from(cipher.decrypt(sealed, tweak)).equals(data), `length ${length}`).toBe(true);
    }
  });

  it('for 1,000 random keys, tweaks and lengths up to 1 MiB', () => {
    const rng = new SeededRandom(12);
    for (let i = 0; i < 1000; i++) {
      const [key, tweak] = [xtsKey(rng), rng.bytes(16)];
      const data = rng.bytes(16 + rng.length(MiB - 16));
      const cipher = xts(key);
      const sealed = cipher.encrypt(data, tweak);
      if (!Buffer.from(sealed).equals(nodeXtsEncrypt(key, tweak, data))) expect.fail(`case ${i} (seed 12): length ${data.length}`);
      if (!Buffer.from(cipher.decrypt(sealed, tweak)).equals(data)) expect.fail(`case ${i} (seed 12): decrypt`);
      cipher.dispose();
    }
  });

  it('per sector: the tweak is the sector number, little-endian, up to 2^128 - 1', () => {
    const rng = new SeededRandom(13);
    const key = xtsKey(rng);
    const cipher = xts(key);
    for (const sector of [0n, 1n, 255n, 256n, 2n ** 32n + 7n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 128n - 1n]) {
      const data = rng.bytes(4096);
      const tweak = Buffer.alloc(16);
      tweak.writeBigUInt64LE(sector & (2n ** 64n - 1n), 0);
      tweak.writeBigUInt64LE(sector >> 64n, 8);
      expect(Buffer.from(sectorTweak(sector)).equals(tweak)).toBe(true);
      const sealed = cipher.encryptSector(data, sector);
      expect(Buffer.from(sealed).equals(nodeXtsEncrypt(key, tweak, data)), `sector ${sector}`).toBe(true);
      expect(Buffer.from(cipher.decryptSector(sealed, sector)).equals(data)).toBe(true);
    }
  });

  it('over many sectors at once equals sector-by-sector encryption, for 512 B to 128 KiB sectors', () => {
    const rng = new SeededRandom(14);
    const key = xtsKey(rng);
    const cipher = xts(key);
    const cases: [number, number, bigint][] = [[512, 300, 0n], [4096, 40, 12345n], [4096, 1, 7n], [65536, 3, 1n],
      [131072, 2, 9n], [4096, 4, 2n ** 64n - 2n]];
    for (const [sectorSize, count, first] of cases) {
      const data = rng.bytes(sectorSize * count);
      const sealed = cipher.encryptSectors(data, first, sectorSize);
      for (let s = 0; s < count; s++) {
        const span = data.subarray(s * sectorSize, (s + 1) * sectorSize);
        const expected = nodeXtsEncrypt(key, sectorTweak(first + BigInt(s)), span);
        if (!Buffer.from(sealed.subarray(s * sectorSize, (s + 1) * sectorSize)).equals(expected)) {
          expect.fail(`sector size ${sectorSize}, sector ${first + BigInt(s)}`);
        }
      }
      expect(Buffer.from(cipher.decryptSectors(sealed, first, sectorSize)).equals(data)).toBe(true);
    }
  });
});
