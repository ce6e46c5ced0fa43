// Identity policies attached to principals (users and roles) of any account, by principal ARN:
// the part of IAM that authorization needs. The ARN says which account a principal belongs to; a
// role's policies apply to its sessions (arn:aws:sts::…:assumed-role/ROLE/SESSION).

import { isPrincipalArn, principalFacts } from './arn.js';
import { parsePolicy, type PolicyDocument } from './policy-document.js';
import { MalformedPolicyError } from './policy-errors.js';
import { evaluatePolicies, type PolicyRequest, type Verdict } from './policy-evaluator.js';

export interface PutPrincipalPolicyRequest {
  PrincipalArn: string;
  PolicyName: string;
  /** The policy as JSON text, without Principal elements. */
  PolicyDocument: string;
}

export class Iam {
  private readonly policies = new Map<string, Map<string, { text: string; document: PolicyDocument }>>();

  putPrincipalPolicy(request: PutPrincipalPolicyRequest): void {
    if (!isPrincipalArn(request.PrincipalArn)) throw new MalformedPolicyError('PrincipalArn', `expected an IAM or STS ARN, got ${String(request.PrincipalArn)}`);
    if (typeof request.PolicyName !== 'string' || request.PolicyName.length === 0) throw new MalformedPolicyError('PolicyName', 'expected a non-empty string');
    const document = parsePolicy(request.PolicyDocument, false);
    const attached = this.policies.get(request.PrincipalArn) ?? new Map();
    attached.set(request.PolicyName, { text: request.PolicyDocument, document });
    this.policies.set(request.PrincipalArn, attached);
  }

  getPrincipalPolicy(request: { PrincipalArn: string; PolicyName: string }): { PolicyDocument: string } | undefined {
    const entry = this.policies.get(request.PrincipalArn)?.get(request.PolicyName);
    return entry && { PolicyDocument: entry.text };
  }

  deletePrincipalPolicy(request: { PrincipalArn: string; PolicyName: string }): void {
    this.policies.get(request.PrincipalArn)?.delete(request.PolicyName);
  }

  listPrincipalPolicies(request: { PrincipalArn: string }): { PolicyNames: string[] } {
    return { PolicyNames: [...(this.policies.get(request.PrincipalArn)?.keys() ?? [])] };
  }

  /** The caller's identity policies (a session's: its role's) on this request (`allowed` is 'direct' or 'none'). */
  evaluate(request: PolicyRequest): Verdict {
    const { roleArn } = principalFacts(request.principal);
    const holders = roleArn === undefined || roleArn === request.principal ? [request.principal] : [request.principal, roleArn];
    const documents = holders.flatMap((arn) => [...(this.policies.get(arn)?.values() ?? [])].map((p) => p.document));
    return evaluatePolicies(documents, request);
  }
}
