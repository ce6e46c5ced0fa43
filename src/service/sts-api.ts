// STS's Query API: GetCallerIdentity (which, as in AWS, needs no permission).

import { queryActionOf, queryError, queryParameters, queryResponse } from './query-protocol.js';
import { ServiceError } from './service-error.js';
import type { Authenticated, ServiceHandler } from './service-handler.js';
import type { WireRequest } from './wire.js';

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

export class StsApi implements ServiceHandler {
  readonly protocol = 'query' as const;

  constructor(private readonly account: string) {}

  readonly operationOf = queryActionOf;

  async handle(request: WireRequest, who: Authenticated, requestId: string) {
    const action = queryParameters(request).get('Action');
    if (action !== 'GetCallerIdentity') throw new ServiceError('InvalidAction', 400, `Could not find operation ${action ?? ''} for version 2011-06-15`);
    return queryResponse(NAMESPACE, action, { Arn: who.identity.arn, UserId: who.identity.userId, Account: this.account }, requestId);
  }

  errorResponse(error: ServiceError, requestId: string) {
    return queryError(NAMESPACE, error, requestId);
  }
}
