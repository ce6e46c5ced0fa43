export { Iam, type PutPrincipalPolicyRequest } from './iam.js';
export { parsePolicy, type PolicyDocument, type Statement } from './policy-document.js';
export { evaluatePolicies, type PolicyRequest, type Verdict, type PrincipalMatch } from './policy-evaluator.js';
export { MalformedPolicyError } from './policy-errors.js';
export { accountOf, rootArn, isPrincipalArn } from './arn.js';
export type { ConditionContext } from './conditions.js';
