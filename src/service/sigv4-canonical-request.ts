// The SigV4 canonical request (AWS General Reference, "Create a signed AWS API request", step 1):
//   Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload
// built once per request from what the server received, with the rules of @smithy/signature-v4 (the
// signer of the AWS SDK for JavaScript v3): the URI of every service but S3 normalized and encoded
// twice, S3's as sent; query names and values URI-encoded (RFC 3986 unreserved characters kept) and
// sorted by name, then value; each signed header's value with whitespace runs folded to one space and
// trimmed. test/service/sigv4-canonical-request.test.ts checks it against that signer over many requests.

import type { IncomingHttpHeaders } from 'node:http';

/** encodeURIComponent, plus the sub-delimiters it leaves alone that RFC 3986 reserves. */
export function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A decoded path with empty, "." and ".." segments resolved, encoded again ("/" kept). */
export function normalizedPath(decoded: string): string {
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const path = `${decoded.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && decoded.endsWith('/') ? '/' : ''}`;
  return escapeUri(path).replace(/%2F/g, '/');
}

/** The query's names and values encoded, sorted by name then value, without X-Amz-Signature. */
export function canonicalQuery(query: URLSearchParams): string {
  const byName = new Map<string, string[]>();
  for (const [name, value] of query) {
    if (name.toLowerCase() === 'x-amz-signature') continue;
    const encoded = escapeUri(name);
    const pair = `${encoded}=${escapeUri(value)}`;
    const pairs = byName.get(encoded);
    if (pairs) pairs.push(pair);
    else byName.set(encoded, [pair]);
  }
  if (byName.size === 0) return '';
  return [...byName.keys()].sort().map((name) => byName.get(name)!.sort().join('&')).join('&');
}

/** A header's canonical value: repeated headers joined by commas, whitespace runs one space, trimmed. */
const canonicalValue = (value: string | string[]) =>
  (Array.isArray(value) ? value.join(',') : value).replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');

export interface CanonicalRequestParts {
  method: string;
  /** The canonical URI, already encoded as the service's clients encode it. */
  uri: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Lower-case names, sorted, without repeats. */
  signedHeaders: readonly string[];
  payloadHash: string;
}

/** The canonical request; the name of a signed header the request lacks, when one does. */
export function canonicalRequest(parts: CanonicalRequestParts): string | { missingHeader: string } {
  let text = `${parts.method}\n${parts.uri}\n${canonicalQuery(parts.query)}\n`;
  for (const name of parts.signedHeaders) {
    const value = parts.headers[name];
    if (value === undefined) return { missingHeader: name };
    text += `${name}:${canonicalValue(value)}\n`;
  }
  return `${text}\n${parts.signedHeaders.join(';')}\n${parts.payloadHash}`;
}
