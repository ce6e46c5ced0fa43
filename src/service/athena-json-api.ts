// Amazon Athena over AWS JSON 1.1: `POST /` with `X-Amz-Target: AmazonAthena.<Operation>`, each
// operation one method of the library's QueryService called as the request's caller (so the S3 and
// KMS calls a query makes meet the same bucket policies, key policies and grants as the caller's own).
// Errors are `{"__type": …, "Message": …}`, with AthenaErrorCode for InvalidRequestException
// (https://docs.aws.amazon.com/athena/latest/APIReference/API_InvalidRequestException.html); a
// refused request is HTTP 400, an internal fault InternalServerException 500
// (https://docs.aws.amazon.com/athena/latest/APIReference/CommonErrors.html).

import { AthenaError } from '../query/athena-errors.js';
import type { QueryService } from '../query/query-service.js';
import { awsJson } from './aws-json.js';
import { ServiceError } from './service-error.js';
import type { Authenticated } from './service-handler.js';
import { calledOperation, jsonResponse, JsonTargetApi } from './json-target.js';
import type { WireRequest, WireResponse } from './wire.js';

export const ATHENA_TARGET_PREFIX = 'AmazonAthena.';

/** An Athena error on the wire: the ServiceError plus Athena's code for a request it refuses. */
class AthenaServiceError extends ServiceError {
  constructor(code: string, status: number, message: string, readonly athenaErrorCode?: string) {
    super(code, status, message);
  }
}

const invalid = (message: string) => new AthenaServiceError('InvalidRequestException', 400, message, 'INVALID_INPUT');

/**
 * Each operation's request members and their JSON types, from the Athena API Reference's request
 * syntax; a member of the wrong type is refused here, before the QueryService sees it. Members not
 * listed (Athena's optional settings this model has no use for) are passed over.
 */
type MemberType = 'string' | 'integer' | 'string[]' | { [member: string]: MemberType };
const ENCRYPTION = { EncryptionOption: 'string', KmsKey: 'string' } as const;
const REQUESTS = {
  StartQueryExecution: {
    QueryString: 'string', ClientRequestToken: 'string', WorkGroup: 'string',
    QueryExecutionContext: { Database: 'string', Catalog: 'string' },
    ResultConfiguration: { OutputLocation: 'string', ExpectedBucketOwner: 'string', EncryptionConfiguration: ENCRYPTION },
  },
  GetQueryExecution: { QueryExecutionId: 'string' },
  GetQueryResults: { QueryExecutionId: 'string', NextToken: 'string', MaxResults: 'integer' },
  StopQueryExecution: { QueryExecutionId: 'string' },
  ListQueryExecutions: { NextToken: 'string', MaxResults: 'integer', WorkGroup: 'string' },
  BatchGetQueryExecution: { QueryExecutionIds: 'string[]' },
} satisfies Record<string, Record<string, MemberType>>;

type AthenaOperation = keyof typeof REQUESTS;
const isOperation = (name: string): name is AthenaOperation => Object.hasOwn(REQUESTS, name);

/** Members required by the request syntax. */
const REQUIRED: Partial<Record<AthenaOperation, string[]>> = {
  StartQueryExecution: ['QueryString'], GetQueryExecution: ['QueryExecutionId'], GetQueryResults: ['QueryExecutionId'],
  StopQueryExecution: ['QueryExecutionId'], BatchGetQueryExecution: ['QueryExecutionIds'],
};

/** Checks `value` against `shape`, dropping JSON nulls (AWS JSON's "member not set"). */
function checkMembers(value: unknown, shape: Record<string, MemberType>, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${path || 'the request body'}: expected a JSON object`);
  const checked: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    if (member === null || !Object.hasOwn(shape, name)) continue;
    const type = shape[name]!;
    const field = path ? `${path}.${name}` : name;
    if (typeof type === 'object') checked[name] = checkMembers(member, type, field);
    else if (type === 'string' ? typeof member === 'string'
      : type === 'integer' ? Number.isInteger(member)
      : Array.isArray(member) && member.every((item) => typeof item === 'string')) checked[name] = member;
    else throw invalid(`${field}: expected ${type === 'string[]' ? 'a list of strings' : `a JSON ${type === 'integer' ? 'whole number' : type}`}`);
  }
  return checked;
}

function requestFromBody(operation: AthenaOperation, body: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? {} : JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new AthenaServiceError('SerializationException', 400, 'the request body is not valid JSON');
  }
  const request = checkMembers(parsed, REQUESTS[operation], '');
  const missing = REQUIRED[operation]?.find((name) => request[name] === undefined);
  if (missing) throw invalid(`${missing}: required`);
  return request;
}

export class AthenaJsonApi extends JsonTargetApi {
  constructor(private readonly queries: QueryService) {
    super(ATHENA_TARGET_PREFIX);
  }

  async handle(request: WireRequest, who: Authenticated, requestId: string): Promise<WireResponse> {
    const operation = calledOperation(request, ATHENA_TARGET_PREFIX, isOperation, 'an Athena');
    const input = requestFromBody(operation, request.body);
    const method = this.queries[`${operation[0]!.toLowerCase()}${operation.slice(1)}` as 'getQueryExecution'] as (input: unknown, caller: unknown) => Promise<object>;
    let output: object;
    try {
      output = await method.call(this.queries, input, who.caller);
    } catch (error) {
      if (error instanceof AthenaError) throw new AthenaServiceError(error.name, error.name === 'InternalServerException' ? 500 : 400, error.message, error.AthenaErrorCode);
      throw error;
    }
    return jsonResponse(200, requestId, awsJson(output));
  }

  errorResponse(error: ServiceError, requestId: string): WireResponse {
    const athenaErrorCode = error instanceof AthenaServiceError ? error.athenaErrorCode : undefined;
    return jsonResponse(error.status, requestId, JSON.stringify({ __type: error.code, Message: error.message, AthenaErrorCode: athenaErrorCode }));
  }
}
