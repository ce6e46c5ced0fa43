// A request as the service sees it once its body is read, and the response a protocol answers with.

import type { IncomingHttpHeaders } from 'node:http';

export interface WireRequest {
  method: string;
  /** The request target's path, still percent-encoded as the client sent it. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
  /** aws:SourceIp: the peer's address (an IPv4-mapped IPv6 address as plain IPv4). */
  sourceIp: string | undefined;
  /** aws:SecureTransport: the connection is TLS. */
  secureTransport: boolean;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A header's single value (the first, where a client repeated it). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
