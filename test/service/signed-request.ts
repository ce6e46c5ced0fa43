// Raw requests signed as the AWS SDK signs them (@smithy/signature-v4), for tests that send what
// the SDKs never would: malformed bodies, unknown targets, tampered parts.

import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Credentials } from './service-fixture.js';

export interface RawRequest {
  service: 'kms' | 'iam' | 'sts' | 's3' | 'athena';
  region?: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  credentials: Credentials;
  signingDate?: Date;
  /** Send x-amz-content-sha256 (the SDK's signer does by default; the AWS CLI does not for KMS). */
  applyChecksum?: boolean;
}

/** The headers of the signed request (host, x-amz-date, authorization, and the given ones). */
export async function signRequest(url: string, request: RawRequest): Promise<Record<string, string>> {
  const { host } = new URL(url);
  const signer = new SignatureV4({ credentials: request.credentials, region: request.region ?? 'us-east-1', service: request.service, sha256: Sha256,
    applyChecksum: request.applyChecksum ?? true });
  // A query string in `path` is signed as the query (sub-resources such as ?versioning have an empty value).
  const target = new URL(request.path ?? '/', 'http://x');
  const signed = await signer.sign({
    method: request.method ?? 'POST', protocol: 'http:', hostname: host, path: target.pathname, query: Object.fromEntries(target.searchParams),
    headers: { host, ...request.headers }, body: request.body ?? '',
  }, { signingDate: request.signingDate });
  return signed.headers as Record<string, string>;
}

export async function sendSigned(url: string, request: RawRequest): Promise<{ status: number; body: string; headers: Headers }> {
  const headers = await signRequest(url, request);
  delete headers.host;
  const body = typeof request.body === 'string' || request.body === undefined ? request.body : Buffer.from(request.body);
  const response = await fetch(url + (request.path ?? '/'), { method: request.method ?? 'POST', headers, body });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** A KMS JSON 1.1 request body and headers for `operation`. */
export const kmsRequest = (operation: string, body: string | Uint8Array, credentials: Credentials): RawRequest => ({
  service: 'kms', credentials, body,
  headers: { 'x-amz-target': `TrentService.${operation}`, 'content-type': 'application/x-amz-json-1.1' },
});
