// ARNs and principals: which account a principal belongs to, what kind it is, and how an ARN
// pattern in a policy matches (part by part, as the IAM User Guide's ARN condition operators do).

import { sha256 } from '@noble/hashes/sha2.js';
import { matchesWildcard, type PolicyPattern } from './wildcard.js';

/** The six colon-separated parts of an ARN (the last keeps any further colons), or undefined if `value` is not one. */
export function arnParts(value: string): string[] | undefined {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < 5; i += 1) {
    const colon = value.indexOf(':', from);
    if (colon < 0) return undefined;
    parts.push(value.slice(from, colon));
    from = colon + 1;
  }
  parts.push(value.slice(from));
  return parts;
}

/**
 * ArnEquals / ArnLike (IAM User Guide, "Amazon Resource Name (ARN) condition operators"): each of
 * the six colon-delimited parts is matched on its own, with `*` and `?` wildcards that never cross
 * the colons between parts, case-sensitively. A value (or pattern) that is not an ARN matches nothing.
 */
export function matchesArn(pattern: PolicyPattern, value: string): boolean {
  const wanted = patternParts(pattern);
  const actual = arnParts(value);
  if (!wanted || !actual || actual[0] !== 'arn') return false;
  return wanted.every((part, i) => matchesWildcard(part, actual[i]!));
}

/** arnParts for a pattern, keeping which characters a policy variable made literal. */
function patternParts(pattern: PolicyPattern): PolicyPattern[] | undefined {
  if (typeof pattern === 'string') return arnParts(pattern);
  const chars = Array.from(pattern.text);
  const parts: PolicyPattern[] = [];
  let start = 0;
  const cut = (end: number) => parts.push({ text: chars.slice(start, end).join(''), literal: pattern.literal.slice(start, end) });
  // Stryker disable next-line EqualityOperator: `i <= chars.length` reads chars[chars.length], undefined, which is no colon
  for (let i = 0; i < chars.length && parts.length < 5; i += 1) {
    if (chars[i] !== ':') continue;
    cut(i);
    start = i + 1;
  }
  if (parts.length < 5) return undefined;
  cut(chars.length);
  return parts;
}

/**
 * `read` with its answers for the last few hundred distinct inputs kept: every request asks again
 * about the same few principals, and reading an ARN (a user's unique id hashes it) is a good part
 * of an authorization's cost. The cache starts afresh once full, so memory stays bounded.
 */
function remembered<T>(read: (input: string) => T): (input: string) => T {
  const answers = new Map<string, T>();
  return (input) => {
    let answer = answers.get(input);
    if (answer === undefined && !answers.has(input)) {
      answer = read(input);
      // Stryker disable next-line ConditionalExpression,EqualityOperator: when to start afresh only bounds memory; every answer is the same
      if (answers.size >= 512) answers.clear();
      answers.set(input, answer);
    }
    return answer as T;
  };
}

/** The account id of an ARN (`arn:aws:iam::111122223333:user/alice` → `111122223333`), or undefined. */
export const accountOf: (arn: string) => string | undefined = remembered((arn) => {
  const parts = arnParts(arn);
  return parts && parts[0] === 'arn' && /^\d{12}$/.test(parts[4]!) ? parts[4] : undefined;
});

export const rootArn = (account: string) => `arn:aws:iam::${account}:root`;

/** An IAM or STS principal ARN of an account (a user, role, session or the account root). */
export function isPrincipalArn(value: unknown): value is string {
  // Stryker disable next-line Regex: with no `$`, `:.+` and `:.` both ask for one character or more after the colon (arn.test.ts kills the `^` removed)
  return typeof value === 'string' && /^arn:aws:(iam|sts)::\d{12}:.+/.test(value);
}

/** A service principal such as `s3.amazonaws.com`: an AWS service acting as itself. */
export function isServicePrincipal(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/.test(value);
}

/** What `aws:PrincipalType` says of a caller (IAM User Guide, global condition context keys). */
export type PrincipalType = 'Account' | 'User' | 'AssumedRole' | 'FederatedUser' | 'Service';

export interface PrincipalFacts {
  type: PrincipalType;
  account?: string;
  /** For a role session (or a role named as the caller): the role's ARN without its path, which key and bucket policies name. */
  roleArn?: string;
  /** aws:username: IAM users only. */
  userName?: string;
  /** aws:userid (see uniqueId). */
  userId?: string;
}

/**
 * A stable stand-in for the unique id IAM gives each user and role (AIDA…, AROA…): we keep no IAM
 * records of our own, so the id is derived from the ARN. It never reveals the name, as IAM's don't.
 */
function uniqueId(prefix: string, arn: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return prefix + Array.from(sha256(new TextEncoder().encode(arn)).subarray(0, 17), (b) => alphabet[b & 31]).join('');
}

/** The kind, account, name and role of a caller, for the aws:Principal*, aws:userid and aws:username keys and role-session matching. */
export const principalFacts: (principal: string) => Readonly<PrincipalFacts> = remembered((principal) => Object.freeze(readPrincipal(principal)));

function readPrincipal(principal: string): PrincipalFacts {
  if (isServicePrincipal(principal)) return { type: 'Service' };
  const account = accountOf(principal);
  // Stryker disable next-line StringLiteral: the default is read only when principal is no ARN, and then accountOf is undefined and the next check returns first
  const resource = arnParts(principal)?.[5] ?? '';
  const [kind, ...rest] = resource.split('/');
  if (account === undefined) return { type: 'User' };
  if (resource === 'root') return { type: 'Account', account, userId: account };
  if (kind === 'user') return { type: 'User', account, userName: rest[rest.length - 1], userId: uniqueId('AIDA', principal) };
  if (kind === 'assumed-role' && rest.length >= 2) {
    const roleArn = `arn:aws:iam::${account}:role/${rest[0]}`;
    return { type: 'AssumedRole', account, roleArn, userId: `${uniqueId('AROA', roleArn)}:${rest.slice(1).join('/')}` };
  }
  if (kind === 'role') {
    const roleArn = `arn:aws:iam::${account}:role/${rest[rest.length - 1]}`;
    return { type: 'AssumedRole', account, roleArn, userId: uniqueId('AROA', roleArn) };
  }
  // Stryker disable next-line StringLiteral: a federated user's name holds no `/` (GetFederationToken's Name is [\w+=,.@-]*), so join('') gives the same id
  if (kind === 'federated-user') return { type: 'FederatedUser', account, userId: `${account}:${rest.join('/')}` };
  return { type: 'User', account, userId: uniqueId('AIDA', principal) };
}
