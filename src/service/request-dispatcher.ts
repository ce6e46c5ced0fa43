// One request, start to end: route by the SigV4 credential scope's service (as AWS's shared endpoints
// do), read the body (except for a service that streams its own), authenticate, let the service
// answer, and turn every failure into that service's error shape. Nothing escapes as an exception: a fault becomes a 500 InternalFailure
// without details (the log keeps the message).

import { ATHENA_TARGET_PREFIX } from './athena-json-api.js';
import { authError } from './auth-errors.js';
import { authenticate } from './authenticate.js';
import { MAX_BODY_BYTES, readBody } from './read-body.js';
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
  /** The body was left unread (refused as too large): the connection cannot carry another request. */
  closeConnection?: boolean;
}

export interface Dispatcher {
  handlers: Record<'kms' | 'iam' | 'sts' | 's3' | 'athena', ServiceHandler>;
  directory: IamDirectory;
  region: string;
  now: () => Date;
}

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
  // Without a readable scope, the JSON target header says a KMS (or Athena) client sent it, an Action
  // parameter or a form body a Query client; anything else is answered as S3 (a REST path).
  const target = headerValue(request.headers, 'x-amz-target');
  const service = scope?.service ?? (target !== undefined ? (target.startsWith(ATHENA_TARGET_PREFIX) ? 'athena' : 'kms')
    : request.query.has('Action') || headerValue(request.headers, 'content-type')?.startsWith('application/x-www-form-urlencoded') ? 'iam' : 's3');
  const handler = Object.hasOwn(d.handlers, service) ? d.handlers[service as keyof Dispatcher['handlers']] : undefined;
  return { service, handler, scope, scopeError };
}

/** Each service's name for an internal fault (IAM and STS: InternalFailure). */
const INTERNAL_ERRORS: Record<string, string> = { kms: 'KMSInternalException', s3: 'InternalError', athena: 'InternalServerException' };

export async function dispatch(request: WireRequest, requestId: string, d: Dispatcher): Promise<DispatchOutcome> {
  const { service, handler, scope, scopeError } = route(request, d);
  if (!handler) {
    const error = new ServiceError('InvalidClientTokenId', 403, `this endpoint serves kms, s3, iam, sts and athena; the credential scope names ${service}`);
    return { response: d.handlers.iam.errorResponse(error, requestId), operation: service };
  }
  const operationNow = () => `${service}:${handler.operationOf(request) ?? '?'}`;
  let operation = operationNow();
  if (!handler.streamsBody) {
    const body = await readBody(request.headers, request.stream);
    if (body === undefined) {
      const error = new ServiceError('RequestEntityTooLarge', 413, `the request body exceeds ${MAX_BODY_BYTES} bytes`);
      return { response: handler.errorResponse(error, requestId), operation, closeConnection: true };
    }
    request.body = body;
    operation = operationNow(); // a Query client (IAM, STS) names its Action in the form body
  }
  let principal: string | undefined;
  try {
    if (scopeError) throw scopeError;
    const who = await authenticate(request, scope, d.directory, d.region, d.now());
    principal = who.caller.principal;
    return { response: await handler.handle(request, who, requestId), operation, principal };
  } catch (error) {
    if (error instanceof AuthenticationFailure) return { response: handler.errorResponse(authError(handler.protocol, error), requestId), operation, principal };
    if (error instanceof ServiceError) return { response: handler.errorResponse(error, requestId), operation, principal };
    const internal = new ServiceError(INTERNAL_ERRORS[service] ?? 'InternalFailure', 500, 'The request failed because of an internal error.');
    return { response: handler.errorResponse(internal, requestId), operation, principal, fault: String((error as Error)?.message ?? error) };
  }
}
