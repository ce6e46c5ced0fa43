// Athena's errors, as the Athena API Reference names them
// (https://docs.aws.amazon.com/athena/latest/APIReference/CommonErrors.html and each operation's
// Errors section): a request Athena refuses throws InvalidRequestException (with AthenaErrorCode),
// ResourceNotFoundException or InternalServerException, and a caller without the athena:* permission
// AccessDeniedException (a common error of every operation, HTTP 400). A query that was accepted and then failed
// does not throw: its execution ends FAILED with Status.StateChangeReason and Status.AthenaError
// (https://docs.aws.amazon.com/athena/latest/APIReference/API_AthenaError.html).

export type AthenaErrorName = 'InvalidRequestException' | 'ResourceNotFoundException' | 'InternalServerException' | 'AccessDeniedException';

export class AthenaError extends Error {
  override readonly name: AthenaErrorName;
  /** For InvalidRequestException: Athena's code for the request error (e.g. INVALID_INPUT). */
  readonly AthenaErrorCode: string | undefined;

  constructor(name: AthenaErrorName, message: string, athenaErrorCode?: string) {
    super(message);
    this.name = name;
    this.AthenaErrorCode = athenaErrorCode;
  }
}

/** A request field Athena refuses: InvalidRequestException naming the field. */
export const invalidRequest = (field: string, expected: string) =>
  new AthenaError('InvalidRequestException', `${field}: ${expected}`, 'INVALID_INPUT');

/**
 * Why an accepted query failed, in the words Athena's engine uses (HIVE_CANNOT_OPEN_SPLIT,
 * TABLE_NOT_FOUND, …): thrown inside an execution and kept as its StateChangeReason.
 * ErrorCategory: 1 system, 2 user, 3 other (API_AthenaError).
 */
export class QueryFailure extends Error {
  override readonly name = 'QueryFailure';

  constructor(message: string, readonly errorCategory: 1 | 2 | 3 = 2, options?: { cause?: unknown }) {
    super(message, options);
  }
}
