// Errors of the AWS Encryption SDK message format beyond the package's shared ones
// (MessageFormatError for malformed messages, AuthenticationError for anything that fails to
// authenticate, InvalidInputError for bad arguments).

/** A message or a request is not allowed by the commitment policy, or the policy itself is unknown. */
export class CommitmentPolicyError extends Error {
  override readonly name = 'CommitmentPolicyError';
}

/** No keyring could produce (on encrypt) or unwrap (on decrypt) the message's data key. */
export class KeyringError extends Error {
  override readonly name = 'KeyringError';
}
