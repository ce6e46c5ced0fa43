// The key policies the KMS writes itself.

import { rootArn } from '../policy/index.js';

/** The default key policy (as in the seeds): the account root, i.e. the account's IAM policies, may do anything. */
export function defaultKeyPolicy(account: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: rootArn(account) }, Action: 'kms:*', Resource: '*' }],
  }, null, 2);
}

/** The service principal that calls KMS for an AWS managed key: EBS volumes are EC2's. */
const CALLING_SERVICE: Record<string, string> = { ebs: 'ec2.amazonaws.com' };
export const callingService = (service: string) => CALLING_SERVICE[service] ?? `${service}.amazonaws.com`;

/**
 * The policy of an AWS managed key (alias/aws/<service>): principals of the account may use it only
 * through that service, and may only read its metadata directly. Nobody may manage it.
 */
export function awsManagedKeyPolicy(account: string, service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: `auto-${service}`,
    Statement: [
      {
        Sid: `Allow access through ${service} for all principals in the account that are authorized to use ${service}`,
        Effect: 'Allow', Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': account, 'kms:ViaService': callingService(service) } },
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow', Principal: { AWS: rootArn(account) },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'], Resource: '*',
      },
    ],
  }, null, 2);
}
