// Where `kms-wasm serve` keeps the KMS's keys, the S3 objects and the IAM identities: in DIR (a
// FileKeyStore, a directory ObjectStore and iam-state.bin: one server per directory), or with
// `--postgres URL` in a PostgreSQL database that several servers share (PostgresKeyStore,
// PostgresObjectMetadata with bodies in the database, PostgresIamStore, and the query catalog and
// execution history in a PostgresQueryStore), sealed under DIR's root key (root.key, the
// FileKeyStore's own, created if missing), which the database never sees.

import { join } from 'node:path';
import { FileKeyStore } from '../kms/file-key-store.js';
import type { KeyStore } from '../kms/key-store.js';
import { PostgresKeyStore } from '../kms/postgres-key-store.js';
import { readOrCreateSecret } from '../platform/atomic-file.js';
import type { ObjectMetadataStore } from '../s3/object-metadata.js';
import { PostgresObjectMetadata } from '../s3/postgres-object-metadata.js';
import { PostgresQueryStore } from '../query/postgres-query-store.js';
import type { QueryStore } from '../query/query-store.js';
import type { AccessKeyPair } from './access-key-generator.js';
import { FileIamStore } from './file-iam-store.js';
import type { IamStore } from './iam-directory.js';
import { PostgresIamStore } from './postgres-iam-store.js';

export interface ServiceStores {
  keys: KeyStore & { close(): Promise<void> };
  /** The ObjectStore's metadata store; undefined: a directory store in DIR. */
  objects?: ObjectMetadataStore;
  /** The query catalog and execution history; undefined: a directory store in DIR. */
  queries?: QueryStore;
  /** The IAM users, access keys and policies, and the root access key. */
  identities: IamStore;
  /** The root key pair made on this store's first start (to show once); undefined otherwise. */
  generatedRootCredentials?: AccessKeyPair;
}

/** The root key file a FileKeyStore keeps in its directory: the same key whichever store DIR's server uses. */
const ROOT_KEY_FILE = 'root.key';

/**
 * Opens the stores (on PostgreSQL: connected, migrated, the root key checked against the
 * database's), so a server that cannot use them does not start. `account` and `environment` (the
 * root credentials' variables) are checked against the stored identities, or start them.
 */
export async function openServiceStores(dir: string, postgres: string | undefined, account: string,
  environment: Record<string, string | undefined>): Promise<ServiceStores> {
  if (postgres === undefined) {
    const keys = new FileKeyStore({ directory: dir });
    try {
      const { store: identities, generated } = await FileIamStore.open(dir, await keys.rootKey(), account, environment);
      return { keys, identities, generatedRootCredentials: generated };
    } catch (error) {
      await keys.close();
      throw error;
    }
  }
  const rootKey = await readOrCreateSecret(join(dir, ROOT_KEY_FILE), 32);
  const keys = new PostgresKeyStore({ connectionString: postgres, rootKey });
  const objects = new PostgresObjectMetadata({ connectionString: postgres, rootKey });
  const queries = new PostgresQueryStore({ connectionString: postgres, rootKey });
  try {
    await keys.rootKey();
    await objects.load();
    await queries.ready();
    const { store: identities, generated } = await PostgresIamStore.open({ connectionString: postgres, rootKey }, account, environment);
    return { keys, objects, queries, identities, generatedRootCredentials: generated };
  } catch (error) {
    await keys.close();
    await objects.close();
    await queries.close();
    throw error;
  } finally {
    rootKey.fill(0); // the stores keep what they derived from it
  }
}
