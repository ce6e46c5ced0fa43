// Reads a request body whole, up to a limit: KMS, IAM and STS requests are small (a KMS plaintext is
// at most 4 KiB, a key policy 32 KiB), so a larger body is refused before it is buffered.

import type { IncomingHttpHeaders } from 'node:http';

/** The largest body this service reads (IAM and KMS documents are far smaller). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The body's bytes, or undefined when it is (or declares itself) longer than `limit`. */
export async function readBody(headers: IncomingHttpHeaders, stream: AsyncIterable<Uint8Array>, limit = MAX_BODY_BYTES): Promise<Uint8Array | undefined> {
  const declared = Number(headers['content-length'] ?? 0);
  return declared > limit ? undefined : readUpTo(stream, limit);
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
