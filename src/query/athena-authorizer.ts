// Who may call Athena's query operations (DESIGN.md, "Who may do what"; the rule itself is
// policy/access-decision.ts). Each operation is the IAM action of the same name, on the workgroup the
// query runs in, arn:aws:athena:REGION:ACCOUNT:workgroup/NAME (Service Authorization Reference,
// "Actions, resources, and condition keys for Amazon Athena":
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonathena.html — the
// workgroup is the required resource of StartQueryExecution, GetQueryExecution, GetQueryResults,
// StopQueryExecution, ListQueryExecutions and BatchGetQueryExecution). Workgroups have no resource
// policy and are not shared across accounts, so: the account root may act unless denied, another
// principal of the account needs an identity-policy Allow, and principals of other accounts may
// not act at all. As the API Reference says of each operation, reading or stopping an execution
// "requires you to have access to the workgroup in which the query ran": a user who may act on the
// workgroup sees the executions of every user in it, and one who may not sees none.

import { accountOf, callerFacts, decideAccess, rootArn, type Caller, type Iam } from '../policy/index.js';
import { AthenaError } from './athena-errors.js';

/** Athena's one workgroup here: every account has "primary", and kms-wasm has no CreateWorkGroup. */
export const PRIMARY_WORKGROUP = 'primary';

export type AthenaAction = 'StartQueryExecution' | 'GetQueryExecution' | 'GetQueryResults' | 'StopQueryExecution'
  | 'ListQueryExecutions' | 'BatchGetQueryExecution';

export interface AthenaScope {
  account: string;
  region: string;
  iam: Iam | undefined;
}

export const workgroupArn = (scope: AthenaScope, workgroup: string) => `arn:aws:athena:${scope.region}:${scope.account}:workgroup/${workgroup}`;

/**
 * Checks that `caller` (the account root when omitted) may perform athena:`action` on the workgroup,
 * and returns the caller the request runs as. A refusal is Athena's AccessDeniedException, worded
 * as IAM words it.
 */
export function authorizeAthena(scope: AthenaScope, action: AthenaAction, caller: Caller | undefined, workgroup = PRIMARY_WORKGROUP): Caller {
  const who = caller ?? { principal: rootArn(scope.account) };
  if (accountOf(who.principal) === undefined) throw new AthenaError('InvalidRequestException', 'caller.principal: expected an IAM or STS ARN', 'INVALID_INPUT');
  const resource = workgroupArn(scope, workgroup);
  const request = { ...callerFacts(who), region: scope.region, action: `athena:${action}`, resource, context: {} };
  const decision = decideAccess({ principal: who.principal, resourceAccount: scope.account,
    identity: scope.iam?.evaluate(request) ?? { denied: false, allowed: 'none' }, resourcePolicyRequired: false, crossAccount: false });
  if (!decision.allowed) {
    const why = decision.reason === 'explicit deny' ? `with an explicit deny in an identity-based policy`
      : decision.reason === 'not across accounts' ? `because workgroups are not shared across accounts`
        : `because no identity-based policy allows the athena:${action} action`;
    throw new AthenaError('AccessDeniedException', `User: ${who.principal} is not authorized to perform: athena:${action} on resource: ${resource} ${why}`);
  }
  return who;
}
