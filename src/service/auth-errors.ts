// How each protocol names an authentication failure, as the AWS services do. Status codes from the
// AWS KMS API Reference "Common Errors" (https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html:
// IncompleteSignature 400, MissingAuthenticationToken 403) and the KMS exceptions the SDK models
// (UnrecognizedClientException and InvalidSignatureException, 400); IAM and STS "Common Errors"
// (InvalidClientTokenId 403, SignatureDoesNotMatch 403, an expired signature is SignatureDoesNotMatch);
// Amazon S3 API Reference, "Error responses" (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html:
// AccessDenied 403, AuthorizationHeaderMalformed 400, InvalidAccessKeyId 403, SignatureDoesNotMatch 403,
// RequestTimeTooSkewed 403, AuthorizationQueryParametersError 400; an expired presigned URL is
// AccessDenied "Request has expired").

import { ServiceError, type AuthFailure, type AuthenticationFailure } from './service-error.js';

const JSON_NAMES: Record<AuthFailure, [string, number]> = {
  'missing': ['MissingAuthenticationToken', 403],
  'incomplete': ['IncompleteSignatureException', 400],
  'unknown-key': ['UnrecognizedClientException', 400],
  'bad-signature': ['InvalidSignatureException', 400],
  'expired': ['InvalidSignatureException', 400],
  'wrong-region': ['InvalidSignatureException', 400],
  'presign-expired': ['InvalidSignatureException', 400],
  'malformed-query': ['IncompleteSignatureException', 400],
};

const QUERY_NAMES: Record<AuthFailure, [string, number]> = {
  'missing': ['MissingAuthenticationToken', 403],
  'incomplete': ['IncompleteSignature', 400],
  'unknown-key': ['InvalidClientTokenId', 403],
  'bad-signature': ['SignatureDoesNotMatch', 403],
  'expired': ['SignatureDoesNotMatch', 403],
  'wrong-region': ['SignatureDoesNotMatch', 403],
  'presign-expired': ['SignatureDoesNotMatch', 403],
  'malformed-query': ['IncompleteSignature', 400],
};

const REST_XML_NAMES: Record<AuthFailure, [string, number]> = {
  'missing': ['AccessDenied', 403],
  'incomplete': ['AuthorizationHeaderMalformed', 400],
  'unknown-key': ['InvalidAccessKeyId', 403],
  'bad-signature': ['SignatureDoesNotMatch', 403],
  'expired': ['RequestTimeTooSkewed', 403],
  'wrong-region': ['AuthorizationHeaderMalformed', 400],
  'presign-expired': ['AccessDenied', 403],
  'malformed-query': ['AuthorizationQueryParametersError', 400],
};

const NAMES = { 'json': JSON_NAMES, 'query': QUERY_NAMES, 'rest-xml': REST_XML_NAMES };

export function authError(protocol: keyof typeof NAMES, failure: AuthenticationFailure): ServiceError {
  const [code, status] = NAMES[protocol][failure.failure];
  return new ServiceError(code, status, failure.message);
}
