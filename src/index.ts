// kms-wasm: the public API that runs everywhere (Node, browsers, workers). Its build imports no
// node: module (scripts/build.mjs); kms-wasm/node (node.ts) adds what needs Node. See README.md.

export { ready } from './core/wasm-runtime.js';
export { gcm, type GcmCipher } from './core/gcm.js';
export { gcmDefaults, type GcmOptions } from './core/gcm-state.js';
export { GcmEncryptor, GcmDecryptor, createGcmEncryptor, createGcmDecryptor } from './core/gcm-stream.js';
export { xts, XtsCipher, sectorTweak, DEFAULT_SECTOR_BYTES, XTS_MAX_DATA_UNIT_BYTES } from './core/xts.js';
export { InvalidInputError, AuthenticationError, CipherStateError } from './core/errors.js';
export { parallelGcm, parallelXts, ParallelXts, PARALLEL_THRESHOLD_BYTES, type ParallelGcmCipher } from './core/parallel.js';
export { terminateWorkers, workerPoolInfo, type WorkerPoolInfo } from './core/worker-pool.js';
export { Iam, MalformedPolicyError, type IamOptions, type IamPolicyStore, type PolicyTable, type PutPrincipalPolicyRequest } from './policy/index.js';
export { KeyManagementService, type KeyManagementServiceOptions, type Caller } from './kms/key-management-service.js';
export {
  type KeyStore, type StoreSnapshot, type StoreChanges, type StateChange, type StoreUpdates, type RecordUpdate, type KeyRecord, type AliasRecord, type AuditRecord, type AuditHead,
  type StoredAuditRecord, type AuditPosition,
} from './kms/key-store.js';
export { MemoryKeyStore } from './kms/memory-key-store.js';
export { chainRecords, deriveAuditKey, type AuditEvent } from './kms/audit-trail.js';
export type { TableChanges } from './kms/record-tables.js';
export { IndexedDbKeyStore, type IndexedDbKeyStoreOptions } from './kms/indexeddb-key-store.js';
export type { AuditCheckpoint, AuditVerification } from './kms/audit-trail.js';
export type { GrantRecord } from './kms/grants.js';
export { StoreLockedError, StoreIntegrityError, StoreClosedError, RootKeyMismatchError, type LockHolder } from './platform/store-errors.js';
export { KmsError, type KmsErrorName } from './kms/kms-errors.js';
export { awsSdkKmsClient, type AwsSdkKms, type AwsSdkKmsClientOptions } from './kms/aws-sdk-kms-client.js';
export type * from './envelope/kms-client.js';
export type * from './kms/kms-api-types.js';
export type { DescribeKeyResponse } from './kms/kms-api-types.js';
export type * from './s3/s3-api-types.js';
export type { RangedPlaintextObject } from './s3/cse-gcm-ranges.js';
export type * from './ebs/ec2-api-types.js';
export type { Clock } from './core/clock.js';
export type { EncryptionContext } from './envelope/encryption-context.js';
export { kmsEncryptionMaterials, kmsDataKeyResolver, KMS_PROVIDER_ID } from './kms/kms-keyring.js';
export { BlockStore, type BlockStoreOptions } from './ebs/block-store.js';
export { VolumeHandle } from './ebs/volume-handle.js';
export { Ec2Error, type Ec2ErrorCode } from './ebs/ec2-errors.js';
export * from './envelope/index.js';
export { ObjectStore, type ObjectStoreOptions, type ServerSideEncryption } from './s3/object-store.js';
export type { ObjectMetadataStore, MetadataChange, ObjectRecord } from './s3/object-metadata.js';
export type { BlockMetadataStore } from './ebs/block-metadata.js';
export type { BlockChange, BlockRecord, Ec2State } from './ebs/block-records.js';
export { S3Error, type S3ErrorCode } from './s3/s3-errors.js';
export { S3EncryptionClient, type S3EncryptionClientOptions } from './s3/s3-encryption-client.js';
export { QueryService, type QueryServiceOptions, type StartQueryExecutionRequest } from './query/query-service.js';
export type { QueryStore, QueryRecords, QueryCollection, RecordChanges } from './query/query-store.js';
export { AthenaError, type AthenaErrorName } from './query/athena-errors.js';
export { DuckDbEngine, type AsyncDuckDb, type AsyncDuckDbConnection } from './query/duckdb-engine.js';
export type { EncryptionConfiguration, EncryptionOption } from './query/result-objects.js';
export type { QueryExecutionState } from './query/query-executions.js';
