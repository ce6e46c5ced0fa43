// The global condition keys AWS puts into every request's context (IAM User Guide, "AWS global
// condition context keys"), from who is calling, how, where and when. Services add their own keys
// (kms:…, s3:…, ec2:…) beside these.

import { principalFacts } from './arn.js';
import type { Caller } from './caller.js';
import type { ConditionContext } from './conditions.js';

export interface RequestFacts {
  /** The caller's ARN, or a service principal acting as itself (e.g. "s3.amazonaws.com"). */
  principal: string;
  /** The AWS service calling on the caller's behalf, if any (e.g. "ec2.amazonaws.com"). */
  viaService?: string;
  /** aws:SourceIp: the address the request came from, where the caller knows it. */
  sourceIp?: string;
  /** aws:SecureTransport: whether the request came over TLS, where the caller knows it. */
  secureTransport?: boolean;
  /** aws:RequestedRegion. */
  region?: string;
  /** aws:CurrentTime and aws:EpochTime; now by default. */
  time?: Date;
}

/** What a caller tells the request context about itself (each service adds its region and the rest). */
export const callerFacts = (caller: Caller): RequestFacts =>
  ({ principal: caller.principal, viaService: caller.viaService, sourceIp: caller.sourceIp, secureTransport: caller.secureTransport });

export function globalConditionKeys(request: RequestFacts): ConditionContext {
  const facts = principalFacts(request.principal);
  const time = request.time ?? new Date();
  const isService = facts.type === 'Service';
  return {
    // For a role session AWS gives the role's ARN, not the session's.
    'aws:PrincipalArn': isService ? undefined : facts.roleArn ?? request.principal,
    'aws:PrincipalAccount': facts.account,
    'aws:PrincipalType': isService ? undefined : facts.type,
    'aws:userid': facts.userId,
    'aws:username': facts.userName,
    'aws:PrincipalIsAWSService': String(isService),
    'aws:PrincipalServiceName': isService ? request.principal : undefined,
    'aws:ViaAWSService': String(request.viaService !== undefined),
    'aws:RequestedRegion': request.region,
    'aws:SecureTransport': request.secureTransport === undefined ? undefined : String(request.secureTransport),
    'aws:SourceIp': request.sourceIp,
    'aws:CurrentTime': time.toISOString(),
    'aws:EpochTime': String(Math.floor(time.getTime() / 1000)),
  };
}
