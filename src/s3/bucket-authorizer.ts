// Who may act on a bucket or object (DESIGN.md, "Who may do what"; the rule itself is
// policy/access-decision.ts): an explicit Deny in the bucket policy or the caller's identity
// policies refuses; otherwise, in the owning account, the root, an identity-policy Allow or a
// bucket-policy Allow naming the caller suffices; a principal of another account needs the bucket
// policy to allow it (or its account) and its own identity policies to allow the action too.

import { callerFacts, decideAccess, evaluatePolicies, type Caller, type ConditionContext, type Iam, type PolicyDocument } from '../policy/index.js';
import { s3Error } from './s3-errors.js';

/**
 * Only the bucket owner's account may read or change a bucket's policy, whatever the policy says
 * (Amazon S3 API Reference, PutBucketPolicy / GetBucketPolicy / DeleteBucketPolicy: the calling
 * identity must "belong to the bucket owner's account").
 */
const OWNER_ACCOUNT_ONLY = new Set(['s3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy']);

export interface S3AuthorizationInput {
  caller: Caller;
  action: string;
  resource: string;
  /** The bucket owner's account. */
  owner: string;
  region: string;
  bucketPolicy?: PolicyDocument;
  context: ConditionContext;
  time?: Date;
}

export function authorizeS3(input: S3AuthorizationInput, iam: Iam | undefined): void {
  const { caller } = input;
  const request = { ...callerFacts(caller), region: input.region, action: input.action, resource: input.resource, context: input.context, time: input.time };
  const decision = decideAccess({
    principal: caller.principal, resourceAccount: input.owner,
    resourcePolicy: input.bucketPolicy && evaluatePolicies([input.bucketPolicy], request),
    identity: iam?.evaluate(request) ?? { denied: false, allowed: 'none' },
    resourcePolicyRequired: false, crossAccount: !OWNER_ACCOUNT_ONLY.has(input.action),
  });
  if (!decision.allowed) {
    throw s3Error('AccessDenied', `${caller.principal} is not authorized to perform ${input.action} on ${input.resource}${decision.reason === 'explicit deny' ? ' (explicit deny)' : ''}`);
  }
}
