// An S3 request's payload as a stream of its bytes, checked as it arrives against everything the
// request declares about it:
// - x-amz-content-sha256: a hex SHA-256 (XAmzContentSHA256Mismatch), UNSIGNED-PAYLOAD, or one of the
//   aws-chunked forms (aws-chunked-decoder.ts), whose length must be x-amz-decoded-content-length. An
//   object's or part's body is hashed by the ObjectStore for its ETag anyway, so for those the hex
//   SHA-256 is handed to it (`contentSha256`: PutObjectRequest.ContentSHA256), which checks it before
//   storing anything, and the body is hashed once;
// - Content-MD5 (InvalidDigest when unreadable, BadDigest when it differs);
// - additional checksums, in a header or (aws-chunked) a trailer named by x-amz-trailer:
//   x-amz-checksum-crc32 / -crc32c / -crc64nvme / -sha1 / -sha256, base64 of the big-endian digest
//   (S3 User Guide, "Checking object integrity"); a mismatch is BadDigest.
// The last check runs when the final byte has been read: the generator then throws instead of ending,
// so a consumer that commits only on a clean end stores nothing that failed.

import { createHash } from 'node:crypto';
import { memberOf, type ChecksumAlgorithm } from '../s3/object-checksums.js';
import { awsChecksummer } from './s3-checksums.js';
import type { ChecksumMember } from '../s3/object-records.js';
import { decodeAwsChunked } from './aws-chunked-decoder.js';
import { ServiceError } from './service-error.js';
import { UNSIGNED_PAYLOAD, type SigningContext } from './sigv4-verifier.js';
import { headerValue, type WireRequest } from './wire.js';

/** The checksum algorithms S3 verifies, by the suffix of their header name. */
const CHECKSUMS: Record<string, { label: ChecksumAlgorithm }> = {
  crc32: { label: 'CRC32' }, crc32c: { label: 'CRC32C' }, crc64nvme: { label: 'CRC64NVME' }, sha1: { label: 'SHA1' }, sha256: { label: 'SHA256' },
};
const CHECKSUM_HEADER = /^x-amz-checksum-([a-z0-9]+)$/;
/** Headers of that form that are not checksums. */
const CHECKSUM_SETTINGS = new Set(['x-amz-checksum-algorithm', 'x-amz-checksum-type', 'x-amz-checksum-mode']);

const STREAMING_SIGNED = new Set(['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER']);
const STREAMING_UNSIGNED = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

export interface RequestPayload {
  bytes: AsyncIterable<Uint8Array>;
  /** The checksums the request carried, each verified once `bytes` has ended ("x-amz-checksum-crc32" → base64), to echo in the response. */
  checksums: Map<string, string>;
  /** The same, by the SDK's member name ("ChecksumCRC32"), for the ObjectStore to keep with the object. */
  verified: Map<ChecksumMember, string>;
  /** With `storeChecksSha256`: the SHA-256 (hex) x-amz-content-sha256 declares, which the consumer must check (the ObjectStore's ContentSHA256). */
  contentSha256?: string;
}

function checksumAlgorithm(headerName: string): string {
  const algorithm = CHECKSUM_HEADER.exec(headerName)?.[1];
  if (algorithm === undefined || !Object.hasOwn(CHECKSUMS, algorithm)) {
    throw new ServiceError('InvalidRequest', 400, `${headerName} is not a checksum this server verifies (x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1, -sha256)`);
  }
  return algorithm;
}

/**
 * The payload of `request`, signed as `signing` says (presigned requests carry no x-amz-content-sha256:
 * UNSIGNED-PAYLOAD). `storeChecksSha256`: a declared SHA-256 is not checked here but returned for the
 * ObjectStore to check (an object's or part's body, which the store hashes for its ETag).
 */
export function requestPayload(request: WireRequest, signing: SigningContext, storeChecksSha256 = false): RequestPayload {
  const contentSha256 = headerValue(request.headers, 'x-amz-content-sha256') ?? UNSIGNED_PAYLOAD;
  const chunked = STREAMING_SIGNED.has(contentSha256) || contentSha256 === STREAMING_UNSIGNED;
  if (!chunked && contentSha256 !== UNSIGNED_PAYLOAD && !/^[0-9a-f]{64}$/.test(contentSha256)) {
    throw new ServiceError('InvalidArgument', 400, `x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-… or a SHA-256 in hex, not ${contentSha256.slice(0, 80)}`);
  }
  const contentMd5 = headerValue(request.headers, 'content-md5');
  if (contentMd5 !== undefined && !/^[A-Za-z0-9+/]{22}==$/.test(contentMd5)) throw new ServiceError('InvalidDigest', 400, 'The Content-MD5 you specified is not valid.');

  // Checksums named in headers now; one named by x-amz-trailer arrives after the body.
  const expected = new Map<string, string | undefined>();
  for (const name of Object.keys(request.headers)) {
    if (CHECKSUM_HEADER.test(name) && !CHECKSUM_SETTINGS.has(name)) {
      checksumAlgorithm(name);
      expected.set(name, headerValue(request.headers, name));
    }
  }
  const trailerName = headerValue(request.headers, 'x-amz-trailer')?.trim().toLowerCase();
  if (trailerName !== undefined) {
    if (!chunked) throw new ServiceError('InvalidRequest', 400, 'x-amz-trailer is only allowed with an aws-chunked (STREAMING-…) payload');
    checksumAlgorithm(trailerName);
    expected.set(trailerName, undefined);
  }
  const decodedLength = headerValue(request.headers, 'x-amz-decoded-content-length');
  if (chunked && decodedLength !== undefined && !/^\d+$/.test(decodedLength)) {
    throw new ServiceError('InvalidArgument', 400, 'x-amz-decoded-content-length must be a number of bytes');
  }

  const checksums = new Map<string, string>();
  const verified = new Map<ChecksumMember, string>();
  async function* bytes(): AsyncGenerator<Uint8Array> {
    const trailers = new Map<string, string>();
    const source = chunked
      ? decodeAwsChunked(request.stream, { signing: STREAMING_SIGNED.has(contentSha256) ? signing : undefined, trailers })
      : request.stream;
    const digests = new Map([...expected.keys()].map((name) => [name, awsChecksummer(CHECKSUMS[checksumAlgorithm(name)]!.label)]));
    const sha256 = chunked || contentSha256 === UNSIGNED_PAYLOAD || storeChecksSha256 ? undefined : createHash('sha256');
    const md5 = contentMd5 === undefined ? undefined : createHash('md5');
    let length = 0;
    for await (const piece of source) {
      length += piece.length;
      sha256?.update(piece);
      md5?.update(piece);
      for (const digest of digests.values()) digest.update(piece);
      yield piece;
    }
    if (sha256 && sha256.digest('hex') !== contentSha256) {
      throw new ServiceError('XAmzContentSHA256Mismatch', 400, 'The provided \'x-amz-content-sha256\' header does not match what was computed.');
    }
    if (chunked && decodedLength !== undefined && length !== Number(decodedLength)) {
      throw new ServiceError('IncompleteBody', 400, `The aws-chunked body holds ${length} bytes; x-amz-decoded-content-length says ${decodedLength}`);
    }
    if (md5 && md5.digest('base64') !== contentMd5) throw new ServiceError('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.');
    for (const [name, digest] of digests) {
      const claimed = expected.get(name) ?? trailers.get(name);
      if (claimed === undefined) throw new ServiceError('InvalidRequest', 400, `x-amz-trailer names ${name}, but the body's trailer does not carry it`);
      const computed = await digest.digest();
      if (computed !== claimed) {
        throw new ServiceError('BadDigest', 400, `The ${CHECKSUMS[checksumAlgorithm(name)]!.label} you specified did not match the calculated checksum.`);
      }
      checksums.set(name, computed);
      verified.set(memberOf(CHECKSUMS[checksumAlgorithm(name)]!.label), computed);
    }
  }
  const declaresSha256 = !chunked && contentSha256 !== UNSIGNED_PAYLOAD;
  return { bytes: bytes(), checksums, verified, contentSha256: storeChecksSha256 && declaresSha256 ? contentSha256 : undefined };
}
