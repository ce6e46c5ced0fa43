// kms-wasm/node: everything of 'kms-wasm', plus what needs Node: the directory and PostgreSQL key
// stores, the ObjectStore, BlockStore and QueryService whose `dir` opens a directory store, the
// PostgreSQL object and block metadata stores and query store, and Node streams. (In Node, 'kms-wasm' itself loads
// this build, so `dir` stores and the worker pool's worker_threads work from either import.)

export * from './index.js';
// Shadows the ObjectStore of './index.js' (a local export wins over `export *`): this one opens `dir`.
export { ObjectStore } from './s3/node-object-store.js';
// Likewise the BlockStore: this one opens `dir`.
export { BlockStore } from './ebs/node-block-store.js';
// And the QueryService: this one keeps its catalog and history in `dir`.
export { QueryService } from './query/node-query-service.js';
export { FileKeyStore, type FileKeyStoreOptions } from './kms/file-key-store.js';
export { PostgresKeyStore, type PostgresKeyStoreOptions } from './kms/postgres-key-store.js';
export { PostgresIamPolicies, type PostgresIamPoliciesOptions } from './kms/postgres-iam-policies.js';
export { toNodeDuplex } from './envelope/node-duplex.js';
export { PostgresObjectMetadata, type PostgresObjectMetadataOptions } from './s3/postgres-object-metadata.js';
export { PostgresBlockMetadata, type PostgresBlockMetadataOptions } from './ebs/postgres-block-metadata.js';
export { PostgresQueryStore, type PostgresQueryStoreOptions } from './query/postgres-query-store.js';
