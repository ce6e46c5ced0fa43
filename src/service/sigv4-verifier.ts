// Verifies an AWS Signature Version 4 Authorization header (AWS General Reference, "Create a signed
// AWS API request" and "Elements of an AWS API request signature").
//
// The signature is recomputed with @smithy/signature-v4, the signer the AWS SDK for JavaScript v3
// itself uses, over the request restricted to the headers the client listed in SignedHeaders, at the
// client's X-Amz-Date: so canonicalization (URI double-encoding, query sorting, header folding,
// payload hashing) is exactly what AWS clients do, not a second implementation of it. Only the
// comparison of the two signatures is ours, in constant time.

import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { AuthenticationFailure } from './service-error.js';
import { headerValue, type WireRequest } from './wire.js';

/** AWS refuses a signature whose X-Amz-Date is more than 15 minutes from its clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request\s*,\s*SignedHeaders=([a-z0-9;_.-]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;

/** The Authorization header's parts; undefined when there is none, a failure when it is malformed. */
export function credentialScopeOf(request: WireRequest): CredentialScope | undefined {
  const header = headerValue(request.headers, 'authorization');
  if (header === undefined) return undefined;
  const match = AUTHORIZATION.exec(header);
  if (!match) throw new AuthenticationFailure('incomplete', 'Authorization header requires Credential, SignedHeaders and Signature in the AWS4-HMAC-SHA256 form');
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as string[];
  return { accessKeyId: accessKeyId!, date: date!, region: region!, service: service!, signedHeaders: signedHeaders!.split(';'), signature: signature! };
}

/** "20240102T030405Z" → that instant, or undefined. */
function parseAmzDate(value: string | undefined): Date | undefined {
  const match = value === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Checks the scope's date and the clock skew, then the signature under `secret`. Throws an
 * AuthenticationFailure saying which check failed.
 */
export async function verifySignature(request: WireRequest, scope: CredentialScope, secret: string, now: Date): Promise<void> {
  const signingDate = parseAmzDate(headerValue(request.headers, 'x-amz-date'));
  if (!signingDate) throw new AuthenticationFailure('incomplete', 'X-Amz-Date header in the form YYYYMMDDTHHMMSSZ is required');
  if (headerValue(request.headers, 'x-amz-date')!.slice(0, 8) !== scope.date) {
    throw new AuthenticationFailure('bad-signature', 'Date in Credential scope does not match YYYYMMDD from X-Amz-Date');
  }
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    throw new AuthenticationFailure('expired', `Signature expired: ${headerValue(request.headers, 'x-amz-date')} is more than 15 minutes from the server time ${now.toISOString()}`);
  }
  if (!scope.signedHeaders.includes('host')) throw new AuthenticationFailure('bad-signature', 'SignedHeaders must include host');
  // The signer takes a present x-amz-content-sha256 as the payload's hash without hashing the body
  // (clients send it so servers need not buffer): the header must then be the body's hash, or a
  // changed body would pass under the original signature. KMS, IAM and STS bodies are always signed.
  const declaredHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(request.body).digest('hex')) {
    throw new AuthenticationFailure('bad-signature', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }
  const headers: Record<string, string> = {};
  for (const name of scope.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) throw new AuthenticationFailure('bad-signature', `signed header ${name} is not in the request`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: scope.accessKeyId, secretAccessKey: secret },
    region: scope.region, service: scope.service, sha256: Sha256,
    // S3 signs the path as sent; every other service double-encodes it (smithy's default).
    uriEscapePath: scope.service !== 's3',
    applyChecksum: false,
  });
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(request.query.keys())) {
    const values = request.query.getAll(name);
    query[name] = values.length === 1 ? values[0]! : values;
  }
  let path: string;
  try {
    path = decodeURIComponent(request.path);
  } catch {
    throw new AuthenticationFailure('bad-signature', 'the request path is not valid percent-encoding');
  }
  const signed = await signer.sign({
    method: request.method, protocol: 'http:', hostname: headers.host!, path, query, headers, body: request.body,
  }, { signingDate, signableHeaders: new Set(scope.signedHeaders) });
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1] ?? '';
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(scope.signature, 'latin1');
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new AuthenticationFailure('bad-signature', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
}
