// Request bodies as a stream of byte chunks, whatever form they come in (the forms the AWS SDK's
// PutObject takes), and the ETag computed as they pass.

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { s3Error } from './s3-errors.js';

/** What `Body` may be in putObject and uploadPart: bytes, text, a Blob, a Web stream, a Node Readable or any async iterable of bytes. */
export type ObjectBody = Uint8Array | string | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** The largest piece handed on at once: a large array or chunk is cut into views of this size, never copied. */
export const PIECE_BYTES = 1024 * 1024;

function* pieces(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += PIECE_BYTES) yield bytes.subarray(at, at + PIECE_BYTES);
}

/**
 * The body's bytes in order, in pieces of at most PIECE_BYTES. A body of another type is refused
 * here, at once (InvalidArgument naming `field`); a stream yielding something else fails the read.
 */
export function bodyPieces(body: unknown, field = 'Body'): AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array) return fromIterable([body]);
  if (typeof body === 'string') return fromIterable([new TextEncoder().encode(body)]);
  if (typeof Blob !== 'undefined' && body instanceof Blob) return fromIterable(readerIterable(body.stream()), field);
  if (typeof body === 'object' && body !== null && Symbol.asyncIterator in body) return fromIterable(body as AsyncIterable<unknown>, field);
  if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) return fromIterable(readerIterable(body), field);
  throw s3Error('InvalidArgument', `${field}: expected a Uint8Array, a string, a Blob, a ReadableStream or an async iterable of Uint8Array`);
}

async function* fromIterable(chunks: Iterable<unknown> | AsyncIterable<unknown>, field = 'Body'): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    if (typeof chunk === 'string') yield* pieces(new TextEncoder().encode(chunk)); // a Node Readable with an encoding set
    else if (chunk instanceof Uint8Array) yield* pieces(chunk);
    else throw s3Error('InvalidArgument', `${field}: the stream gave a ${typeof chunk}, not a Uint8Array`);
  }
}

/** A request's ContentLength: undefined, or a whole number of bytes up to `max`. */
export function checkContentLength(value: unknown, max: number): number | undefined {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max)) {
    throw s3Error('InvalidArgument', `ContentLength: expected a whole number of bytes from 0 to ${max}, got ${String(value)}`);
  }
  return value as number | undefined;
}

/** A Web stream without Symbol.asyncIterator (some browsers): read through its reader, released when done. */
async function* readerIterable(stream: ReadableStream<unknown>): AsyncGenerator<unknown> {
  const reader = stream.getReader();
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value;
  } finally {
    reader.releaseLock();
  }
}

/**
 * The SHA-256 of a body fed in pieces, from which its ETag comes (etagOf). Node's native hash where
 * there is one, else @noble/hashes.
 */
export function etagHasher(): { update(bytes: Uint8Array): void; digest(): Uint8Array } {
  const native = globalThis.process?.getBuiltinModule?.('node:crypto');
  const hash = native ? native.createHash('sha256') : sha256.create();
  return {
    update: (bytes) => { hash.update(bytes); },
    digest: () => new Uint8Array(hash.digest()),
  };
}

/** A body's ETag from its SHA-256: the first 16 bytes, hex, quoted (S3 uses MD5; we do not). */
export const etagOf = (sha256Digest: Uint8Array) => `"${bytesToHex(sha256Digest.subarray(0, 16))}"`;

/**
 * A completed multipart upload's ETag, from its parts' (whose bodies it is served from, never read
 * whole): the first 16 bytes of the SHA-256 of the parts' ETag digests joined, quoted, with
 * "-<parts>" appended, the shape of S3's (which uses MD5: User Guide, "Checking object integrity").
 */
export function multipartEtag(partEtags: readonly string[]): string {
  const hash = sha256.create();
  for (const etag of partEtags) hash.update(hexToBytes(etag.slice(1, -1)));
  return `"${bytesToHex(hash.digest().subarray(0, 16))}-${partEtags.length}"`;
}
