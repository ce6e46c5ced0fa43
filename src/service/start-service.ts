// `kms-wasm serve` without the command line: opens (or creates) DIR — its lock, the KMS's key store,
// the ObjectStore and the IAM identities with the root credentials (in DIR, or on PostgreSQL:
// service-stores.ts), Athena's catalog — and listens.

import { systemClock } from '../core/clock.js';
import { mkdir } from 'node:fs/promises';
import { DirectoryLock } from '../platform/directory-lock.js';
import { KeyManagementService } from '../kms/key-management-service.js';
import { Iam } from '../policy/index.js';
import type { AccessKeyPair } from './access-key-generator.js';
import { listen, type ListeningService } from './http-server.js';
import { awsChecksummer } from './s3-checksums.js';
import { IamApi } from './iam-api.js';
import { IamDirectory } from './iam-directory.js';
import { KmsJsonApi } from './kms-json-api.js';
import { AthenaJsonApi } from './athena-json-api.js';
import { QueryService } from '../query/node-query-service.js';
import { StsApi } from './sts-api.js';
import { ObjectStore } from '../s3/node-object-store.js';
import { S3RestApi } from './s3-rest-api.js';
import { ConsoleFiles } from './console-files.js';
import { openServiceStores } from './service-stores.js';

export interface ServeOptions {
  dir: string;
  /** A PostgreSQL connection string: keys, objects, identities and the query catalog and history in that database, shared with the other servers on it (service-stores.ts). */
  postgres?: string;
  host: string;
  port: number;
  account: string;
  region: string;
  tls?: { cert: Uint8Array; key: Uint8Array };
  /** Where KMS_WASM_ROOT_ACCESS_KEY_ID / KMS_WASM_ROOT_SECRET_ACCESS_KEY are read. */
  environment: Record<string, string | undefined>;
  log?: (line: string) => void;
  drainMs?: number;
  /** The service's clock (signature skew, presigned URL expiry); default: the system's. */
  now?: () => Date;
  /** The built browser console (dist/console/), served at /console/; absent: no console. */
  consoleDir?: string;
  /** Seal PutObject bodies and open GetObject's on the worker pool (ObjectStore's workerPool option). */
  workerPool?: boolean;
}

/** 127.0.0.0/8, ::1 and localhost. */
const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

export interface RunningService extends ListeningService {
  /** The root key pair made on this directory's first start (to show once); undefined otherwise. */
  generatedRootCredentials?: AccessKeyPair;
}

/**
 * The kind of DIR's lock the server holds while it runs (`locks/serve.<n>`, see DirectoryLock): the
 * IAM state (iam-state.bin, without --postgres) is held in memory and written whole, so a second
 * server on DIR would overwrite the first one's users and keys. The stores it opens (keys, objects,
 * the query catalog) take their own locks besides.
 */
const SERVE_LOCK = 'serve';

export async function startService(options: ServeOptions): Promise<RunningService> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const lock = await DirectoryLock.acquire(options.dir, SERVE_LOCK);
  const unlock = () => lock.release();
  try {
    return await serveLocked(options, unlock);
  } catch (error) {
    await unlock();
    throw error;
  }
}

async function serveLocked(options: ServeOptions, unlock: () => Promise<void>): Promise<RunningService> {
  const { keys: store, objects: objectMetadata, queries: queryStore, identities, generatedRootCredentials } = await openServiceStores(options.dir, options.postgres,
    options.account, options.environment);
  const iam = new Iam();
  const kms = new KeyManagementService({ account: options.account, region: options.region, store, iam });
  const directory = new IamDirectory(identities, iam, options.now ? { now: options.now } : systemClock);
  // SSE-C needs TLS, as in S3, except on a loopback address, where nothing crosses a network.
  const objects = new ObjectStore({ kms, iam, ...(objectMetadata ? { store: objectMetadata } : { dir: options.dir }), requireSecureTransport: !isLoopback(options.host), checksummer: awsChecksummer,
    workerPool: options.workerPool === true });
  const s3 = new S3RestApi(objects, { region: options.region,
    endpointHosts: ['localhost', options.host, `s3.${options.region}.amazonaws.com`, 's3.amazonaws.com'] });
  const consoleFiles = options.consoleDir === undefined ? undefined : await ConsoleFiles.load(options.consoleDir);
  // Queries read and write the same ObjectStore and KMS as the caller (athena:* decided by the same Iam); the catalog sits beside them.
  const queries = new QueryService({ s3: objects, kms, iam, ...(queryStore ? { store: queryStore } : { dir: options.dir }) });
  let listening: ListeningService;
  try {
    listening = await listen({
      host: options.host, port: options.port, tls: options.tls, log: options.log, drainMs: options.drainMs, console: consoleFiles,
      dispatcher: {
        handlers: { kms: new KmsJsonApi(kms), iam: new IamApi(directory, iam, options.account), sts: new StsApi(options.account), s3,
          athena: new AthenaJsonApi(queries) },
        directory, region: options.region, now: options.now ?? (() => new Date()),
      },
    });
  } catch (error) {
    await queries.close();
    await objects.close();
    await identities.close();
    await store.close();
    throw error;
  }
  return {
    ...listening,
    close: async () => {
      await listening.close();
      await queries.close();
      await objects.close();
      await identities.close();
      // The key store's own lock too, so that the directory can be served again in this process.
      await store.close();
      await unlock();
    },
    generatedRootCredentials,
  };
}
