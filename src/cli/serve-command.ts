// `kms-wasm serve --dir DIR [--postgres URL] [--port 4566] [--host 127.0.0.1] [--account 111122223333]
// [--region us-east-1] [--tls-cert FILE --tls-key FILE] [--quiet]`: starts the service, prints
// "listening on …" once it accepts connections, and on SIGTERM/SIGINT stops accepting, finishes the
// requests in flight and exits 0. Options are parsed by node:util's parseArgs.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ROOT_ACCESS_KEY_ID_VARIABLE, ROOT_SECRET_VARIABLE, RootCredentialsError } from '../service/root-credentials.js';
import { describeStore } from '../kms/postgres-options.js';
import { RootKeyMismatchError, StoreLockedError } from '../platform/store-errors.js';
import { IAM_STATE_FILE } from '../service/file-iam-store.js';
import { startService } from '../service/start-service.js';

/** The environment variable that gives --postgres's connection string (a password in it stays out of the process list). */
const POSTGRES_VARIABLE = 'KMS_WASM_POSTGRES';

const HELP = `usage: kms-wasm serve --dir DIR [options]

  --dir DIR          state directory (created if missing): keys, IAM users, credentials
  --postgres URL     keep keys, objects, IAM users, access keys and policies, and Athena's catalog
                     and query history in this PostgreSQL database instead of DIR, shared by
                     every server started on it (default:
                     $${POSTGRES_VARIABLE}); sealed under DIR/root.key, which each server's DIR must
                     hold (the database never sees it)
  --port N           TCP port (default 4566; 0 picks a free one)
  --host ADDRESS     address to listen on (default 127.0.0.1)
  --account ID       12-digit AWS account id (default 111122223333)
  --region REGION    the KMS's region (default us-east-1)
  --tls-cert FILE    PEM certificate: serve HTTPS (with --tls-key)
  --tls-key FILE     PEM private key
  --quiet            no request log on stderr
  --worker-pool      encrypt PutObject bodies and decrypt GetObject's on the worker pool (one worker
                     per core), leaving this thread to the sockets and checksums; the stored bytes are the same

Root credentials: ${ROOT_ACCESS_KEY_ID_VARIABLE} and ${ROOT_SECRET_VARIABLE}; unset on the first start,
a pair is made, stored (in DIR, or with --postgres in the database) and printed once.`;

export async function runServe(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args, strict: true, allowPositionals: false,
      options: {
        dir: { type: 'string' }, postgres: { type: 'string' }, port: { type: 'string', default: '4566' }, host: { type: 'string', default: '127.0.0.1' },
        account: { type: 'string', default: '111122223333' }, region: { type: 'string', default: 'us-east-1' },
        'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, quiet: { type: 'boolean', default: false },
        'worker-pool': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    console.error(`kms-wasm serve: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const postgres = values.postgres ?? (process.env[POSTGRES_VARIABLE] || undefined);
  const problem = !values.dir ? '--dir is required'
    : postgres !== undefined && !/^postgres(ql)?:\/\//.test(postgres) ? '--postgres: expected a postgres:// connection URL'
    : !/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535 ? `--port: expected 0 to 65535, got ${values.port}`
      : !/^\d{12}$/.test(values.account) ? `--account: expected a 12-digit account id, got ${values.account}`
        : !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(values.region) ? `--region: expected a region name such as us-east-1, got ${values.region}`
          : (values['tls-cert'] === undefined) !== (values['tls-key'] === undefined) ? '--tls-cert and --tls-key go together' : undefined;
  if (problem) {
    console.error(`kms-wasm serve: ${problem}\n\n${HELP}`);
    return 2;
  }
  const tls = values['tls-cert'] === undefined ? undefined
    : { cert: await readFile(values['tls-cert']), key: await readFile(values['tls-key']!) };
  // Signal handlers go in before anything is printed: a supervisor may signal as soon as it reads
  // the listening line (a handler added after that print can miss a signal sent at once).
  let signalled: (signal: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => { signalled = resolve; });
  const onSignal = (signal: string) => signalled(signal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let service;
  try {
    service = await startService({
      dir: values.dir!, postgres, host: values.host, port: Number(values.port), account: values.account, region: values.region, tls,
      // The console's files sit beside this command's bundle (dist/cli.js → dist/console/).
      consoleDir: fileURLToPath(new URL('./console/', import.meta.url)),
      workerPool: values['worker-pool'], environment: process.env, log: values.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    if (error instanceof RootCredentialsError || error instanceof StoreLockedError || error instanceof RootKeyMismatchError) {
      console.error(`kms-wasm serve: refusing to start: ${error.message}`);
      return 1;
    }
    throw error;
  }
  if (service.generatedRootCredentials) {
    const { accessKeyId, secretAccessKey } = service.generatedRootCredentials;
    const where = postgres === undefined ? `this directory (stored sealed in ${values.dir}/${IAM_STATE_FILE}` : `this database (stored sealed in ${describeStore({ connectionString: postgres })}`;
    console.log(`Root credentials made for ${where}; shown only now):\n`
      + `  ${ROOT_ACCESS_KEY_ID_VARIABLE}=${accessKeyId}\n  ${ROOT_SECRET_VARIABLE}=${secretAccessKey}`);
  }
  console.log(`kms-wasm serve: listening on ${service.url} (account ${values.account}, region ${values.region}, dir ${values.dir}${
    postgres === undefined ? '' : `, keys, objects and identities in ${describeStore({ connectionString: postgres })}`})`);
  const signal = await stopSignal;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  console.log(`kms-wasm serve: ${signal}: finishing requests in flight`);
  await service.close();
  console.log('kms-wasm serve: stopped');
  return 0;
}
