// The built `kms-wasm` command run as a child process (dist/cli.js; npm test builds it first), and
// the AWS CLI v2 to point at it.

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { ACCOUNT, type Credentials } from './service-fixture.js';

export const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;

/**
 * The AWS CLI v2: AWS_CLI_PATH, or the first `aws` on PATH that is version 2 (Debian's awscli
 * package, which .ci/run installs; a pip-installed v1 earlier on PATH is passed over).
 */
function findAwsCliV2(): string | undefined {
  const candidates = [process.env.AWS_CLI_PATH, ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'aws'))];
  return candidates.find((file) => {
    if (!file || !existsSync(file)) return false;
    try {
      return /^aws-cli\/2\./.test(execFileSync(file, ['--version'], { encoding: 'utf8', env: { PATH: process.env.PATH!, AWS_PAGER: '' } }));
    } catch {
      return false;
    }
  });
}

export const AWS_CLI = findAwsCliV2();

/**
 * The AWS CLI v2 pointed at `endpoint` as `credentials`, with HOME at `home` (so no profile of the
 * machine's is read), no pager and no instance-metadata lookups: resolves to what a command prints.
 */
export function awsCliAt(endpoint: string, credentials: Credentials, home: string): (...args: string[]) => Promise<string> {
  const env = {
    PATH: process.env.PATH!, HOME: home, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '',
  };
  return async (...args) => (await promisify(execFile)(AWS_CLI!, [...args, '--endpoint-url', endpoint], { env, maxBuffer: 1 << 24 })).stdout;
}

const running = new Set<ChildProcess>();
afterAll(() => running.forEach((child) => child.kill('SIGKILL')));

export interface Started {
  child: ChildProcess;
  /** The URL from the listening line; '' when the process exited without one. */
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs `kms-wasm ...args` (with `nodeArgs` for node); resolves once it prints its listening line, or once it exits. */
export function run(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Started> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => {
    running.delete(child);
    if (signal) err += `[killed by ${signal}]`;
    resolve(code);
  }));
  return new Promise((resolve) => {
    const started = (url: string) => resolve({ child, url, stdout: () => out, stderr: () => err, exited });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (https?:\/\/\S+)/.exec(out)?.[1];
      if (url) started(url);
    });
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    void exited.then(() => started(''));
  });
}

/** `kms-wasm serve` on a free port. */
export const serve = (dir: string, env: Record<string, string> = {}, extra: string[] = []) =>
  run(['serve', '--dir', dir, '--port', '0', '--account', ACCOUNT, ...extra], env);

/** The root credentials a first start printed. */
export function printedCredentials(stdout: string): Credentials {
  return {
    accessKeyId: /KMS_WASM_ROOT_ACCESS_KEY_ID=(\S+)/.exec(stdout)![1]!,
    secretAccessKey: /KMS_WASM_ROOT_SECRET_ACCESS_KEY=(\S+)/.exec(stdout)![1]!,
  };
}
