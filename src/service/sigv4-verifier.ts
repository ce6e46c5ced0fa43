// Verifies an AWS Signature Version 4 signature, in an Authorization header (AWS General Reference,
// "Create a signed AWS API request" and "Elements of an AWS API request signature") or in the query
// string of a presigned URL (Amazon S3 API Reference, "Authenticating Requests: Using Query
// Parameters (AWS Signature Version 4)").
//
// The canonical request is built once from the request as received (sigv4-canonical-request.ts, checked
// against @smithy/signature-v4, the AWS SDK's own signer), hashed once, and signed with a signing key
// derived once per access key and day (signing-key-cache.ts); the two signatures are compared in
// constant time. Before this, the SDK's signer itself re-signed each request: a third of the
// service's CPU per KMS call went into its copies of the request, its hash objects and its key derivation.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalRequest, normalizedPath } from './sigv4-canonical-request.js';
import { AuthenticationFailure, ServiceError } from './service-error.js';
import { SigningKeyCache } from './signing-key-cache.js';
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
  /** Query-string authentication (a presigned URL): how many seconds after X-Amz-Date it stays valid. */
  expiresSeconds?: number;
}

/** What a verified signature lets the payload's reader check: aws-chunked chunk signatures chain from the seed signature. */
export interface SigningContext {
  /** X-Amz-Date as sent. */
  amzDate: string;
  /** "YYYYMMDD/region/service/aws4_request". */
  credentialScope: string;
  seedSignature: string;
  /** HMAC-SHA256 under the request's signing key, in hex. */
  signString(stringToSign: string): Promise<string>;
}

/** S3's payload hash for a body sent without one (presigned URLs, and clients that do not hash). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** A presigned URL is valid for at most 7 days (S3 API Reference, "Authenticating Requests: Using Query Parameters"). */
const MAX_PRESIGNED_SECONDS = 604_800;

const AUTHORIZATION = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request\s*,\s*SignedHeaders=([a-z0-9;_.-]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;

/** Signing keys, derived once per access key, day, region and service. */
const signingKeys = new SigningKeyCache();

const QUERY_CREDENTIAL = /^([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request$/;

/** The X-Amz-* parameters of a presigned URL; undefined when it has none. */
function presignedScopeOf(query: URLSearchParams): CredentialScope | undefined {
  if (!['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature'].some((name) => query.has(name))) return undefined;
  const credential = QUERY_CREDENTIAL.exec(query.get('X-Amz-Credential') ?? '');
  const signedHeaders = query.get('X-Amz-SignedHeaders') ?? '';
  const signature = query.get('X-Amz-Signature') ?? '';
  const expires = query.get('X-Amz-Expires') ?? '';
  if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || !credential || !/^[a-z0-9;_.-]+$/.test(signedHeaders)
    || !/^[0-9a-f]{64}$/.test(signature) || !/^\d{1,7}$/.test(expires) || !query.has('X-Amz-Date')) {
    throw new AuthenticationFailure('malformed-query', 'Query-string authentication requires X-Amz-Algorithm=AWS4-HMAC-SHA256, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature');
  }
  const expiresSeconds = Number(expires);
  if (expiresSeconds < 1 || expiresSeconds > MAX_PRESIGNED_SECONDS) {
    throw new AuthenticationFailure('malformed-query', `X-Amz-Expires must be from 1 to ${MAX_PRESIGNED_SECONDS} seconds (7 days)`);
  }
  const [, accessKeyId, date, region, service] = credential as unknown as string[];
  return { accessKeyId: accessKeyId!, date: date!, region: region!, service: service!, signedHeaders: signedHeaders.split(';'), signature, expiresSeconds };
}

/**
 * The Authorization header's parts, or a presigned URL's; undefined when the request has neither, a
 * failure when they are malformed.
 */
export function credentialScopeOf(request: WireRequest): CredentialScope | undefined {
  const header = headerValue(request.headers, 'authorization');
  if (header === undefined) return presignedScopeOf(request.query);
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

/** The payload hash the canonical request carries: S3 requests name theirs (their bodies stream; s3-payload.ts checks them as they arrive). */
function payloadHashOf(request: WireRequest, scope: CredentialScope): string {
  // A presigned S3 URL signs no payload (S3 API Reference, "Authenticating Requests: Using Query Parameters").
  if (scope.expiresSeconds !== undefined && scope.service === 's3') return UNSIGNED_PAYLOAD;
  const declared = headerValue(request.headers, 'x-amz-content-sha256');
  if (scope.service === 's3') {
    // S3 API Reference, "Common Request Headers": x-amz-content-sha256 is required with header authentication.
    if (declared === undefined) throw new ServiceError('InvalidRequest', 400, 'Missing required header for this request: x-amz-content-sha256');
    return declared;
  }
  // KMS, IAM and STS bodies are read whole first, so their hash is the body's, hashed here once. A
  // present x-amz-content-sha256 (clients send it so servers need not buffer) must be that hash, or a
  // changed body would pass under the original signature.
  const hash = createHash('sha256').update(request.body).digest('hex');
  if (declared !== undefined && declared !== hash) {
    throw new AuthenticationFailure('bad-signature', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }
  return hash;
}

/**
 * Checks the scope's date and the clock skew (or a presigned URL's expiry), then the signature under
 * `secret`. Throws an AuthenticationFailure saying which check failed; answers with what the payload's
 * reader needs to verify chunk signatures.
 */
export async function verifySignature(request: WireRequest, scope: CredentialScope, secret: string, now: Date): Promise<SigningContext> {
  const presigned = scope.expiresSeconds !== undefined;
  const amzDate = presigned ? request.query.get('X-Amz-Date') ?? undefined : headerValue(request.headers, 'x-amz-date');
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) {
    throw new AuthenticationFailure(presigned ? 'malformed-query' : 'incomplete', `${presigned ? 'X-Amz-Date parameter' : 'X-Amz-Date header'} in the form YYYYMMDDTHHMMSSZ is required`);
  }
  if (amzDate!.slice(0, 8) !== scope.date) {
    throw new AuthenticationFailure('bad-signature', 'Date in Credential scope does not match YYYYMMDD from X-Amz-Date');
  }
  if (presigned && now.getTime() > signingDate.getTime() + scope.expiresSeconds! * 1000) {
    throw new AuthenticationFailure('presign-expired', `Request has expired: X-Amz-Date ${amzDate} plus X-Amz-Expires ${scope.expiresSeconds} is before the server time ${now.toISOString()}`);
  }
  if (presigned ? signingDate.getTime() - now.getTime() > MAX_CLOCK_SKEW_MS : Math.abs(now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    throw new AuthenticationFailure('expired', `Signature expired: ${amzDate} is more than 15 minutes from the server time ${now.toISOString()}`);
  }
  if (!scope.signedHeaders.includes('host')) throw new AuthenticationFailure('bad-signature', 'SignedHeaders must include host');
  const payloadHash = payloadHashOf(request, scope);
  // S3's canonical URI is the path as sent (encoded once by the client); other services' signers encode the decoded path again.
  let uri = request.path;
  try {
    if (scope.service !== 's3') uri = normalizedPath(decodeURIComponent(request.path));
  } catch {
    throw new AuthenticationFailure('bad-signature', 'the request path is not valid percent-encoding');
  }
  const canonical = canonicalRequest({ method: request.method, uri, query: request.query, headers: request.headers,
    signedHeaders: [...new Set(scope.signedHeaders)].sort(), payloadHash });
  if (typeof canonical !== 'string') throw new AuthenticationFailure('bad-signature', `signed header ${canonical.missingHeader} is not in the request`);
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${credentialScope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const signingKey = signingKeys.signingKey(scope.accessKeyId, secret, scope.date, scope.region, scope.service);
  // Both are 32 bytes: the scope's signature is 64 hex digits (credentialScopeOf's patterns).
  if (!timingSafeEqual(createHmac('sha256', signingKey).update(stringToSign).digest(), Buffer.from(scope.signature, 'hex'))) {
    throw new AuthenticationFailure('bad-signature', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
  return {
    amzDate: amzDate!, credentialScope, seedSignature: scope.signature,
    signString: async (text) => createHmac('sha256', signingKey).update(text).digest('hex'),
  };
}
