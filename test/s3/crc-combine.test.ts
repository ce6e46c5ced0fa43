// combinedChecksum (src/s3/crc-combine.ts) against AWS's own CRC packages over the joined bytes: for
// CRC32, CRC32C and CRC64NVME, parts of every awkward length (empty, one byte, odd, a power of two,
// over 1 MiB) in many orders and counts, one part, and repeated lengths (the shared shift). A wrong
// polynomial, shift or byte order changes the result, and @aws-crypto/crc32 / crc32c and
// @aws-sdk/crc64-nvme computed over the concatenated data say what it must be.

import { Crc32 } from '@aws-crypto/crc32';
import { Crc32c } from '@aws-crypto/crc32c';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { describe, expect, it } from 'vitest';
import { combinedChecksum, type CombinableAlgorithm } from '../../src/s3/crc-combine.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(4242);

const crc32Of = (make: () => Crc32 | Crc32c) => async (bytes: Uint8Array) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(make().update(bytes).digest() >>> 0);
  return out.toString('base64');
};
const REFERENCE: Record<CombinableAlgorithm, (bytes: Uint8Array) => Promise<string>> = {
  CRC32: crc32Of(() => new Crc32()),
  CRC32C: crc32Of(() => new Crc32c()),
  CRC64NVME: async (bytes) => {
    const crc = new Crc64Nvme();
    crc.update(bytes);
    return Buffer.from(await crc.digest()).toString('base64');
  },
};

const LENGTHS = [0, 1, 2, 3, 7, 8, 15, 16, 255, 256, 1000, 4096, 65_537, 1024 * 1024 + 3];

describe.each(Object.keys(REFERENCE) as CombinableAlgorithm[])('combinedChecksum, %s', (algorithm) => {
  const reference = REFERENCE[algorithm];
  const combined = async (parts: Uint8Array[]) =>
    combinedChecksum(algorithm, await Promise.all(parts.map(async (part) => ({ checksum: await reference(part), size: part.length }))));

  it('is the CRC of the parts joined, for two parts of every pair of lengths', async () => {
    for (const a of LENGTHS.slice(0, -1)) {
      for (const b of LENGTHS) {
        const parts = [rng.bytes(a), rng.bytes(b)];
        expect(await combined(parts), `${a} + ${b}`).toBe(await reference(Buffer.concat(parts)));
      }
    }
  });

  it('of many parts, equal lengths (one shift shared) and mixed, one part, and parts that are all empty', async () => {
    const equal = Array.from({ length: 12 }, () => rng.bytes(65_536));
    const mixed = LENGTHS.map((n) => rng.bytes(n)).sort(() => rng.bytes(1)[0]! - 128);
    for (const parts of [equal, [...equal, rng.bytes(17)], mixed, [rng.bytes(3 * 1024 * 1024)], [new Uint8Array(0), new Uint8Array(0)]]) {
      expect(await combined(parts), `${parts.length} parts`).toBe(await reference(Buffer.concat(parts)));
    }
  });

  it('changes when a part\'s length or checksum is not the data\'s (the lengths matter, and the order)', async () => {
    const parts = [rng.bytes(1000), rng.bytes(2000)];
    const right = await reference(Buffer.concat(parts));
    const sums = await Promise.all(parts.map(async (part) => ({ checksum: await reference(part), size: part.length })));
    expect(combinedChecksum(algorithm, [{ ...sums[0]!, size: 999 }, sums[1]!])).toBe(right); // the first part's length never enters
    expect(combinedChecksum(algorithm, [sums[0]!, { ...sums[1]!, size: 2001 }])).not.toBe(right);
    expect(combinedChecksum(algorithm, [sums[1]!, sums[0]!])).not.toBe(right);
    const flipped = Buffer.from(sums[0]!.checksum, 'base64');
    flipped[0]! ^= 1;
    expect(combinedChecksum(algorithm, [{ ...sums[0]!, checksum: flipped.toString('base64') }, sums[1]!])).not.toBe(right);
  });
});
