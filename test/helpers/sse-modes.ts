// Every S3 SSE mode as a test request gives it: what a PUT (or CreateMultipartUpload) sends, and
// what a GET (or UploadPart) must send — the customer's headers for SSE-C.

export const sseModes = <C extends object>(customerHeaders: C) => [
  { mode: 'SSE-S3', put: { ServerSideEncryption: 'AES256' as const }, get: {} },
  { mode: 'SSE-KMS', put: { ServerSideEncryption: 'aws:kms' as const }, get: {} },
  { mode: 'SSE-KMS with a bucket key', put: { ServerSideEncryption: 'aws:kms' as const, BucketKeyEnabled: true }, get: {} },
  { mode: 'DSSE-KMS', put: { ServerSideEncryption: 'aws:kms:dsse' as const }, get: {} },
  { mode: 'SSE-C', put: customerHeaders, get: customerHeaders },
];
