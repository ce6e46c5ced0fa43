// The AWS Query protocol, as IAM and STS speak it: a form-encoded POST (or a GET query) naming the
// Action, answered with `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>` XML, or
// with `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
// XML is written by fast-xml-parser's builder, which escapes text and attribute values.

import { XMLBuilder } from 'fast-xml-parser';
import { ServiceError } from './service-error.js';
import { headerValue, type WireRequest, type WireResponse } from './wire.js';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_' });

/** The request's parameters: the form body of a POST, else the query string. */
export function queryParameters(request: WireRequest): URLSearchParams {
  if (request.method === 'POST') {
    const type = headerValue(request.headers, 'content-type') ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      throw new ServiceError('MalformedQueryString', 400, 'Content-Type: expected application/x-www-form-urlencoded');
    }
    return new URLSearchParams(new TextDecoder().decode(request.body));
  }
  return request.query;
}

/** The Action a request names, for the log; undefined when its parameters cannot be read. */
export function queryActionOf(request: WireRequest): string | undefined {
  try {
    return queryParameters(request).get('Action') ?? undefined;
  } catch {
    return undefined;
  }
}

/** A parameter the action requires. */
export function required(parameters: URLSearchParams, name: string): string {
  const value = parameters.get(name);
  if (value === null || value === '') throw new ServiceError('MissingParameter', 400, `The request must contain the parameter ${name}`);
  return value;
}

export function queryResponse(namespace: string, action: string, result: object | undefined, requestId: string): WireResponse {
  const body = builder.build({
    [`${action}Response`]: {
      '@_xmlns': namespace,
      ...(result === undefined ? {} : { [`${action}Result`]: result }),
      ResponseMetadata: { RequestId: requestId },
    },
  });
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

export function queryError(namespace: string, error: ServiceError, requestId: string): WireResponse {
  const body = builder.build({
    ErrorResponse: {
      '@_xmlns': namespace,
      Error: { Type: error.status >= 500 ? 'Receiver' : 'Sender', Code: error.code, Message: error.message },
      RequestId: requestId,
    },
  });
  return { status: error.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}
