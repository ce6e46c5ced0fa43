// A request as the service sees it, and the response a protocol answers with. KMS, IAM and STS bodies
// are read whole before they are dispatched (`body`); S3 reads its own from `stream` as it arrives.

import type { IncomingHttpHeaders } from 'node:http';

export interface WireRequest {
  method: string;
  /** The request target's path, still percent-encoded as the client sent it. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
  /** The body as it arrives from the socket (read at most once: by readBody, or by a service that streams). */
  stream: AsyncIterable<Uint8Array>;
  /** aws:SourceIp: the peer's address (an IPv4-mapped IPv6 address as plain IPv4). */
  sourceIp: string | undefined;
  /** aws:SecureTransport: the connection is TLS. */
  secureTransport: boolean;
}

export interface WireResponse {
  status: number;
  /** A Content-Length given here is sent as is (HEAD answers with the object's length and no body). */
  headers: Record<string, string>;
  /** Text is sent as UTF-8; an async iterable is streamed (chunked). */
  body: string | Uint8Array | AsyncIterable<Uint8Array>;
}

/** A header's single value (the first, where a client repeated it). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
