// Reads a request body whole, up to a limit: KMS, IAM and STS requests are small (a KMS plaintext is
// at most 4 KiB, a key policy 32 KiB), so a larger body is refused before it is buffered.

import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { ServiceError } from './service-error.js';

/** The largest body this service reads (IAM and KMS documents are far smaller). */
export const MAX_BODY_BYTES = 1024 * 1024;

const incomplete = () => new ServiceError('IncompleteBody', 400, 'The connection closed before the request body was complete');

/**
 * A request's body as it arrives from the socket, read once: streamed (async iteration, for S3's
 * bodies) or whole (`readWhole`, for the small documents of KMS, IAM and STS). Counts the bytes read,
 * for the log. A client that goes away mid-body is the request's error (S3's IncompleteBody), not a fault.
 */
export class IncomingBody implements AsyncIterable<Uint8Array> {
  bytesRead = 0;

  constructor(private readonly source: Readable) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    try {
      for await (const chunk of this.source) {
        this.bytesRead += (chunk as Uint8Array).length;
        yield chunk as Uint8Array;
      }
    } catch {
      throw incomplete();
    }
  }

  /**
   * The body's bytes, or undefined as soon as they run past `limit` (nothing more is buffered). Read
   * with the stream's events rather than async iteration: for a body of one or two chunks the
   * iterator's promises and generator cost as much as the rest of the HTTP request's handling.
   */
  readWhole(limit: number): Promise<Uint8Array | undefined> {
    const source = this.source;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let length = 0;
      const settle = (settled: () => void) => {
        source.off('data', onData).off('end', onEnd).off('error', onError).off('close', onError);
        settled();
      };
      const onData = (chunk: Buffer) => {
        this.bytesRead += chunk.length;
        length += chunk.length;
        if (length > limit) {
          source.pause();
          settle(() => resolve(undefined));
        } else {
          chunks.push(chunk);
        }
      };
      const onEnd = () => settle(() => resolve(new Uint8Array(Buffer.concat(chunks, length))));
      const onError = () => settle(() => reject(incomplete()));
      if (source.readableEnded) return resolve(new Uint8Array(0));
      source.on('data', onData).on('end', onEnd).on('error', onError).on('close', onError);
    });
  }
}

/** The body's bytes, or undefined when it is (or declares itself) longer than `limit`. */
export async function readBody(headers: IncomingHttpHeaders, stream: AsyncIterable<Uint8Array>, limit = MAX_BODY_BYTES): Promise<Uint8Array | undefined> {
  const declared = Number(headers['content-length'] ?? 0);
  if (declared > limit) return undefined;
  return stream instanceof IncomingBody ? stream.readWhole(limit) : readUpTo(stream, limit);
}

/** The stream's bytes, or undefined as soon as they run past `limit` (nothing more is buffered). */
export async function readUpTo(stream: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    length += chunk.length;
    if (length > limit) return undefined;
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks, length));
}
