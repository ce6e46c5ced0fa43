// IAM's Query API over the IamDirectory: users, access keys and inline user policies (IAM API
// Reference, version 2010-05-08). Who may call it: the account root, and users whose identity
// policies allow the iam: action on the user's ARN (the library's policy engine decides).

import { decideAccess, rootArn, type Iam } from '../policy/index.js';
import type { AccessKeyRecord, IamDirectory, UserRecord } from './iam-directory.js';
import { queryActionOf, queryError, queryParameters, queryResponse, required } from './query-protocol.js';
import { ServiceError } from './service-error.js';
import type { Authenticated, ServiceHandler } from './service-handler.js';
import type { WireRequest } from './wire.js';

const NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

type Action = (parameters: URLSearchParams, who: Authenticated) => Promise<object | undefined> | object | undefined;

const userXml = (user: UserRecord) => ({ Path: user.path, UserName: user.userName, UserId: user.userId, Arn: user.arn, CreateDate: user.createDate });
const accessKeyXml = (key: Omit<AccessKeyRecord, 'secretAccessKey'>) => ({
  UserName: key.userName, AccessKeyId: key.accessKeyId, Status: key.status, CreateDate: key.createDate,
});
/** The actions whose UserName IAM defaults to the calling user's (IAM API Reference, each action's UserName). */
const USER_NAME_DEFAULTS_TO_CALLER = new Set(['GetUser', 'CreateAccessKey', 'ListAccessKeys', 'DeleteAccessKey']);
const members = <T>(items: T[]) => ({ member: items });

export class IamApi implements ServiceHandler {
  readonly protocol = 'query' as const;
  private readonly actions: Record<string, Action>;

  constructor(private readonly directory: IamDirectory, private readonly iam: Iam, private readonly account: string) {
    const user = (p: URLSearchParams) => required(p, 'UserName');
    this.actions = {
      CreateUser: async (p) => ({ User: userXml(await directory.createUser(user(p), p.get('Path') ?? '/')) }),
      // Without UserName, the caller itself; for the account root that is the root "user" (IAM API Reference, GetUser).
      GetUser: (p, who) => p.get('UserName') || who.identity.arn !== rootArn(account)
        ? { User: userXml(directory.getUser(this.userNamed(p, who))) }
        : { User: { UserId: account, Arn: who.identity.arn } },
      DeleteUser: async (p) => void await directory.deleteUser(user(p)),
      ListUsers: () => ({ Users: members(directory.listUsers().map(userXml)), IsTruncated: false }),
      CreateAccessKey: async (p, who) => {
        const key = await directory.createAccessKey(this.userNamed(p, who));
        return { AccessKey: { ...accessKeyXml(key), SecretAccessKey: key.secretAccessKey } };
      },
      ListAccessKeys: (p, who) => ({ AccessKeyMetadata: members(directory.listAccessKeys(this.userNamed(p, who)).map(accessKeyXml)), IsTruncated: false }),
      DeleteAccessKey: async (p, who) => void await directory.deleteAccessKey(this.userNamed(p, who), required(p, 'AccessKeyId')),
      PutUserPolicy: async (p) => void await directory.putUserPolicy(user(p), required(p, 'PolicyName'), required(p, 'PolicyDocument')),
      // IAM returns policy documents URL-encoded (RFC 3986), as its API Reference says of GetUserPolicy.
      GetUserPolicy: (p) => ({
        UserName: user(p), PolicyName: required(p, 'PolicyName'),
        PolicyDocument: encodeURIComponent(directory.getUserPolicy(user(p), required(p, 'PolicyName'))),
      }),
      DeleteUserPolicy: async (p) => void await directory.deleteUserPolicy(user(p), required(p, 'PolicyName')),
      ListUserPolicies: (p) => ({ PolicyNames: members(directory.listUserPolicies(user(p))), IsTruncated: false }),
    };
  }

  readonly operationOf = queryActionOf;

  async handle(request: WireRequest, who: Authenticated, requestId: string) {
    const parameters = queryParameters(request);
    const name = parameters.get('Action') ?? '';
    const action = Object.hasOwn(this.actions, name) ? this.actions[name] : undefined;
    if (!action) throw new ServiceError('InvalidAction', 400, `Could not find operation ${name} for version 2010-05-08`);
    this.authorize(name, parameters, who);
    return queryResponse(NAMESPACE, name, await action(parameters, who), requestId);
  }

  errorResponse(error: ServiceError, requestId: string) {
    return queryError(NAMESPACE, error, requestId);
  }

  /** UserName, or (where IAM lets it default) the calling user's own name. */
  private userNamed(parameters: URLSearchParams, who: Authenticated): string {
    const named = parameters.get('UserName');
    if (named) return named;
    const own = /^arn:aws:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(who.identity.arn)?.[1];
    if (own === undefined) throw new ServiceError('ValidationError', 400, 'UserName: required when the caller is not an IAM user');
    return own;
  }

  /** iam:<Action> on the user it names (arn:aws:iam::ACCOUNT:user/NAME), or on every user for ListUsers. */
  private authorize(action: string, parameters: URLSearchParams, who: Authenticated): void {
    if (who.identity.arn === rootArn(this.account)) return; // the account root may do anything in IAM
    const userName = action === 'ListUsers' ? '*'
      : USER_NAME_DEFAULTS_TO_CALLER.has(action) ? this.userNamed(parameters, who) : required(parameters, 'UserName');
    const resource = `arn:aws:iam::${this.account}:user/${userName}`;
    const { principal, sourceIp, secureTransport } = who.caller;
    const identity = this.iam.evaluate({ principal, sourceIp, secureTransport, action: `iam:${action}`, resource, context: {} });
    const decision = decideAccess({ principal, resourceAccount: this.account, identity, resourcePolicyRequired: false, crossAccount: false });
    if (!decision.allowed) {
      throw new ServiceError('AccessDenied', 403, `User: ${principal} is not authorized to perform: iam:${action} on resource: ${resource}`
        + (decision.reason === 'explicit deny' ? ' with an explicit deny' : ''));
    }
  }
}
