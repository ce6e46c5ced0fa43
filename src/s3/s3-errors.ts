// S3 errors carry the S3 error code in `.name` (AccessDenied, NoSuchKey, …). KMS refusals met while
// reading or writing an SSE-KMS object surface as AccessDenied (or KMS.DisabledException and the
// like) with the KMS error as `cause`. A stored body that is gone is InternalError, S3's code for a
// fault of its own (500 in S3's list of error codes), as no request could have avoided it.

export type S3ErrorCode =
  | 'AccessDenied' | 'InvalidRequest' | 'InvalidArgument' | 'NoSuchKey' | 'NoSuchBucket' | 'BucketAlreadyOwnedByYou'
  | 'BucketAlreadyExists' | 'InvalidBucketName' | 'InvalidRange' | 'MalformedPolicy' | 'ServerSideEncryptionConfigurationNotFoundError'
  | 'KMS.DisabledException' | 'KMS.KMSInvalidStateException' | 'KMS.NotFoundException'
  | 'NoSuchUpload' | 'InvalidPart' | 'InvalidPartOrder' | 'EntityTooSmall' | 'EntityTooLarge' | 'IncompleteBody'
  | 'BucketNotEmpty' | 'NoSuchBucketPolicy' | 'MalformedXML' | 'InvalidPartNumber' | 'PreconditionFailed'
  | 'InternalError' | 'XAmzContentSHA256Mismatch';

export class S3Error extends Error {
  override readonly name: S3ErrorCode;

  constructor(code: S3ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = code;
  }
}

export const s3Error = (code: S3ErrorCode, message: string, options?: { cause?: unknown }) => new S3Error(code, message, options);
