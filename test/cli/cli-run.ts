// The built `kms-wasm` command run to completion as a subprocess (dist/cli.js; npm test builds it
// first), and the library opened on the same key store directory between runs.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { FileKeyStore, KeyManagementService } from '../../src/node.js';
import { CLI, run } from '../service/cli-process.js';

export interface Ran {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  json: () => any;
}

/** `kms-wasm ...args`, with `input` on stdin; KMS_WASM_DIR unset unless given in env. */
export function cli(args: string[], options: { input?: Uint8Array; env?: Record<string, string>; cwd?: string } = {}): Ran {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
  const done = spawnSync(process.execPath, [CLI, ...args], {
    input: options.input, cwd: options.cwd, env: { PATH: process.env.PATH!, ...options.env }, maxBuffer: 64 * 1024 * 1024,
  });
  return {
    code: done.status,
    stdout: done.stdout,
    stderr: done.stderr.toString(),
    json: () => JSON.parse(done.stdout.toString()),
  };
}

/**
 * As cli() (no stdin), without blocking this thread while the command runs (the service tests' run()):
 * for runs of a minute or more on a loaded machine, where a blocked test worker misses vitest's own
 * RPC deadlines. `nodeOptions` go to node before the command.
 */
export async function cliAsync(args: string[], options: { env?: Record<string, string>; nodeOptions?: string[] } = {}): Promise<Ran> {
  const started = await run(args, options.env, options.nodeOptions);
  const code = await started.exited;
  const stdout = Buffer.from(started.stdout());
  return { code, stdout, stderr: started.stderr(), json: () => JSON.parse(stdout.toString()) };
}

/** Runs `work` on the library's KMS over `dir` (the same account and region as the CLI's defaults), then releases the store. */
export async function withLibrary<T>(dir: string, work: (kms: KeyManagementService) => Promise<T>): Promise<T> {
  const store = new FileKeyStore({ directory: dir });
  try {
    return await work(new KeyManagementService({ account: '111122223333', region: 'us-east-1', store }));
  } finally {
    await store.close();
  }
}
