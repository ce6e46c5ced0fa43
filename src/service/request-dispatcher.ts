// One request, start to end once its body is read: route by the SigV4 credential scope's service (as
// AWS's shared endpoints do), authenticate, let the service answer, and turn every failure into that
// service's error shape. Nothing escapes as an exception: a fault becomes a 500 InternalFailure
// without details (the log keeps the message).

import { authError } from './auth-errors.js';
import { authenticate } from './authenticate.js';
import type { IamDirectory } from './iam-directory.js';
import { AuthenticationFailure, ServiceError } from './service-error.js';
import type { ServiceHandler } from './service-handler.js';
import { credentialScopeOf, type CredentialScope } from './sigv4-verifier.js';
import { headerValue, type WireRequest, type WireResponse } from './wire.js';

export interface DispatchOutcome {
  response: WireResponse;
  /** "kms:Encrypt", "iam:CreateUser", … for the log. */
  operation: string;
  /** The caller's ARN once authenticated. */
  principal?: string;
  /** A fault's message, for the log only. */
  fault?: string;
}

export interface Dispatcher {
  handlers: Record<'kms' | 'iam' | 'sts', ServiceHandler>;
  directory: IamDirectory;
  region: string;
  now: () => Date;
}

const S3_NOT_YET: WireResponse = {
  status: 501,
  headers: { 'content-type': 'application/xml' },
  body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NotImplemented</Code><Message>S3 is not served by this kms-wasm version yet</Message></Error>',
};

interface Route {
  service: string;
  handler: ServiceHandler | undefined;
  scope: CredentialScope | undefined;
  scopeError: AuthenticationFailure | undefined;
}

function route(request: WireRequest, d: Dispatcher): Route {
  let scope: CredentialScope | undefined;
  let scopeError: AuthenticationFailure | undefined;
  try {
    scope = credentialScopeOf(request);
  } catch (error) {
    scopeError = error as AuthenticationFailure;
  }
  // Without a readable scope, the JSON target header says a KMS client sent it; anything else gets a Query error.
  const service = scope?.service ?? (headerValue(request.headers, 'x-amz-target') !== undefined ? 'kms' : 'iam');
  const handler = Object.hasOwn(d.handlers, service) ? d.handlers[service as keyof Dispatcher['handlers']] : undefined;
  return { service, handler, scope, scopeError };
}

/** A request refused before it could be read whole (an oversize body), answered in its service's shape. */
export function reject(request: WireRequest, error: ServiceError, requestId: string, d: Dispatcher): DispatchOutcome {
  const { service, handler } = route(request, d);
  return { response: (handler ?? d.handlers.iam).errorResponse(error, requestId), operation: `${service}:${handler?.operationOf(request) ?? '?'}` };
}

export async function dispatch(request: WireRequest, requestId: string, d: Dispatcher): Promise<DispatchOutcome> {
  const { service, handler, scope, scopeError } = route(request, d);
  if (service === 's3') return { response: S3_NOT_YET, operation: 's3' };
  if (!handler) {
    const error = new ServiceError('InvalidClientTokenId', 403, `this endpoint serves kms, iam and sts; the credential scope names ${service}`);
    return { response: d.handlers.iam.errorResponse(error, requestId), operation: service };
  }
  const operation = `${service}:${handler.operationOf(request) ?? '?'}`;
  let principal: string | undefined;
  try {
    if (scopeError) throw scopeError;
    const who = await authenticate(request, scope, d.directory, d.region, d.now());
    principal = who.caller.principal;
    return { response: await handler.handle(request, who, requestId), operation, principal };
  } catch (error) {
    if (error instanceof AuthenticationFailure) return { response: handler.errorResponse(authError(handler.protocol, error), requestId), operation, principal };
    if (error instanceof ServiceError) return { response: handler.errorResponse(error, requestId), operation, principal };
    const internal = new ServiceError(service === 'kms' ? 'KMSInternalException' : 'InternalFailure', 500, 'The request failed because of an internal error.');
    return { response: handler.errorResponse(internal, requestId), operation, principal, fault: String((error as Error)?.message ?? error) };
  }
}
