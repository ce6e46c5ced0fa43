// How each protocol names an authentication failure, as the AWS services do. Status codes from the
// AWS KMS API Reference "Common Errors" (https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html:
// IncompleteSignature 400, MissingAuthenticationToken 403) and the KMS exceptions the SDK models
// (UnrecognizedClientException and InvalidSignatureException, 400); IAM and STS "Common Errors"
// (InvalidClientTokenId 403, SignatureDoesNotMatch 403, an expired signature is SignatureDoesNotMatch).

import { ServiceError, type AuthFailure, type AuthenticationFailure } from './service-error.js';

const JSON_NAMES: Record<AuthFailure, [string, number]> = {
  'missing': ['MissingAuthenticationToken', 403],
  'incomplete': ['IncompleteSignatureException', 400],
  'unknown-key': ['UnrecognizedClientException', 400],
  'bad-signature': ['InvalidSignatureException', 400],
  'expired': ['InvalidSignatureException', 400],
  'wrong-region': ['InvalidSignatureException', 400],
};

const QUERY_NAMES: Record<AuthFailure, [string, number]> = {
  'missing': ['MissingAuthenticationToken', 403],
  'incomplete': ['IncompleteSignature', 400],
  'unknown-key': ['InvalidClientTokenId', 403],
  'bad-signature': ['SignatureDoesNotMatch', 403],
  'expired': ['SignatureDoesNotMatch', 403],
  'wrong-region': ['SignatureDoesNotMatch', 403],
};

export function authError(protocol: 'json' | 'query', failure: AuthenticationFailure): ServiceError {
  const [code, status] = (protocol === 'json' ? JSON_NAMES : QUERY_NAMES)[failure.failure];
  return new ServiceError(code, status, failure.message);
}
