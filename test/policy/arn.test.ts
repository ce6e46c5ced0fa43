// src/policy/arn.ts on its own: how an ARN splits into parts, which callers are principals, and what
// the engine learns about a caller for aws:PrincipalType, aws:userid and aws:username. A wrong
// answer here lets a policy that names one kind of caller admit another.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { accountOf, arnParts, isPrincipalArn, isServicePrincipal, matchesArn, principalFacts } from '../../src/policy/arn.js';
import { expandPolicyVariables } from '../../src/policy/policy-variables.js';
import type { PolicyPattern } from '../../src/policy/wildcard.js';

const ACCOUNT = '111122223333';

/** IAM's unique-id stand-in, computed apart from arn.ts with node:crypto: prefix + 17 base-32 letters of SHA-256(arn). */
const expectedId = (prefix: string, arn: string) =>
  prefix + [...createHash('sha256').update(arn).digest().subarray(0, 17)].map((b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b & 31]).join('');

describe('arnParts', () => {
  it('splits at the first five colons; the resource keeps any further ones', () => {
    expect(arnParts('arn:aws:s3:::bucket/a:b')).toEqual(['arn', 'aws', 's3', '', '', 'bucket/a:b']);
    expect(arnParts('a:b:c:d:e:')).toEqual(['a', 'b', 'c', 'd', 'e', '']);
    expect(arnParts(':b:c:d:e:f')).toEqual(['', 'b', 'c', 'd', 'e', 'f']);
    expect(arnParts('arn:aws:iam::root')).toBeUndefined();
    expect(arnParts('')).toBeUndefined();
  });
});

describe('matchesArn with a pattern a policy variable expanded', () => {
  const expanded = (pattern: string, context: Record<string, string>): PolicyPattern => expandPolicyVariables(pattern, context)!;

  it('matches part by part, the resource part keeping its colons', () => {
    const pattern = expanded('arn:aws:s3:::${aws:username}/*', { 'aws:username': 'alice' });
    expect(matchesArn(pattern, 'arn:aws:s3:::alice/notes:2026')).toBe(true);
    expect(matchesArn(pattern, 'arn:aws:s3:::bob/notes')).toBe(false);
    const account = expanded('arn:aws:iam::${aws:PrincipalAccount}:user/*', { 'aws:PrincipalAccount': ACCOUNT });
    expect(matchesArn(account, `arn:aws:iam::${ACCOUNT}:user/alice`)).toBe(true);
    expect(matchesArn(account, 'arn:aws:iam::444455556666:user/alice')).toBe(false);
  });

  it('a colon in the pattern\'s resource part stays in that part', () => {
    const pattern = expanded('arn:aws:s3:::${aws:username}/a:*', { 'aws:username': 'alice' });
    expect(matchesArn(pattern, 'arn:aws:s3:::alice/a:b')).toBe(true);
    expect(matchesArn(pattern, 'arn:aws:s3:::alice/a')).toBe(false);
  });

  it('${*} in the resource part stays literal there (each part keeps its own literal flags)', () => {
    const pattern = expanded('arn:aws:s3:::b/${*}', {});
    expect(matchesArn(pattern, 'arn:aws:s3:::b/*')).toBe(true);
    expect(matchesArn(pattern, 'arn:aws:s3:::b/x')).toBe(false);
  });

  it('a pattern of fewer than six parts matches nothing', () => {
    const short = expanded('arn:aws:${aws:username}:*', { 'aws:username': 'iam' });
    expect(matchesArn(short, 'arn:aws:iam:*')).toBe(false);
    expect(matchesArn(short, `arn:aws:iam::${ACCOUNT}:user/alice`)).toBe(false);
  });

  it('a value that is not an ARN matches nothing, even a pattern of wildcards', () => {
    expect(matchesArn(expanded('*:*:*:*:*:${aws:username}', { 'aws:username': 'x' }), 'urn:aws:iam::1:x')).toBe(false);
    expect(matchesArn('*:*:*:*:*:*', 'urn:aws:iam::1:x')).toBe(false);
  });
});

describe('accountOf, isPrincipalArn, isServicePrincipal', () => {
  it('accountOf reads a 12-digit account of an ARN, and nothing else', () => {
    expect(accountOf(`arn:aws:iam::${ACCOUNT}:user/alice`)).toBe(ACCOUNT);
    expect(accountOf('arn:aws:iam::11112222333:user/alice')).toBeUndefined();
    expect(accountOf('arn:aws:iam::1111222233334:user/alice')).toBeUndefined();
    expect(accountOf(`urn:aws:iam::${ACCOUNT}:user/alice`)).toBeUndefined();
    expect(accountOf('alice')).toBeUndefined();
  });

  it('isPrincipalArn takes IAM and STS ARNs of an account with a resource', () => {
    expect(isPrincipalArn(`arn:aws:iam::${ACCOUNT}:user/alice`)).toBe(true);
    expect(isPrincipalArn(`arn:aws:sts::${ACCOUNT}:assumed-role/app/s`)).toBe(true);
    expect(isPrincipalArn(`arn:aws:s3::${ACCOUNT}:bucket`)).toBe(false);
    expect(isPrincipalArn(`arn:aws:iam::${ACCOUNT}:`)).toBe(false);
    expect(isPrincipalArn(`xarn:aws:iam::${ACCOUNT}:user/alice`)).toBe(false);
    expect(isPrincipalArn(42)).toBe(false);
  });

  it('isServicePrincipal takes lower-case names under amazonaws.com only', () => {
    expect(isServicePrincipal('s3.amazonaws.com')).toBe(true);
    expect(isServicePrincipal('logs.us-east-1.amazonaws.com')).toBe(true);
    expect(isServicePrincipal('S3.amazonaws.com')).toBe(false);
    expect(isServicePrincipal('s3.amazonaws.com.example.org')).toBe(false);
    expect(isServicePrincipal('s3-amazonaws.com')).toBe(false);
    expect(isServicePrincipal('.amazonaws.com')).toBe(false);
    expect(isServicePrincipal('x s3.amazonaws.com')).toBe(false);
    expect(isServicePrincipal(undefined)).toBe(false);
  });
});

describe('principalFacts', () => {
  // IAM User Guide, "IAM policy elements: Variables and tags", the table of aws:userid,
  // aws:username and aws:PrincipalType values by kind of principal
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable).
  it('an AWS service, the account root and a caller that is no ARN', () => {
    expect(principalFacts('s3.amazonaws.com')).toEqual({ type: 'Service' });
    expect(principalFacts(`arn:aws:iam::${ACCOUNT}:root`)).toEqual({ type: 'Account', account: ACCOUNT, userId: ACCOUNT });
    expect(principalFacts('alice')).toEqual({ type: 'User' });
  });

  it('an IAM user: the name without its path, and a unique id that does not reveal it', () => {
    const arn = `arn:aws:iam::${ACCOUNT}:user/division/alice`;
    expect(principalFacts(arn)).toEqual({ type: 'User', account: ACCOUNT, userName: 'alice', userId: expectedId('AIDA', arn) });
    expect(principalFacts(arn).userId).not.toBe(principalFacts(`arn:aws:iam::${ACCOUNT}:user/division/bob`).userId);
  });

  it('a role session: the role ARN without path, and role-id:session-name', () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/app`;
    expect(principalFacts(`arn:aws:sts::${ACCOUNT}:assumed-role/app/batch/7`)).toEqual({
      type: 'AssumedRole', account: ACCOUNT, roleArn: role, userId: `${expectedId('AROA', role)}:batch/7` });
    expect(principalFacts(`arn:aws:iam::${ACCOUNT}:role/team/app`)).toEqual({
      type: 'AssumedRole', account: ACCOUNT, roleArn: role, userId: expectedId('AROA', role) });
  });

  it('an assumed-role ARN without a session name is no role session', () => {
    const arn = `arn:aws:sts::${ACCOUNT}:assumed-role/app`;
    expect(principalFacts(arn)).toEqual({ type: 'User', account: ACCOUNT, userId: expectedId('AIDA', arn) });
  });

  it('a federated user: account:caller-specified-name', () => {
    expect(principalFacts(`arn:aws:sts::${ACCOUNT}:federated-user/bob`)).toEqual({ type: 'FederatedUser', account: ACCOUNT, userId: `${ACCOUNT}:bob` });
  });
});
