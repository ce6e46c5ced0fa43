// A deliberately simple policy evaluator written from the AWS documentation alone, sharing no code
// with src/policy, for the property test to compare against. Slow and plain on purpose: every rule
// is spelled out where the docs state it.
//
// Sources: IAM User Guide — "Policy evaluation logic", "Cross-account policy evaluation logic",
// "IAM JSON policy elements: Condition operators" (including "…IfExists" and "Null"), "Set operators
// for multivalued context keys", "Principal", "NotPrincipal", "Action"/"Resource" (wildcards);
// AWS KMS Developer Guide — "Allowing users in other accounts to use a KMS key".
//
// Where the docs are silent, this evaluator makes the choice README states, and says so here:
// - numbers are compared as decimal numbers (the docs give no grammar; the test only generates
//   plain integers and decimals);
// - a plain (unqualified) operator on a multivalued key: positive operators need one value to
//   match, negated ones need no value to match (the docs only say to use set operators there).

type Context = Record<string, string | string[] | undefined>;

export interface RefStatement {
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | { AWS?: string[]; Service?: string[] };
  NotPrincipal?: '*' | { AWS?: string[]; Service?: string[] };
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

/** `*` any run, `?` one character, by dynamic programming over code points (no shortcuts). */
export function refGlob(pattern: string, value: string): boolean {
  const p = [...pattern];
  const v = [...value];
  // can[i][j]: p[i..] matches v[j..]
  let next = new Array<boolean>(v.length + 1).fill(false);
  next[v.length] = true;
  for (let i = p.length - 1; i >= 0; i--) {
    const row = new Array<boolean>(v.length + 1).fill(false);
    for (let j = v.length; j >= 0; j--) {
      if (p[i] === '*') row[j] = next[j]! || (j < v.length && row[j + 1]!);
      else row[j] = j < v.length && (p[i] === '?' || p[i] === v[j]) && next[j + 1]!;
    }
    next = row;
  }
  return next[0]!;
}

const ARN = /^([^:]*):([^:]*):([^:]*):([^:]*):([^:]*):(.*)$/s;

function refArnLike(pattern: string, value: string): boolean {
  const p = ARN.exec(pattern);
  const v = ARN.exec(value);
  if (!p || !v || v[1] !== 'arn') return false;
  for (let part = 1; part <= 6; part++) if (!refGlob(p[part]!, v[part]!)) return false;
  return true;
}

const asNumber = (s: string) => (/^\s*-?\d+(\.\d+)?\s*$/.test(s) ? parseFloat(s) : NaN);
const asTime = (s: string) => (/^\d+$/.test(s) ? parseInt(s, 10) * 1000 : Date.parse(s));

function ipv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o, i) => o > 255 || (m[i + 1]!.length > 1 && m[i + 1]![0] === '0'))) return undefined;
  return ((octets[0]! * 256 + octets[1]!) * 256 + octets[2]!) * 256 + octets[3]!;
}

function refInCidr(block: string, address: string): boolean {
  const [base, bits = '32'] = block.split('/');
  const b = ipv4(base!);
  const a = ipv4(address);
  const n = Number(bits);
  if (b === undefined || a === undefined || !/^\d+$/.test(bits) || n > 32) return false;
  const size = 2 ** (32 - n);
  return Math.floor(a / size) === Math.floor(b / size);
}

/** Positive comparisons by operator family; `negated` families use the same comparison and invert. */
function compare(family: string, policy: string, request: string): boolean {
  switch (family) {
    case 'StringEquals': return policy === request;
    case 'StringEqualsIgnoreCase': return policy.toLowerCase() === request.toLowerCase();
    case 'StringLike': return refGlob(policy, request);
    case 'ArnLike': return refArnLike(policy, request);
    case 'NumericEquals': return asNumber(policy) === asNumber(request);
    case 'NumericLessThan': return asNumber(request) < asNumber(policy);
    case 'NumericLessThanEquals': return asNumber(request) <= asNumber(policy);
    case 'NumericGreaterThan': return asNumber(request) > asNumber(policy);
    case 'NumericGreaterThanEquals': return asNumber(request) >= asNumber(policy);
    case 'DateEquals': return asTime(policy) === asTime(request);
    case 'DateLessThan': return asTime(request) < asTime(policy);
    case 'DateLessThanEquals': return asTime(request) <= asTime(policy);
    case 'DateGreaterThan': return asTime(request) > asTime(policy);
    case 'DateGreaterThanEquals': return asTime(request) >= asTime(policy);
    case 'Bool': return policy.toLowerCase() === request.toLowerCase();
    case 'IpAddress': return refInCidr(policy, request);
    default: throw new Error(`reference: no family ${family}`);
  }
}

/** Operator name (without qualifier and IfExists) → [family, negated]. */
const OPERATORS: Record<string, [string, boolean]> = {
  StringEquals: ['StringEquals', false], StringNotEquals: ['StringEquals', true],
  StringEqualsIgnoreCase: ['StringEqualsIgnoreCase', false], StringNotEqualsIgnoreCase: ['StringEqualsIgnoreCase', true],
  StringLike: ['StringLike', false], StringNotLike: ['StringLike', true],
  ArnEquals: ['ArnLike', false], ArnLike: ['ArnLike', false], ArnNotEquals: ['ArnLike', true], ArnNotLike: ['ArnLike', true],
  NumericEquals: ['NumericEquals', false], NumericNotEquals: ['NumericEquals', true],
  NumericLessThan: ['NumericLessThan', false], NumericLessThanEquals: ['NumericLessThanEquals', false],
  NumericGreaterThan: ['NumericGreaterThan', false], NumericGreaterThanEquals: ['NumericGreaterThanEquals', false],
  DateEquals: ['DateEquals', false], DateNotEquals: ['DateEquals', true],
  DateLessThan: ['DateLessThan', false], DateLessThanEquals: ['DateLessThanEquals', false],
  DateGreaterThan: ['DateGreaterThan', false], DateGreaterThanEquals: ['DateGreaterThanEquals', false],
  Bool: ['Bool', false], IpAddress: ['IpAddress', false], NotIpAddress: ['IpAddress', true],
};

function contextValues(context: Context, key: string): string[] {
  for (const name of Object.keys(context)) {
    if (name.toLowerCase() !== key.toLowerCase()) continue;
    const value = context[name];
    if (value === undefined) return [];
    return typeof value === 'string' ? [value] : value;
  }
  return [];
}

export function refCondition(operator: string, key: string, policyValues: string[], context: Context): boolean {
  const values = contextValues(context, key);
  const absent = values.length === 0;
  if (operator === 'Null') return policyValues.some((p) => (p.toLowerCase() === 'true' ? absent : !absent));
  let name = operator;
  let qualifier = '';
  if (name.startsWith('ForAnyValue:')) [qualifier, name] = ['any', name.slice('ForAnyValue:'.length)];
  else if (name.startsWith('ForAllValues:')) [qualifier, name] = ['all', name.slice('ForAllValues:'.length)];
  const ifExists = name.endsWith('IfExists');
  if (ifExists) name = name.slice(0, -'IfExists'.length);
  const [family, negated] = OPERATORS[name]!;
  const holdsFor = (value: string) => {
    const matched = policyValues.some((p) => compare(family, p, value));
    return negated ? !matched : matched;
  };
  if (qualifier === 'all') return absent || values.every(holdsFor); // "also returns true if there are no context keys"
  if (qualifier === 'any') return !absent && values.some(holdsFor); // "returns false if … not present"; IfExists changes nothing
  if (absent) return ifExists || negated;
  return negated ? values.every(holdsFor) : values.some(holdsFor);
}

export interface RefRequest {
  principal: string;
  action: string;
  resource: string;
  /** Every condition key, the global ones included. */
  context: Context;
}

/** The identities a caller carries, for Principal and NotPrincipal: itself, its role, its account. */
function identities(principal: string): { self: string; role?: string; account?: string } {
  const m = /^arn:aws:(iam|sts)::(\d{12}):(.*)$/.exec(principal);
  if (!m) return { self: principal };
  const role = /^assumed-role\/([^/]+)\/.+$/.exec(m[3]!);
  return { self: principal, role: role ? `arn:aws:iam::${m[2]}:role/${role[1]}` : undefined, account: `arn:aws:iam::${m[2]}:root` };
}

const normalize = (entry: string) => (/^\d{12}$/.test(entry) ? `arn:aws:iam::${entry}:root` : entry);

type Match = 'direct' | 'account' | 'none';

function principalMatch(spec: RefStatement['Principal'], principal: string): Match {
  if (spec === '*') return 'direct';
  if (!spec) return 'none';
  if ((spec.Service ?? []).includes(principal)) return 'direct';
  const who = identities(principal);
  if (who.account === undefined) return (spec.AWS ?? []).includes('*') ? 'direct' : 'none';
  const listed = (spec.AWS ?? []).map(normalize);
  if (listed.includes('*') || listed.includes(who.self) || (who.role && listed.includes(who.role))) return 'direct';
  return listed.includes(who.account) ? 'account' : 'none';
}

function notPrincipalApplies(spec: RefStatement['NotPrincipal'], principal: string): boolean {
  if (spec === '*') return false;
  if (!spec) return true;
  const who = identities(principal);
  if (who.account === undefined) return !(spec.Service ?? []).includes(principal);
  const listed = (spec.AWS ?? []).map(normalize);
  if (listed.includes('*')) return false;
  return ![who.self, who.role, who.account].every((id) => id === undefined || listed.includes(id));
}

export function refEvaluate(statements: RefStatement[], request: RefRequest, identityPolicy: boolean): { denied: boolean; allowed: Match } {
  let denied = false;
  let allowed: Match = 'none';
  for (const s of statements) {
    let match: Match;
    if (identityPolicy) match = 'direct';
    else if (s.Principal !== undefined) match = principalMatch(s.Principal, request.principal);
    else match = notPrincipalApplies(s.NotPrincipal, request.principal) ? 'direct' : 'none';
    if (match === 'none') continue;
    const actionIn = (list: string[]) => list.some((p) => refGlob(p.toLowerCase(), request.action.toLowerCase()));
    if (s.Action && !actionIn(s.Action)) continue;
    if (s.NotAction && actionIn(s.NotAction)) continue;
    const resourceIn = (list: string[]) => list.some((p) => refGlob(p, request.resource));
    if (s.Resource && !resourceIn(s.Resource)) continue;
    if (s.NotResource && resourceIn(s.NotResource)) continue;
    const conditions = Object.entries(s.Condition ?? {}).every(([op, keys]) =>
      Object.entries(keys).every(([key, values]) => refCondition(op, key, values, request.context)));
    if (!conditions) continue;
    if (s.Effect === 'Deny') denied = true;
    else if (match === 'direct' || allowed === 'none') allowed = match;
  }
  return { denied, allowed };
}

/** The KMS decision for a key owned by `keyAccount` (AWS KMS Developer Guide; IAM cross-account logic). */
export function refKmsDecision(principal: string, keyAccount: string, crossAccountOperation: boolean,
  keyPolicy: { denied: boolean; allowed: Match }, identity: { denied: boolean; allowed: Match }, grant: boolean): boolean {
  if (keyPolicy.denied || identity.denied) return false;
  const who = identities(principal);
  if (who.account === undefined) return keyPolicy.allowed === 'direct' || grant;
  const callerAccount = who.account.split(':')[4];
  const identityAllows = who.self === who.account || identity.allowed === 'direct';
  if (callerAccount === keyAccount) return keyPolicy.allowed === 'direct' || grant || (keyPolicy.allowed === 'account' && identityAllows);
  return crossAccountOperation && (keyPolicy.allowed !== 'none' || grant) && identityAllows;
}
