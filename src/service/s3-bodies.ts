// The one place where HTTP bodies meet the ObjectStore's bodies, so that the ObjectStore's switch to
// streamed bodies changes only this file:
// - a request's payload → what putObject / uploadPart take: today the whole body as a Uint8Array,
//   read up to a bound (S3's EntityTooLarge past it);
// - getObject's Body → what the response streams: a Uint8Array today, an async iterable of bytes (or a
//   Body with transformToByteArray) once the ObjectStore streams.

import { ServiceError } from './service-error.js';

/**
 * The largest body read into memory for one PUT or part. S3 allows 5 GiB per PUT (Amazon S3 User
 * Guide, "Uploading objects"); until the ObjectStore takes streams, this server holds a body whole.
 */
export const MAX_BUFFERED_BODY_BYTES = 512 * 1024 * 1024;

const tooLarge = (limit: number) => new ServiceError('EntityTooLarge', 400,
  `Your proposed upload exceeds the maximum allowed size: this server reads at most ${limit} bytes per object or part`);

/** Refuses, before reading anything, a body whose declared length is over the bound. */
export function checkDeclaredLength(declared: string | undefined, limit = MAX_BUFFERED_BODY_BYTES): void {
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
}

/** The payload as putObject's Body. */
export async function objectBodyOf(payload: AsyncIterable<Uint8Array>, limit = MAX_BUFFERED_BODY_BYTES): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let length = 0;
  for await (const piece of payload) {
    length += piece.length;
    if (length > limit) throw tooLarge(limit);
    pieces.push(piece);
  }
  return new Uint8Array(Buffer.concat(pieces, length));
}

/** A streamed Body as the AWS SDK shapes it: async iteration of bytes, or at least transformToByteArray(). */
type StreamedBody = AsyncIterable<Uint8Array> | { transformToByteArray(): Promise<Uint8Array> };

/** getObject's Body as the response body: bytes as they are, a stream as it comes. */
export function responseBodyOf(body: Uint8Array | StreamedBody): Uint8Array | AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array || Symbol.asyncIterator in body) return body;
  return (async function* whole() {
    yield await body.transformToByteArray();
  })();
}
