// KMS errors carry the AWS exception name in `.name`, as the AWS SDK's do, and a message that says
// what was wrong (never a key, plaintext or other secret).

export type KmsErrorName =
  | 'NotFoundException' | 'DisabledException' | 'KMSInvalidStateException' | 'InvalidCiphertextException'
  | 'IncorrectKeyException' | 'AccessDeniedException' | 'ValidationException' | 'InvalidKeyUsageException'
  | 'AlreadyExistsException' | 'InvalidGrantTokenException' | 'UnsupportedOperationException'
  | 'MalformedPolicyDocumentException' | 'InvalidAliasNameException' | 'IncorrectKeyMaterialException'
  | 'ExpiredImportTokenException' | 'InvalidImportTokenException'
  // Raised only by a remote KMS (seen through aws-sdk-kms-client.ts), never by kms-wasm's own.
  | 'KMSInternalException' | 'DependencyTimeoutException' | 'KeyUnavailableException' | 'LimitExceededException'
  | 'InvalidArnException' | 'InvalidGrantIdException' | 'DryRunOperationException';

export class KmsError extends Error {
  override readonly name: KmsErrorName;

  constructor(name: KmsErrorName, message: string) {
    super(message);
    this.name = name;
  }
}

export const kmsError = (name: KmsErrorName, message: string) => new KmsError(name, message);
