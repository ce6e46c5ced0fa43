// The operation an AWS JSON 1.1 request calls: `POST /` with `X-Amz-Target: <prefix><Operation>`
// (KMS's TrentService., Athena's AmazonAthena.). Anything else is UnknownOperationException, 400.

import { ServiceError } from './service-error.js';
import type { Authenticated, ServiceHandler } from './service-handler.js';
import { headerValue, type WireRequest, type WireResponse } from './wire.js';

/** The operation the target names after `prefix` (for the log: the whole target when the prefix is another's). */
export function targetOperation(request: WireRequest, prefix: string): string | undefined {
  const target = headerValue(request.headers, 'x-amz-target');
  return target?.startsWith(prefix) ? target.slice(prefix.length) : target;
}

/** The operation a well-formed call names, if `isOperation` knows it; otherwise UnknownOperationException naming the service. */
export function calledOperation<Operation extends string>(request: WireRequest, prefix: string,
  isOperation: (name: string) => name is Operation, service: string): Operation {
  const operation = targetOperation(request, prefix) ?? '';
  if (request.method !== 'POST' || request.path !== '/' || !headerValue(request.headers, 'x-amz-target')?.startsWith(prefix) || !isOperation(operation)) {
    throw new ServiceError('UnknownOperationException', 400, `${request.method} ${request.path} with X-Amz-Target ${operation || '(none)'} is not ${service} operation`);
  }
  return operation;
}

/** An AWS JSON 1.1 response: the body (or error) with the protocol's content type and the request id. */
export const jsonResponse = (status: number, requestId: string, body: string): WireResponse =>
  ({ status, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId }, body });

/** A service whose operations are `<prefix><Operation>` targets: names its operation for the log. */
export abstract class JsonTargetApi implements ServiceHandler {
  readonly protocol = 'json' as const;

  protected constructor(private readonly prefix: string) {}

  operationOf(request: WireRequest): string | undefined {
    return targetOperation(request, this.prefix);
  }

  abstract handle(request: WireRequest, who: Authenticated, requestId: string): Promise<WireResponse>;
  abstract errorResponse(error: ServiceError, requestId: string): WireResponse;
}
