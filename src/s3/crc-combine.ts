// The CRC of two byte strings joined, from their CRCs and the second one's length, without the bytes:
// zlib's crc32_combine (Mark Adler's method, zlib 1.2.12's multmodp/x2nmodp), for each CRC S3 gives a
// FULL_OBJECT checksum (CRC32, CRC32C, CRC64NVME). All three are reflected, with all-ones initial value
// and final XOR, so crc(A‖B) = crc(A)·x^(8·|B|) mod P ⊕ crc(B) over GF(2): the conditioning cancels out.
// A completed multipart upload's FULL_OBJECT checksum is its parts' checksums folded so, from the part
// sizes, instead of decrypting and reading every part (multipart-uploads.ts).
//
// Polynomials in reflected form (bit 0 is the coefficient of x^(width−1)): CRC-32/ISO-HDLC 0xEDB88320,
// CRC-32C (Castagnoli) 0x82F63B78, CRC-64/NVME 0x9A6C9329AC4BC9B5 (the reflection of NVM Express's
// 0xAD93D23594C93659). Widths up to 64 bits: BigInt throughout, with a table of x^(2^k) per CRC.

import { base64ToBytes, bytesToBase64 } from '../core/base64.js';
import type { ChecksumAlgorithm } from './object-checksums.js';

/** The algorithms whose checksums combine: the ones S3 allows FULL_OBJECT for. */
export type CombinableAlgorithm = Extract<ChecksumAlgorithm, 'CRC32' | 'CRC32C' | 'CRC64NVME'>;

interface Crc {
  width: bigint;
  poly: bigint;
  /** x^(2^k) mod P for k = 0, 1, …, grown as lengths need. */
  powers: bigint[];
}

const crc = (width: bigint, poly: bigint): Crc => ({ width, poly, powers: [1n << (width - 2n)] });
const CRCS: Record<CombinableAlgorithm, Crc> = {
  CRC32: crc(32n, 0xedb88320n),
  CRC32C: crc(32n, 0x82f63b78n),
  CRC64NVME: crc(64n, 0x9a6c9329ac4bc9b5n),
};

/** a·b mod P, polynomials in reflected form (`a` nonzero: every x^n is, as P has a constant term). */
function multModP(c: Crc, a: bigint, b: bigint): bigint {
  let m = 1n << (c.width - 1n);
  let product = 0n;
  for (;;) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1n)) === 0n) return product;
    }
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ c.poly : b >> 1n;
  }
}

/** x^(8·bytes) mod P: x^(2^(k+3)) multiplied in for each bit k set in `bytes`. */
function shiftBy(c: Crc, bytes: number): bigint {
  let power = 1n << (c.width - 1n); // x^0
  for (let n = BigInt(bytes), k = 3; n > 0n; n >>= 1n, k++) {
    while (c.powers.length <= k) c.powers.push(multModP(c, c.powers.at(-1)!, c.powers.at(-1)!));
    if (n & 1n) power = multModP(c, c.powers[k]!, power);
  }
  return power;
}

const toValue = (base64: string) => base64ToBytes(base64).reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);

function toBase64(c: Crc, value: bigint): string {
  const bytes = new Uint8Array(Number(c.width / 8n));
  for (let i = bytes.length - 1; i >= 0; i--, value >>= 8n) bytes[i] = Number(value & 0xffn);
  return bytesToBase64(bytes);
}

/**
 * The checksum of `parts`' bytes joined, from each part's checksum (base64 of the big-endian CRC, as
 * S3 writes it) and length in bytes. Parts of one length share one x^(8·length), computed once.
 */
export function combinedChecksum(algorithm: CombinableAlgorithm, parts: ReadonlyArray<{ checksum: string; size: number }>): string {
  const c = CRCS[algorithm];
  const shifts = new Map<number, bigint>();
  let combined = 0n; // the CRC of no bytes
  for (const { checksum, size } of parts) {
    let shift = shifts.get(size);
    if (shift === undefined) shifts.set(size, shift = shiftBy(c, size));
    combined = multModP(c, shift, combined) ^ toValue(checksum);
  }
  return toBase64(c, combined);
}
