// The one rule every service applies (DESIGN.md, "Who may do what"; IAM User Guide, "Policy
// evaluation logic" and "Cross-account policy evaluation logic"), given the verdicts of the
// resource's policy and the caller's identity policies:
// - an explicit Deny in either refuses;
// - a service principal acting as itself is allowed only by the resource policy (or a grant);
// - same account: the resource policy (or a grant) allowing the caller suffices; where the
//   resource policy names the account, it delegates to the identity policies, and for services
//   whose resources need no resource-policy Allow (S3, EC2) an identity Allow suffices alone; the
//   account root has every identity permission;
// - another account: only actions the service allows across accounts, and then both the
//   resource side (naming the caller or its account, or a grant) and the caller's identity
//   policies in its own account must allow.

import { accountOf, isServicePrincipal, rootArn } from './arn.js';
import type { Verdict } from './policy-evaluator.js';

export interface AccessQuestion {
  principal: string;
  /** The account that owns the resource (the KMS's account, the bucket owner…). */
  resourceAccount: string;
  /** The resource policy's verdict; absent where the resource has none (EC2 volumes, account-level actions). */
  resourcePolicy?: Verdict;
  /** The caller's identity policies' verdict. */
  identity: Verdict;
  /** A KMS grant lets this caller do this. */
  grant?: boolean;
  /** KMS: nobody of the account may act unless the key policy allows it or delegates to IAM. */
  resourcePolicyRequired: boolean;
  /** Whether this action may be called by a principal of another account at all. */
  crossAccount: boolean;
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: 'explicit deny' | 'no allow' | 'not across accounts' };

const NONE: Verdict = { denied: false, allowed: 'none' };

export function decideAccess(question: AccessQuestion): AccessDecision {
  const resource = question.resourcePolicy ?? NONE;
  if (resource.denied || question.identity.denied) return { allowed: false, reason: 'explicit deny' };
  const resourceAllowsCaller = resource.allowed === 'direct' || question.grant === true;
  if (isServicePrincipal(question.principal)) return resourceAllowsCaller ? { allowed: true } : { allowed: false, reason: 'no allow' };
  const account = accountOf(question.principal);
  const isAccountRoot = account !== undefined && question.principal === rootArn(account);
  const identityAllows = isAccountRoot || question.identity.allowed === 'direct';
  const delegated = resource.allowed === 'account';
  let allowed: boolean;
  if (account === question.resourceAccount) {
    allowed = question.resourcePolicyRequired
      ? resourceAllowsCaller || (delegated && identityAllows)
      : resourceAllowsCaller || identityAllows;
  } else {
    if (!question.crossAccount) return { allowed: false, reason: 'not across accounts' };
    allowed = (resourceAllowsCaller || delegated) && identityAllows;
  }
  return allowed ? { allowed: true } : { allowed: false, reason: 'no allow' };
}
