// What every `kms-wasm` command shares: a usage error (exit 2) naming the argument at fault, the
// exit code for an error once a command ran (1, with the AWS error name where there is one), and the
// options that open the local key store.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FileKeyStore } from '../kms/file-key-store.js';
import { KeyManagementService } from '../kms/key-management-service.js';
import { KmsError } from '../kms/kms-errors.js';
import { ServiceError } from '../service/service-error.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const DEFAULT_DIR = './kms-wasm-data';
const LOCK_WAIT_MS = 10_000;

/** The options of every command that opens a local key store. */
export const STORE_OPTIONS = {
  dir: { type: 'string' },
  account: { type: 'string', default: '111122223333' },
  region: { type: 'string', default: 'us-east-1' },
} as const satisfies ParseArgsConfig['options'];

export const STORE_HELP = `  --dir DIR          the key store directory (default $KMS_WASM_DIR or ${DEFAULT_DIR}; created if missing)
  --account ID       the 12-digit account of its key ARNs (default 111122223333, as kms-wasm serve)
  --region REGION    the region of its key ARNs (default us-east-1)`;

/** node:util parseArgs, its errors as UsageErrors (they name the option at fault). */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The KMS over the FileKeyStore in --dir (or $KMS_WASM_DIR, or ./kms-wasm-data). */
export function openLocalKms(values: { dir?: string; account: string; region: string }, readOnly = false): { kms: KeyManagementService; store: FileKeyStore } {
  if (!/^\d{12}$/.test(values.account)) throw new UsageError(`--account: expected a 12-digit account id, got ${values.account}`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(values.region)) throw new UsageError(`--region: expected a region name such as us-east-1, got ${values.region}`);
  const directory = values.dir ?? process.env.KMS_WASM_DIR ?? DEFAULT_DIR;
  if (directory === '') throw new UsageError('--dir: expected a directory');
  // A command waits a while for another to release the store: \`kms-wasm encrypt … - | kms-wasm decrypt - …\`
  // runs two at once, and each holds the lock only while it calls KMS.
  const store = new FileKeyStore({ directory, readOnly, waitForLock: LOCK_WAIT_MS });
  return { kms: new KeyManagementService({ account: values.account, region: values.region, store }), store };
}

/**
 * Runs a command body and turns what it throws into an exit code: a UsageError is 2 (with the
 * command's help), an AWS error 1 as the AWS CLI words it, anything else 1 with its message.
 */
export async function exitCodeOf(command: string, help: string, body: () => Promise<number>, operation?: () => string | undefined): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${command}: ${error.message}\n\n${help}\n`);
      return 2;
    }
    const name = error instanceof ServiceError ? error.code : error instanceof KmsError ? error.name : undefined;
    const op = operation?.();
    if (name && op) process.stderr.write(`An error occurred (${name}) when calling the ${op} operation: ${(error as Error).message}\n`);
    else process.stderr.write(`${command}: ${name ? `${name}: ` : ''}${(error as Error)?.message ?? String(error)}\n`);
    return 1;
  }
}
