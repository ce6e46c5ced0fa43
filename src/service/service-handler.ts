// What the server asks of each AWS service it serves: the name of the operation a request calls (for
// the log), the answer to an authenticated request, and the service's shape for an error.

import type { Caller } from '../policy/index.js';
import type { Identity } from './iam-directory.js';
import type { ServiceError } from './service-error.js';
import type { SigningContext } from './sigv4-verifier.js';
import type { WireRequest, WireResponse } from './wire.js';

export interface Authenticated {
  identity: Identity;
  /** The identity as the library's services take it, with aws:SourceIp and aws:SecureTransport. */
  caller: Caller;
  /** How the request was signed, for a payload whose chunks carry signatures of their own (S3's aws-chunked). */
  signing: SigningContext;
}

export interface ServiceHandler {
  /** How authentication failures are named: AWS JSON services and Query services differ. */
  readonly protocol: 'json' | 'query' | 'rest-xml';
  /** The handler reads `request.stream` itself (after authentication); otherwise the body is read whole first. */
  readonly streamsBody?: boolean;
  /** The operation the request names (for the log line), or undefined where it names none. */
  operationOf(request: WireRequest): string | undefined;
  handle(request: WireRequest, who: Authenticated, requestId: string): Promise<WireResponse>;
  errorResponse(error: ServiceError, requestId: string): WireResponse;
}
