// The additional checksums S3 computes and checks (User Guide, "Checking object integrity in Amazon S3"):
// CRC32, CRC32C, CRC64NVME, SHA1, SHA256, each the big-endian digest in base64. A multipart upload's
// checksum is either COMPOSITE — the checksum of the parts' checksums concatenated, with "-<parts>"
// appended (SHA1, SHA256, CRC32, CRC32C) — or FULL_OBJECT — the checksum of the whole object, as if
// put in one piece (CRC32, CRC32C, CRC64NVME). The algorithms themselves come from whoever builds the
// ObjectStore (ObjectStoreOptions.checksummer: the service passes AWS's own, s3-checksums.ts), so
// the library carries no CRC code and no dependency for it; only the arithmetic that folds parts'
// CRCs into the whole object's (crc-combine.ts).

import { base64ToBytes } from '../core/base64.js';
import type { ChecksumMember } from './object-records.js';
import { s3Error } from './s3-errors.js';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

export const memberOf = (algorithm: ChecksumAlgorithm): ChecksumMember => `Checksum${algorithm}`;

export interface UploadChecksum {
  algorithm: ChecksumAlgorithm;
  type: ChecksumType;
}

/** A running checksum. */
export interface Checksummer {
  update(bytes: Uint8Array): void;
  /** base64 of the big-endian digest */
  digest(): Promise<string>;
}
/** A new running checksum of `algorithm`. */
export type ChecksummerFactory = (algorithm: ChecksumAlgorithm) => Checksummer;

/**
 * A multipart upload's checksum settings (S3 API Reference, CreateMultipartUpload: ChecksumAlgorithm,
 * ChecksumType): the type defaults to FULL_OBJECT for CRC64NVME and COMPOSITE for the others; SHA
 * checksums have no FULL_OBJECT form and CRC64NVME no COMPOSITE one (InvalidRequest).
 */
export function uploadChecksum(algorithm: ChecksumAlgorithm | undefined, type: ChecksumType | undefined): UploadChecksum | undefined {
  if (algorithm === undefined) {
    if (type !== undefined) throw s3Error('InvalidRequest', 'ChecksumType: only with a ChecksumAlgorithm');
    return undefined;
  }
  const chosen = type ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
  if ((chosen === 'FULL_OBJECT' && algorithm.startsWith('SHA')) || (chosen === 'COMPOSITE' && algorithm === 'CRC64NVME')) {
    throw s3Error('InvalidRequest', `The ${chosen} checksum type cannot be used with the ${algorithm} checksum algorithm`);
  }
  return { algorithm, type: chosen };
}

/** The COMPOSITE checksum of parts whose checksums (base64) are `parts`: the checksum of their digests joined, "-<count>". */
export async function compositeChecksum(whole: Checksummer, parts: readonly string[]): Promise<string> {
  for (const part of parts) whole.update(base64ToBytes(part));
  return `${await whole.digest()}-${parts.length}`;
}

/** `pieces` passed on unchanged; once they have all passed, `done` gets their checksum. */
export async function* checksummed(pieces: AsyncIterable<Uint8Array>, running: Checksummer, done: (checksum: string) => void): AsyncGenerator<Uint8Array> {
  for await (const piece of pieces) {
    running.update(piece);
    yield piece;
  }
  done(await running.digest());
}

/**
 * The checksum a copy gets (S3 API Reference, CopyObject: "If the CopyObject request does not include
 * this x-amz-checksum-algorithm header, the checksum algorithm will be copied from the source object to
 * the destination object (if it's present on the source object)"): `algorithm`'s, computed over the
 * copy's bytes as `pieces` pass (so a COMPOSITE source's becomes the whole copy's, FULL_OBJECT);
 * `checksums` holds it once they have all passed. No algorithm: `pieces` unchanged and no checksum.
 */
export function copyChecksum(pieces: AsyncIterable<Uint8Array>, algorithm: ChecksumAlgorithm | undefined, checksummer: ChecksummerFactory | undefined) {
  const checksums = new Map<ChecksumMember, string>();
  if (algorithm === undefined) return { body: pieces, checksums };
  if (!checksummer) throw s3Error('InvalidRequest', 'ChecksumAlgorithm: this ObjectStore was made without a checksummer (ObjectStoreOptions.checksummer)');
  return { body: checksummed(pieces, checksummer(algorithm), (value) => checksums.set(memberOf(algorithm), value)), checksums };
}
