// An error the service answers with: the AWS error code, the HTTP status AWS gives it, and a message
// that says what was wrong (never a secret). Each protocol writes it in its own shape (JSON __type,
// Query <Error><Code>).

export class ServiceError extends Error {
  constructor(readonly code: string, readonly status: number, message: string) {
    super(message);
    this.name = code;
  }
}

/** Why a request's authentication failed; each protocol names these as its AWS service does (see auth-errors.ts). */
export type AuthFailure = 'missing' | 'incomplete' | 'unknown-key' | 'bad-signature' | 'expired' | 'wrong-region' | 'presign-expired'
  | 'malformed-query';

export class AuthenticationFailure extends Error {
  constructor(readonly failure: AuthFailure, message: string) {
    super(message);
    this.name = 'AuthenticationFailure';
  }
}
