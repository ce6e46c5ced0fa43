// Who may call which KMS operation on which key (DESIGN.md, "Who may do what"; the rule itself is
// policy/access-decision.ts): an explicit Deny in the key policy or the caller's identity policies
// refuses; otherwise the key policy must allow the caller (or a grant must), or allow its account,
// which delegates to the caller's identity policies. A principal of another account needs both,
// and only for the operations AWS KMS allows across accounts.

import { decideAccess, evaluatePolicies, type Caller, type ConditionContext, type Iam, type PolicyDocument, type PolicyRequest } from '../policy/index.js';
import { kmsError } from './kms-errors.js';

export type { Caller };

/**
 * The operations a principal of another account can call on a key, per the "Cross-account use"
 * column of the AWS KMS Developer Guide's "AWS KMS permissions" page and "Allowing users in other
 * accounts to use a KMS key" (those of them this KMS has). Permission for any other operation has
 * no effect across accounts.
 */
export const CROSS_ACCOUNT_OPERATIONS: ReadonlySet<string> = new Set([
  'CreateGrant', 'Decrypt', 'DescribeKey', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext',
  'GetKeyRotationStatus', 'ListGrants', 'ReEncryptFrom', 'ReEncryptTo', 'RevokeGrant',
  // Stryker disable next-line StringLiteral: RetireGrant is authorized by the grant (grant-operations.ts), never by authorize(), so this entry is never read
  'RetireGrant',
]);

export interface AuthorizationInput {
  caller: Caller;
  /** e.g. "kms:Decrypt". */
  action: string;
  /** Key ARN, or "*" for account-level actions (CreateKey, ListKeys, GenerateRandom). */
  resource: string;
  /** The account the KMS (and so every key) belongs to. */
  account: string;
  region: string;
  /** Absent for account-level actions: then only the identity policies decide, and only for the account's own principals. */
  keyPolicy?: PolicyDocument;
  /** The request's kms:… condition keys, or a function giving them when a policy first needs them (see PolicyRequest). */
  context?: ConditionContext | (() => ConditionContext);
  /** A grant on the key lets this caller do this (an explicit Deny still refuses). */
  grantAllows?: boolean;
  /** The KMS's clock reading, for policies' aws:CurrentTime and aws:EpochTime. */
  time?: Date;
}

const NO_IDENTITY_POLICY = Object.freeze({ denied: false, allowed: 'none' as const });

export function authorize(input: AuthorizationInput, iam: Iam | undefined): void {
  const { caller, action, resource, keyPolicy, context = {}, grantAllows = false, time } = input;
  const request: PolicyRequest = {
    principal: caller.principal, viaService: caller.viaService, sourceIp: caller.sourceIp, secureTransport: caller.secureTransport,
    region: input.region, action, resource, time, context,
  };
  const identity = iam?.evaluate(request) ?? NO_IDENTITY_POLICY;
  const decision = decideAccess({
    principal: caller.principal, resourceAccount: input.account, identity, grant: grantAllows,
    resourcePolicy: keyPolicy && evaluatePolicies([keyPolicy], request),
    // Account-level actions have no key policy: the account's identity policies decide alone (and
    // none of them is a cross-account operation).
    resourcePolicyRequired: keyPolicy !== undefined,
    crossAccount: CROSS_ACCOUNT_OPERATIONS.has(action.slice('kms:'.length)),
  });
  if (!decision.allowed) {
    const why = decision.reason === 'explicit deny' ? 'with an explicit deny'
      : decision.reason === 'not across accounts' ? 'because this operation cannot be called from another account'
        : 'because no key policy, identity policy or grant allows it';
    throw kmsError('AccessDeniedException', `User: ${caller.principal} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
  }
}
