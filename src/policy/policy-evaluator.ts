// Evaluates parsed policy documents against a request. A resource policy's verdict keeps apart an
// explicit Deny, an Allow that names the caller (or everyone), and an Allow that names only the
// caller's account: AWS treats that last one as delegation to the account's identity policies.

import { accountOf, principalFacts, rootArn } from './arn.js';
import { conditionsHold, type ConditionBlock, type ConditionContext } from './conditions.js';
import type { PolicyDocument, PrincipalSpec, Statement } from './policy-document.js';
import { globalConditionKeys, type RequestFacts } from './request-context.js';
import { expandPolicyVariables } from './policy-variables.js';
import { matchesWildcard } from './wildcard.js';

export interface PolicyRequest extends RequestFacts {
  /** e.g. "kms:Decrypt". */
  action: string;
  /** The resource's ARN, or "*" for actions on no resource. */
  resource: string;
  /**
   * The service's condition keys (kms:EncryptionContext:…, s3:x-amz-…); the global aws:… keys are
   * added. Or a function giving them, called only if a statement has conditions or policy variables
   * (most policies have none, and then no context is built at all).
   */
  context: ConditionContext | (() => ConditionContext);
}

/** How an Allow statement's Principal matched: naming the caller, or only the caller's account root. */
export type PrincipalMatch = 'direct' | 'account' | 'none';

export interface Verdict {
  denied: boolean;
  allowed: PrincipalMatch;
}

/** A role named in a policy, with or without a path, stands for its sessions: compare roles by account and name. */
// Stryker disable next-line Regex: without `$` the name group stops at the same place (`[^/]+` is greedy, and an identity's ARN never ends in `/`); with the path group required, a role without a path is left as it is, which is what stripping an absent path gives (the other regex mutants here are killed: unmarked run)
const roleKey = (arn: string) => arn.replace(/^(arn:aws:iam::\d{12}:role\/)(?:.*\/)?([^/]+)$/, '$1$2');

function principalMatch(spec: PrincipalSpec, request: PolicyRequest): PrincipalMatch {
  if (spec === '*') return 'direct';
  // A service principal matches only the service acting as itself, never a user's request made through it.
  if (spec.Service.includes(request.principal)) return 'direct';
  const facts = principalFacts(request.principal);
  if (facts.type === 'Service') return spec.AWS.includes('*') ? 'direct' : 'none';
  const account = accountOf(request.principal);
  let match: PrincipalMatch = 'none';
  for (const entry of spec.AWS) {
    // Stryker disable next-line Regex: without `$`, an entry of 12 digits and more becomes `arn:aws:iam::<entry>:root`, no caller's ARN (an account id is 12 digits, names hold no colon), as the entry itself is none (the other regex mutants here are killed: unmarked run)
    const arn = /^\d{12}$/.test(entry) ? rootArn(entry) : entry;
    if (arn === '*' || arn === request.principal) return 'direct';
    // Stryker disable next-line ConditionalExpression: a shortcut: roleKey returns a string, never equal to an undefined roleArn, so `facts.roleArn !== undefined` made true changes nothing (the other mutants of this mutator here are killed: unmarked run)
    if (facts.roleArn !== undefined && roleKey(arn) === facts.roleArn) return 'direct';
    if (account !== undefined && arn === rootArn(account)) match = 'account';
  }
  return match;
}

/**
 * NotPrincipal exempts a caller only when every identity it carries is listed: a user is also its
 * account, a role session also its role and account (IAM User Guide, "AWS JSON policy elements:
 * NotPrincipal": with Deny, list the account ARN too, or the whole account stays denied).
 */
function notPrincipalExempts(spec: PrincipalSpec, request: PolicyRequest): boolean {
  if (spec === '*') return true;
  const facts = principalFacts(request.principal);
  if (facts.type === 'Service') return spec.Service.includes(request.principal);
  // Stryker disable next-line Regex: as in principalMatch: without `$`, `arn:aws:iam::<entry>:root` for 12 digits and more is no caller's ARN (the other regex mutants here are killed: unmarked run)
  const listed = new Set(spec.AWS.map((entry) => roleKey(/^\d{12}$/.test(entry) ? rootArn(entry) : entry)));
  if (listed.has('*')) return true;
  const identities = [request.principal, facts.roleArn, facts.account === undefined ? undefined : rootArn(facts.account)];
  return identities.every((identity) => identity === undefined || listed.has(identity));
}

function statementPrincipal(statement: Statement, request: PolicyRequest): PrincipalMatch {
  if (statement.principal) return principalMatch(statement.principal, request);
  if (statement.notPrincipal) return notPrincipalExempts(statement.notPrincipal, request) ? 'none' : 'direct';
  return 'direct'; // identity policies: the statement is attached to the caller
}

/** The global keys, then the service's keys where it has a value for them. */
function requestContext(request: PolicyRequest): ConditionContext {
  const context = globalConditionKeys(request);
  const service = typeof request.context === 'function' ? request.context() : request.context;
  for (const [key, value] of Object.entries(service)) if (value !== undefined) context[key] = value;
  return context;
}

/**
 * Whether the statement covers this action, resource and conditions (its principal aside).
 * `variables`: the policy is of Version 2012-10-17, so its policy variables are expanded.
 */
function covers(statement: Statement, request: PolicyRequest, context: () => ConditionContext, variables: boolean): boolean {
  const actionMatches = (patterns: string[]) => patterns.some((p) => matchesWildcard(p, request.action, true));
  if (statement.action && !actionMatches(statement.action)) return false;
  if (statement.notAction && actionMatches(statement.notAction)) return false;
  const resourceMatches = (patterns: string[]) => patterns.some((p) => {
    const pattern = variables && p.includes('${') ? expandPolicyVariables(p, context()) : p;
    return pattern !== undefined && matchesWildcard(pattern, request.resource);
  });
  if (statement.resource && !resourceMatches(statement.resource)) return false;
  if (statement.notResource && resourceMatches(statement.notResource)) return false;
  return !hasConditions(statement.condition) || conditionsHold(statement.condition, context(), variables);
}

function hasConditions(block: ConditionBlock): boolean {
  for (const _ in block) return true;
  return false;
}

/**
 * Evaluates one or more documents together: any matching Deny denies; the best Allow match is kept
 * (an Allow naming the caller over one naming only its account).
 */
export function evaluatePolicies(documents: PolicyDocument[], request: PolicyRequest): Verdict {
  let built: ConditionContext | undefined;
  const context = () => (built ??= requestContext(request));
  const verdict: Verdict = { denied: false, allowed: 'none' };
  for (const document of documents) {
    const { denied, allowed } = documentVerdict(document, request, context);
    if (denied) verdict.denied = true;
    if (allowed === 'direct' || (allowed === 'account' && verdict.allowed === 'none')) verdict.allowed = allowed;
  }
  return verdict;
}

function documentVerdict(document: PolicyDocument, request: PolicyRequest, context: () => ConditionContext): Verdict {
  const remembered = rememberedVerdicts(document);
  const known = remembered?.verdicts.get(request.principal)?.get(request.action)?.get(request.resource);
  if (known) return known;
  const variables = document.version === '2012-10-17';
  const verdict: Verdict = { denied: false, allowed: 'none' };
  for (const statement of document.statements) {
    const match = statementPrincipal(statement, request);
    if (match === 'none' || !covers(statement, request, context, variables)) continue;
    if (statement.effect === 'Deny') verdict.denied = true;
    else if (match === 'direct' || verdict.allowed === 'none') verdict.allowed = match;
  }
  if (remembered) remember(remembered, request, Object.freeze(verdict));
  return verdict;
}

/** The verdicts a document has given, by principal, action and resource. */
interface RememberedVerdicts {
  verdicts: Map<string, Map<string, Map<string, Verdict>>>;
  count: number;
}

/**
 * Where a document's verdict depends on nothing but the principal, action and resource (none of its
 * statements has conditions or policy variables, as most key and bucket policies have none), the
 * verdicts it has given, so that the same question (every call a client makes with one key) is
 * answered without matching its statements again. A parsed document is never changed.
 */
const rememberedOf = new WeakMap<PolicyDocument, RememberedVerdicts | null>();
/** Verdicts kept per document before they are forgotten (a bound on memory only: a verdict worked out again is the same). */
const MAX_REMEMBERED = 1024;

function rememberedVerdicts(document: PolicyDocument): RememberedVerdicts | undefined {
  let remembered = rememberedOf.get(document);
  if (remembered === undefined) {
    const variables = document.version === '2012-10-17';
    const readsContext = document.statements.some((statement) => hasConditions(statement.condition)
      || (variables && [...statement.resource ?? [], ...statement.notResource ?? []].some((pattern) => pattern.includes('${'))));
    remembered = readsContext ? null : { verdicts: new Map(), count: 0 };
    rememberedOf.set(document, remembered);
  }
  return remembered ?? undefined;
}

function remember(remembered: RememberedVerdicts, { principal, action, resource }: PolicyRequest, verdict: Verdict): void {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: when to start afresh only bounds memory; every verdict is the same
  if (remembered.count >= MAX_REMEMBERED) {
    remembered.verdicts.clear();
    remembered.count = 0;
  }
  remembered.count++;
  let byAction = remembered.verdicts.get(principal);
  if (!byAction) remembered.verdicts.set(principal, (byAction = new Map()));
  let byResource = byAction.get(action);
  if (!byResource) byAction.set(action, (byResource = new Map()));
  byResource.set(resource, verdict);
}
