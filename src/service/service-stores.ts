// Where `kms-wasm serve` keeps the KMS's keys and the S3 objects: in DIR (a FileKeyStore and a
// directory ObjectStore: one server per directory), or with `--postgres URL` in a PostgreSQL
// database that several servers share (PostgresKeyStore, PostgresObjectMetadata with bodies in the
// database), sealed under DIR's root key (root.key, the FileKeyStore's own, created if missing),
// which the database never sees. Either way the IAM state and the query catalog stay in DIR, sealed
// under that root key.

import { join } from 'node:path';
import { FileKeyStore } from '../kms/file-key-store.js';
import type { KeyStore } from '../kms/key-store.js';
import { PostgresKeyStore } from '../kms/postgres-key-store.js';
import { readOrCreateSecret } from '../platform/atomic-file.js';
import type { ObjectMetadataStore } from '../s3/object-metadata.js';
import { PostgresObjectMetadata } from '../s3/postgres-object-metadata.js';

export interface ServiceStores {
  keys: KeyStore & { close(): Promise<void> };
  /** The ObjectStore's metadata store; undefined: a directory store in DIR. */
  objects?: ObjectMetadataStore;
  /** The root key (IAM state is sealed under it). */
  rootKey: Uint8Array;
}

/** The root key file a FileKeyStore keeps in its directory: the same key whichever store DIR's server uses. */
const ROOT_KEY_FILE = 'root.key';

/** Opens the stores (on PostgreSQL: connected, migrated, the root key checked against the database's), so a server that cannot use them does not start. */
export async function openServiceStores(dir: string, postgres: string | undefined): Promise<ServiceStores> {
  if (postgres === undefined) {
    const keys = new FileKeyStore({ directory: dir });
    return { keys, rootKey: await keys.rootKey() };
  }
  const rootKey = await readOrCreateSecret(join(dir, ROOT_KEY_FILE), 32);
  const keys = new PostgresKeyStore({ connectionString: postgres, rootKey });
  const objects = new PostgresObjectMetadata({ connectionString: postgres, rootKey });
  try {
    await keys.rootKey();
    await objects.load();
  } catch (error) {
    await keys.close();
    await objects.close();
    throw error;
  }
  return { keys, objects, rootKey };
}
