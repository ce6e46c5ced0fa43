// The one place where HTTP bodies meet the ObjectStore's:
// - a PUT's or part's payload goes to putObject / uploadPart as a stream (the ObjectStore encrypts
//   it as it arrives, so memory stays bounded whatever the object's size), with the length the
//   request declared; a declared length over S3's 5 GiB is refused before anything is read;
// - a small request document (bucket configuration, a multipart completion, a delete list) is read
//   whole, up to a bound;
// getObject's Body is already an async iterable of bytes, which the server streams as it is.

import { MAX_PUT_BYTES } from '../s3/object-store.js';
import { readUpTo } from './read-body.js';
import { ServiceError } from './service-error.js';

const tooLarge = (limit: number) => new ServiceError('EntityTooLarge', 400,
  `Your proposed upload exceeds the maximum allowed size: at most ${limit} bytes per object or part`);

/**
 * The payload as putObject's Body and ContentLength. `declared` is x-amz-decoded-content-length (an
 * aws-chunked body) or Content-Length; S3 allows 5 GiB per PUT or part (Amazon S3 User Guide,
 * "Uploading objects").
 */
export function objectPayload(bytes: AsyncIterable<Uint8Array>, declared: string | undefined, limit = MAX_PUT_BYTES):
  { Body: AsyncIterable<Uint8Array>; ContentLength?: number } {
  if (declared === undefined) return { Body: bytes };
  if (!/^\d{1,16}$/.test(declared)) throw new ServiceError('InvalidArgument', 400, `The declared content length ${JSON.stringify(declared)} is not a whole number of bytes`);
  const length = Number(declared);
  if (length > limit) throw tooLarge(limit);
  return { Body: bytes, ContentLength: length };
}

/** A small document, read whole; one byte over `limit` is EntityTooLarge. */
export async function readDocument(payload: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array> {
  const bytes = await readUpTo(payload, limit);
  if (!bytes) throw tooLarge(limit);
  return bytes;
}
