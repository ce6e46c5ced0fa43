export { Iam, type IamOptions, type IamPolicyStore, type PolicyTable, type PutPrincipalPolicyRequest } from './iam.js';
export { parsePolicy, type PolicyDocument, type Statement } from './policy-document.js';
export { evaluatePolicies, type PolicyRequest, type Verdict, type PrincipalMatch } from './policy-evaluator.js';
export { MalformedPolicyError } from './policy-errors.js';
export { accountOf, rootArn, isPrincipalArn, isServicePrincipal, matchesArn, principalFacts, type PrincipalFacts, type PrincipalType } from './arn.js';
export { decideAccess, type AccessDecision, type AccessQuestion } from './access-decision.js';
export type { Caller } from './caller.js';
export { callerFacts, globalConditionKeys, type RequestFacts } from './request-context.js';
export type { ConditionContext } from './conditions.js';
