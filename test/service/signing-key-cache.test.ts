// Signing keys derived once per access key, day, region and service: the AWS General Reference's
// worked example ("Create a signed AWS API request", IAM, 20150830, us-east-1: kSigning
// c4afb1cc…54a4b9) as the known answer, from a fresh derivation, from the cache, after the secret
// changed, and after eviction.

import { describe, expect, it } from 'vitest';
import { SigningKeyCache } from '../../src/service/signing-key-cache.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const DOCUMENTED = 'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9';

describe('SigningKeyCache', () => {
  it('derives the documented key, and answers the same from the cache', () => {
    const cache = new SigningKeyCache();
    const first = cache.signingKey('AKIDEXAMPLE', SECRET, '20150830', 'us-east-1', 'iam');
    expect(first.toString('hex')).toBe(DOCUMENTED);
    expect(cache.signingKey('AKIDEXAMPLE', SECRET, '20150830', 'us-east-1', 'iam')).toBe(first);
  });

  it('derives again for another secret, day, region or service, and after eviction', () => {
    const cache = new SigningKeyCache(2);
    const documented = () => cache.signingKey('AKIDEXAMPLE', SECRET, '20150830', 'us-east-1', 'iam').toString('hex');
    expect(documented()).toBe(DOCUMENTED);
    const others = [
      cache.signingKey('AKIDEXAMPLE', `${SECRET}x`, '20150830', 'us-east-1', 'iam'),
      cache.signingKey('AKIDEXAMPLE', SECRET, '20150831', 'us-east-1', 'iam'),
      cache.signingKey('AKIDEXAMPLE', SECRET, '20150830', 'eu-west-1', 'iam'),
      cache.signingKey('AKIDEXAMPLE', SECRET, '20150830', 'us-east-1', 'kms'),
    ].map((key) => key.toString('hex'));
    expect(new Set([DOCUMENTED, ...others]).size).toBe(5);
    // the secret changed back, and the documented entry was evicted long since: derived anew, the same
    expect(documented()).toBe(DOCUMENTED);
    expect(cache.signingKey('AKIDEXAMPLE', `${SECRET}x`, '20150830', 'us-east-1', 'iam').toString('hex')).toBe(others[0]);
  });
});
