// Who may act on a bucket or object (DESIGN.md, "Who may do what"): an explicit Deny in the bucket
// policy or the caller's identity policies refuses; otherwise the account root may act; another
// principal of the owning account needs an Allow from its identity policy or the bucket policy; a
// principal of another account needs the bucket policy to allow it by name (or to everyone).

import { accountOf, evaluatePolicies, rootArn, type ConditionContext, type Iam, type PolicyDocument } from '../policy/index.js';
import { s3Error } from './s3-errors.js';

export function authorizeS3(input: { principal: string; action: string; resource: string; owner: string; bucketPolicy?: PolicyDocument;
  context: ConditionContext }, iam: Iam | undefined): void {
  const request = { principal: input.principal, action: input.action, resource: input.resource, context: input.context };
  const bucket = input.bucketPolicy ? evaluatePolicies([input.bucketPolicy], request) : { denied: false, allowed: 'none' as const };
  const identity = iam?.evaluate(request) ?? { denied: false, allowed: 'none' as const };
  const sameAccount = accountOf(input.principal) === input.owner;
  const allowed = !bucket.denied && !identity.denied && (
    (sameAccount && (input.principal === rootArn(input.owner) || identity.allowed === 'direct' || bucket.allowed === 'direct'))
    || (!sameAccount && bucket.allowed === 'direct'));
  if (!allowed) {
    throw s3Error('AccessDenied', `${input.principal} is not authorized to perform ${input.action} on ${input.resource}${bucket.denied || identity.denied ? ' (explicit deny)' : ''}`);
  }
}
