// AWS policy documents (IAM JSON policy language): parsed once into a normalized form that the
// evaluator walks. Unknown elements and malformed values are refused with the element named.

import { isPrincipalArn, isServicePrincipal } from './arn.js';
import { isConditionOperator, type ConditionBlock } from './conditions.js';
import { MalformedPolicyError } from './policy-errors.js';

export type Effect = 'Allow' | 'Deny';

/** Principal: `*`, or lists by kind (AWS ARNs or account ids, Service names). */
export type PrincipalSpec = '*' | { AWS: string[]; Service: string[] };

export type { ConditionBlock };

export interface Statement {
  sid?: string;
  effect: Effect;
  /** Absent in identity policies. */
  principal?: PrincipalSpec;
  notPrincipal?: PrincipalSpec;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  condition: ConditionBlock;
}

export interface PolicyDocument {
  version: string;
  id?: string;
  statements: Statement[];
}

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

function stringList(field: string, value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v) => typeof v === 'string')) {
    throw new MalformedPolicyError(field, 'expected a string or a non-empty list of strings');
  }
  return list as string[];
}

function conditionValues(field: string, value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
    throw new MalformedPolicyError(field, 'expected a string, number, boolean or a non-empty list of them');
  }
  return list.map(String);
}

function parsePrincipal(field: string, value: unknown): PrincipalSpec {
  if (value === '*') return '*';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedPolicyError(field, 'expected "*" or an object such as {"AWS": "arn:aws:iam::111122223333:root"}');
  }
  const spec = { AWS: [] as string[], Service: [] as string[] };
  for (const [kind, list] of Object.entries(value)) {
    if (kind !== 'AWS' && kind !== 'Service') throw new MalformedPolicyError(`${field}.${kind}`, 'only AWS and Service principals are supported');
    const entries = stringList(`${field}.${kind}`, list);
    const invalid = entries.find((entry) => !(kind === 'AWS' ? isAwsPrincipal(entry) : isServicePrincipal(entry)));
    // AWS refuses such a policy ("one or more invalid principals", KMS PutKeyPolicy; "Invalid principal in policy", S3
    // PutBucketPolicy) rather than keeping an entry that would match nobody.
    if (invalid !== undefined) throw new MalformedPolicyError(`${field}.${kind}`, `invalid principal "${invalid}"`);
    spec[kind] = entries;
  }
  return spec;
}

/** An AWS principal entry: everyone, an account id, or an IAM or STS ARN (IAM User Guide, AWS JSON policy elements: Principal). */
function isAwsPrincipal(entry: string): boolean {
  return entry === '*' || /^\d{12}$/.test(entry) || isPrincipalArn(entry);
}

function parseCondition(field: string, value: unknown): ConditionBlock {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedPolicyError(field, 'expected an object of operators');
  return Object.fromEntries(Object.entries(value).map(([operator, keys]) => {
    if (!isConditionOperator(operator)) throw new MalformedPolicyError(`${field}.${operator}`, 'unknown condition operator');
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
      throw new MalformedPolicyError(`${field}.${operator}`, 'expected an object of condition keys');
    }
    return [operator, Object.fromEntries(Object.entries(keys).map(([key, v]) => [key, conditionValues(`${field}.${operator}.${key}`, v)]))];
  }));
}

function parseStatement(raw: unknown, index: number): Statement {
  const at = `Statement[${index}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new MalformedPolicyError(at, 'expected an object');
  const s = raw as Record<string, unknown>;
  for (const key of Object.keys(s)) if (!STATEMENT_KEYS.has(key)) throw new MalformedPolicyError(`${at}.${key}`, 'unknown element');
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new MalformedPolicyError(`${at}.Effect`, 'expected "Allow" or "Deny"');
  if ((s.Action === undefined) === (s.NotAction === undefined)) throw new MalformedPolicyError(at, 'needs exactly one of Action and NotAction');
  if (s.Resource !== undefined && s.NotResource !== undefined) throw new MalformedPolicyError(at, 'has both Resource and NotResource');
  if (s.Principal !== undefined && s.NotPrincipal !== undefined) throw new MalformedPolicyError(at, 'has both Principal and NotPrincipal');
  if (s.Sid !== undefined && typeof s.Sid !== 'string') throw new MalformedPolicyError(`${at}.Sid`, 'expected a string');
  return {
    sid: s.Sid as string | undefined,
    effect: s.Effect,
    principal: s.Principal === undefined ? undefined : parsePrincipal(`${at}.Principal`, s.Principal),
    notPrincipal: s.NotPrincipal === undefined ? undefined : parsePrincipal(`${at}.NotPrincipal`, s.NotPrincipal),
    action: s.Action === undefined ? undefined : stringList(`${at}.Action`, s.Action),
    notAction: s.NotAction === undefined ? undefined : stringList(`${at}.NotAction`, s.NotAction),
    resource: s.Resource === undefined ? undefined : stringList(`${at}.Resource`, s.Resource),
    notResource: s.NotResource === undefined ? undefined : stringList(`${at}.NotResource`, s.NotResource),
    condition: parseCondition(`${at}.Condition`, s.Condition),
  };
}

/** Parses a policy document from its JSON text. `requirePrincipal`: resource policies need one. */
export function parsePolicy(json: string, requirePrincipal: boolean): PolicyDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new MalformedPolicyError('Policy', `not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new MalformedPolicyError('Policy', 'expected a JSON object');
  const doc = raw as Record<string, unknown>;
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') {
    throw new MalformedPolicyError('Version', 'expected "2012-10-17"');
  }
  if (doc.Statement === undefined) throw new MalformedPolicyError('Statement', 'missing');
  const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const statements = list.map(parseStatement);
  statements.forEach((s, i) => {
    const hasPrincipal = s.principal !== undefined || s.notPrincipal !== undefined;
    if (requirePrincipal && !hasPrincipal) throw new MalformedPolicyError(`Statement[${i}].Principal`, 'missing (a resource policy names who it applies to)');
    if (!requirePrincipal && hasPrincipal) throw new MalformedPolicyError(`Statement[${i}].Principal`, 'not allowed in an identity policy');
  });
  return { version: (doc.Version as string | undefined) ?? '2008-10-17', id: doc.Id as string | undefined, statements };
}
