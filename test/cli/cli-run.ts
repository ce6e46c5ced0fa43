// The built `kms-wasm` command run to completion as a subprocess (dist/cli.js; npm test builds it
// first), and the library opened on the same key store directory between runs.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { FileKeyStore, KeyManagementService } from '../../src/node.js';
import { CLI } from '../service/cli-process.js';

export interface Ran {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  json: () => any;
}

interface RunOptions { input?: Uint8Array; env?: Record<string, string>; cwd?: string; nodeOptions?: string[] }

function command(args: string[], options: RunOptions): { file: string; argv: string[]; spawnOptions: { cwd?: string; env: Record<string, string> } } {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
  return { file: process.execPath, argv: [...options.nodeOptions ?? [], CLI, ...args], spawnOptions: { cwd: options.cwd, env: { PATH: process.env.PATH!, ...options.env } } };
}

const ran = (code: number | null, stdout: Buffer, stderr: Buffer): Ran => ({
  code, stdout, stderr: stderr.toString(), json: () => JSON.parse(stdout.toString()),
});

/** `kms-wasm ...args`, with `input` on stdin; KMS_WASM_DIR unset unless given in env. */
export function cli(args: string[], options: RunOptions = {}): Ran {
  const { file, argv, spawnOptions } = command(args, options);
  const done = spawnSync(file, argv, { ...spawnOptions, input: options.input, maxBuffer: 64 * 1024 * 1024 });
  return ran(done.status, done.stdout, done.stderr);
}

/**
 * As cli(), without blocking this thread while the command runs: for runs of a minute or more on a
 * loaded machine, where a blocked test worker misses vitest's own RPC deadlines.
 */
export async function cliAsync(args: string[], options: RunOptions = {}): Promise<Ran> {
  const { file, argv, spawnOptions } = command(args, options);
  const child = spawn(file, argv, { ...spawnOptions, stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin?.end(options.input);
  const [code] = await once(child, 'close') as [number | null];
  return ran(code, Buffer.concat(stdout), Buffer.concat(stderr));
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
