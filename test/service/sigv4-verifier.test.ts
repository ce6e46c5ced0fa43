// The SigV4 verifier on its own, with the worked example of the AWS General Reference ("Signature
// Version 4 signing process" / "Create a signed AWS API request": IAM ListUsers by GET, access key
// AKIDEXAMPLE, secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z, signature
// 5d672d79…f2b5d7) as the known answer, and every part of it changed.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthenticationFailure } from '../../src/service/service-error.js';
import { credentialScopeOf, verifySignature } from '../../src/service/sigv4-verifier.js';
import type { WireRequest } from '../../src/service/wire.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SIGNATURE = '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7';
const SIGNED_AT = new Date('2015-08-30T12:36:00Z');

interface Change { headers?: Record<string, string>; query?: string; path?: string; method?: string; body?: string }

function documented(change: Change = {}): WireRequest {
  return {
    method: change.method ?? 'GET', path: change.path ?? '/', query: new URLSearchParams(change.query ?? 'Action=ListUsers&Version=2010-05-08'),
    headers: {
      host: 'iam.amazonaws.com', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'x-amz-date': '20150830T123600Z',
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${SIGNATURE}`,
      ...change.headers,
    },
    body: new TextEncoder().encode(change.body ?? ''), stream: (async function* () {})(), sourceIp: '127.0.0.1', secureTransport: false,
  };
}

async function outcome(request: WireRequest, secret = SECRET, now = SIGNED_AT): Promise<string> {
  try {
    await verifySignature(request, credentialScopeOf(request)!, secret, now);
    return 'verified';
  } catch (error) {
    if (error instanceof AuthenticationFailure) return error.failure;
    throw error;
  }
}

describe('SigV4 verification', () => {
  it('reads the credential scope', () => {
    expect(credentialScopeOf(documented())).toEqual({
      accessKeyId: 'AKIDEXAMPLE', date: '20150830', region: 'us-east-1', service: 'iam',
      signedHeaders: ['content-type', 'host', 'x-amz-date'], signature: SIGNATURE,
    });
    const { authorization: _, ...unsigned } = documented().headers;
    expect(credentialScopeOf({ ...documented(), headers: unsigned })).toBeUndefined();
  });

  it('verifies the documented example, up to 15 minutes either side of its date', async () => {
    expect(await outcome(documented())).toBe('verified');
    expect(await outcome(documented(), SECRET, new Date(SIGNED_AT.getTime() + 15 * 60_000))).toBe('verified');
    expect(await outcome(documented(), SECRET, new Date(SIGNED_AT.getTime() - 15 * 60_000))).toBe('verified');
    expect(await outcome(documented(), SECRET, new Date(SIGNED_AT.getTime() + 15 * 60_000 + 1000))).toBe('expired');
    expect(await outcome(documented(), SECRET, new Date(SIGNED_AT.getTime() - 15 * 60_000 - 1000))).toBe('expired');
  });

  it('refuses every change: secret, each signature digit, query, path, method, signed headers, body', async () => {
    expect(await outcome(documented(), `${SECRET.slice(0, -1)}Z`)).toBe('bad-signature');
    for (let i = 0; i < SIGNATURE.length; i++) {
      const flipped = SIGNATURE.slice(0, i) + (SIGNATURE[i] === 'a' ? 'b' : 'a') + SIGNATURE.slice(i + 1);
      const request = documented();
      request.headers.authorization = String(request.headers.authorization).replace(SIGNATURE, flipped);
      expect(await outcome(request)).toBe('bad-signature');
    }
    for (const change of <Change[]>[{ query: 'Action=ListGroups&Version=2010-05-08' }, { query: 'Action=ListUsers&Version=2010-05-08&Marker=x' },
      { path: '/x' }, { method: 'POST' }, { headers: { host: 'iam.amazonaws.com:443' } }, { headers: { 'content-type': 'text/plain' } },
      { headers: { 'x-amz-date': '20150830T123601Z' } }, { body: 'Action=DeleteUser' }]) {
      expect(await outcome(documented(change)), JSON.stringify(change)).toBe('bad-signature');
    }
  });

  it('an unsigned header may change; a signed one that is missing, a scope date not the request\'s, or SignedHeaders without host are refused', async () => {
    expect(await outcome(documented({ headers: { 'user-agent': 'anything' } }))).toBe('verified');
    const { 'content-type': _, ...withoutType } = documented().headers;
    expect(await outcome({ ...documented(), headers: withoutType })).toBe('bad-signature');
    expect(await outcome(documented({ headers: { 'x-amz-date': '20150831T123600Z' } }), SECRET, new Date('2015-08-31T12:36:00Z'))).toBe('bad-signature');
    const noHost = documented();
    noHost.headers.authorization = String(noHost.headers.authorization).replace('content-type;host;x-amz-date', 'content-type;x-amz-date');
    expect(await outcome(noHost)).toBe('bad-signature');
    expect(await outcome(documented({ headers: { 'x-amz-date': '2015-08-30T12:36:00Z' } }))).toBe('incomplete');
  });

  it('a present x-amz-content-sha256 must be the hash of the body', async () => {
    const hashOf = (body: string) => createHash('sha256').update(body).digest('hex');
    expect(await outcome(documented({ headers: { 'x-amz-content-sha256': hashOf('other') } }))).toBe('bad-signature');
    expect(await outcome(documented({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }))).toBe('bad-signature');
    // the right hash, unsigned: still the documented signature
    expect(await outcome(documented({ headers: { 'x-amz-content-sha256': hashOf('') } }))).toBe('verified');
  });

  it('a malformed Authorization header is "incomplete"', () => {
    for (const authorization of ['AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host',
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=${SIGNATURE}`,
      `AWS4-HMAC-SHA512 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=${SIGNATURE}`]) {
      expect(() => credentialScopeOf(documented({ headers: { authorization } }))).toThrow(AuthenticationFailure);
    }
  });
});
