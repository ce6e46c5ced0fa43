// Identity policies attached to principals (users and roles) of any account, by principal ARN:
// the part of IAM that authorization needs. The ARN says which account a principal belongs to; a
// role's policies apply to its sessions (arn:aws:sts::…:assumed-role/ROLE/SESSION).
//
// Held in memory, and evaluated there (synchronously, inside each authorization); with a `store`
// (PostgresIamPolicies in kms-wasm/node) a put or delete is stored before it is acknowledged and
// other processes' changes are loaded by refresh(), which the services call before each call they
// authorize, so a policy put or deleted through one process is enforced by every other at its next call.

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

/** The policies as an Iam holds them in memory, which its store keeps up to date. */
export interface PolicyTable {
  /** Sets a principal's policy (its JSON text, checked when it was put) or, with undefined, removes it. */
  set(principalArn: string, policyName: string, document: string | undefined): void;
}

/** Where an Iam's policies outlive the process and are shared with others (PostgresIamPolicies). */
export interface IamPolicyStore {
  /** Sets in `table` every change committed before this call that it lacks (every policy, the first time). */
  catchUp(table: PolicyTable): Promise<void>;
  /** Stores the change (`document` undefined: a deletion), serially after every other process's, then sets it in `table`. */
  put(table: PolicyTable, principalArn: string, policyName: string, document: string | undefined): Promise<void>;
  close(): Promise<void>;
}

export interface IamOptions {
  /** Where the policies are kept; none: in this process's memory only. */
  store?: IamPolicyStore;
}

export class Iam {
  private readonly policies = new Map<string, Map<string, { text: string; document: PolicyDocument }>>();
  private readonly store: IamPolicyStore | undefined;
  private readonly table: PolicyTable = { set: (arn, name, text) => this.set(arn, name, text) };

  constructor(options: IamOptions = {}) {
    this.store = options.store;
  }

  /** Whether other processes may change the policies (a store): callers refresh() before deciding on them. */
  get shared(): boolean {
    return this.store !== undefined;
  }

  /** Loads the changes other processes stored (nothing to do without a store). */
  async refresh(): Promise<void> {
    await this.store?.catchUp(this.table);
  }

  /** Checks the request at once (MalformedPolicyError); resolves once the policy is stored (at once without a store). */
  putPrincipalPolicy(request: PutPrincipalPolicyRequest): Promise<void> {
    if (!isPrincipalArn(request.PrincipalArn)) throw new MalformedPolicyError('PrincipalArn', `expected an IAM or STS ARN, got ${String(request.PrincipalArn)}`);
    if (typeof request.PolicyName !== 'string' || request.PolicyName.length === 0) throw new MalformedPolicyError('PolicyName', 'expected a non-empty string');
    parsePolicy(request.PolicyDocument, false);
    return this.change(request.PrincipalArn, request.PolicyName, request.PolicyDocument);
  }

  getPrincipalPolicy(request: { PrincipalArn: string; PolicyName: string }): { PolicyDocument: string } | undefined {
    const entry = this.policies.get(request.PrincipalArn)?.get(request.PolicyName);
    return entry && { PolicyDocument: entry.text };
  }

  /** Resolves once the deletion is stored (at once without a store). */
  deletePrincipalPolicy(request: { PrincipalArn: string; PolicyName: string }): Promise<void> {
    return this.change(request.PrincipalArn, request.PolicyName, undefined);
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

  /** Ends the store's connections (nothing to do without a store). */
  async close(): Promise<void> {
    await this.store?.close();
  }

  private change(arn: string, name: string, text: string | undefined): Promise<void> {
    if (this.store) return this.store.put(this.table, arn, name, text);
    this.set(arn, name, text);
    return Promise.resolve();
  }

  private set(arn: string, name: string, text: string | undefined): void {
    const attached = this.policies.get(arn) ?? new Map();
    if (text === undefined) attached.delete(name);
    else attached.set(name, { text, document: parsePolicy(text, false) });
    if (attached.size === 0) this.policies.delete(arn);
    else this.policies.set(arn, attached);
  }
}
