// Who may call which KMS operation on which key (DESIGN.md, "Who may do what"): an explicit Deny
// in the key policy or the caller's identity policies refuses; otherwise the key policy must allow
// the caller directly, or allow the account root — which delegates to the caller's identity
// policies, and always admits the root itself.

import { accountOf, evaluatePolicies, rootArn, type ConditionContext, type Iam, type PolicyDocument } from '../policy/index.js';
import { kmsError } from './kms-errors.js';

export interface Caller {
  /** The caller's ARN. */
  principal: string;
  /** The AWS service calling KMS on the caller's behalf, e.g. "s3.amazonaws.com". */
  viaService?: string;
}

export interface AuthorizationInput {
  caller: Caller;
  action: string;
  /** Key ARN, or "*" for account-level actions (CreateKey, ListKeys, GenerateRandom). */
  resource: string;
  /** Absent for account-level actions: then only the root and identity policies decide. */
  keyPolicy?: PolicyDocument;
  context?: ConditionContext;
  /** A grant on the key lets this caller do this (an explicit Deny still refuses). */
  grantAllows?: boolean;
  /** The KMS's clock reading, for policies' aws:CurrentTime and aws:EpochTime. */
  time?: Date;
}

export function authorize({ caller, action, resource, keyPolicy, context = {}, grantAllows = false, time }: AuthorizationInput, iam: Iam | undefined): void {
  const account = accountOf(caller.principal);
  const request = {
    principal: caller.principal, viaService: caller.viaService, action, resource, time,
    context: { ...context, 'kms:CallerAccount': account, 'kms:ViaService': caller.viaService },
  };
  const isRoot = account !== undefined && caller.principal === rootArn(account);
  const identity = iam?.evaluate(request) ?? { denied: false, allowed: 'none' as const };
  const keyVerdict = keyPolicy ? evaluatePolicies([keyPolicy], request) : { denied: false, allowed: 'account' as const };
  const allowed = !keyVerdict.denied && !identity.denied && (grantAllows ||
    keyVerdict.allowed === 'direct' || (keyVerdict.allowed === 'account' && (isRoot || identity.allowed === 'direct')));
  if (!allowed) {
    const why = keyVerdict.denied || identity.denied ? 'with an explicit deny' : 'because no key policy, identity policy or grant allows it';
    throw kmsError('AccessDeniedException', `User: ${caller.principal} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
  }
}
