// Evaluates parsed policy documents against a request. A resource policy's verdict keeps apart an
// explicit Deny, an Allow that names the caller (or everyone), and an Allow that names only the
// caller's account root: AWS treats that last one as delegation to the account's identity policies.

import { accountOf, rootArn } from './arn.js';
import { conditionsHold, type ConditionContext } from './conditions.js';
import type { PolicyDocument, PrincipalSpec, Statement } from './policy-document.js';
import { matchesWildcard } from './wildcard.js';

export interface PolicyRequest {
  /** The caller's ARN. */
  principal: string;
  /** The AWS service calling on the caller's behalf, if any (e.g. "ec2.amazonaws.com"). */
  viaService?: string;
  /** e.g. "kms:Decrypt". */
  action: string;
  /** The resource's ARN. */
  resource: string;
  /** Request-specific condition keys (kms:EncryptionContext:…, s3:x-amz-…); aws:Principal* and the time keys are added. */
  context: ConditionContext;
  /** When the request is made (aws:CurrentTime, aws:EpochTime); now by default. */
  time?: Date;
}

/** How an Allow statement's Principal matched: naming the caller, or only the caller's account root. */
export type PrincipalMatch = 'direct' | 'account' | 'none';

export interface Verdict {
  denied: boolean;
  allowed: PrincipalMatch;
}

function principalMatch(spec: PrincipalSpec, request: PolicyRequest): PrincipalMatch {
  if (spec === '*') return 'direct';
  if (request.viaService && spec.Service.includes(request.viaService)) return 'direct';
  const account = accountOf(request.principal);
  let match: PrincipalMatch = 'none';
  for (const entry of spec.AWS) {
    const arn = /^\d{12}$/.test(entry) ? rootArn(entry) : entry;
    if (arn === '*' || arn === request.principal) return 'direct';
    if (account !== undefined && arn === rootArn(account)) match = 'account';
  }
  return match;
}

function statementPrincipal(statement: Statement, request: PolicyRequest): PrincipalMatch {
  if (statement.principal) return principalMatch(statement.principal, request);
  if (statement.notPrincipal) return principalMatch(statement.notPrincipal, request) === 'none' ? 'direct' : 'none';
  return 'direct'; // identity policies: the statement is attached to the caller
}

function withGlobalKeys(request: PolicyRequest): ConditionContext {
  const time = request.time ?? new Date();
  return {
    ...request.context, 'aws:PrincipalArn': request.principal, 'aws:PrincipalAccount': accountOf(request.principal),
    'aws:CurrentTime': time.toISOString(), 'aws:EpochTime': String(Math.floor(time.getTime() / 1000)),
  };
}

/** Whether the statement covers this action, resource and conditions (its principal aside). */
function covers(statement: Statement, request: PolicyRequest, context: ConditionContext): boolean {
  const actionMatches = (patterns: string[]) => patterns.some((p) => matchesWildcard(p, request.action, true));
  if (statement.action && !actionMatches(statement.action)) return false;
  if (statement.notAction && actionMatches(statement.notAction)) return false;
  const resourceMatches = (patterns: string[]) => patterns.some((p) => matchesWildcard(p, request.resource));
  if (statement.resource && !resourceMatches(statement.resource)) return false;
  if (statement.notResource && resourceMatches(statement.notResource)) return false;
  return conditionsHold(statement.condition, context);
}

/** Evaluates one or more documents together: any matching Deny denies; the best Allow match is kept. */
export function evaluatePolicies(documents: PolicyDocument[], request: PolicyRequest): Verdict {
  const context = withGlobalKeys(request);
  const verdict: Verdict = { denied: false, allowed: 'none' };
  for (const statement of documents.flatMap((d) => d.statements)) {
    const match = statementPrincipal(statement, request);
    if (match === 'none' || !covers(statement, request, context)) continue;
    if (statement.effect === 'Deny') verdict.denied = true;
    else if (match === 'direct' || verdict.allowed === 'none') verdict.allowed = match;
  }
  return verdict;
}
