// The `kms-wasm` command: a dispatcher to one module per subcommand (the CLI adds others beside
// `serve`). Exit codes: 0 done, 1 failed, 2 usage.

import { runAudit } from './audit-command.js';
import { runBench } from './bench-command.js';
import { runDecrypt, runEncrypt } from './file-commands.js';
import { runKms } from './kms-command.js';
import { runServe } from './serve-command.js';

const SUBCOMMANDS: Record<string, { summary: string; run: (args: string[]) => Promise<number> }> = {
  kms: { summary: 'run an AWS KMS operation on a local key store (as `aws kms`)', run: runKms },
  encrypt: { summary: 'encrypt a file or stdin under a KMS key (framed envelope format)', run: runEncrypt },
  decrypt: { summary: 'decrypt a file or stdin that kms-wasm encrypt wrote', run: runDecrypt },
  audit: { summary: "verify or show the local key store's audit trail", run: runAudit },
  bench: { summary: 'benchmark kms-wasm\'s AES-GCM and AES-XTS against node:crypto in this process', run: runBench },
  serve: { summary: 'serve AWS KMS, IAM and STS APIs over HTTP(S) from a directory', run: runServe },
};

const usage = () => `usage: kms-wasm <command> [options]\n\ncommands:\n${
  Object.entries(SUBCOMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`).join('\n')}\n\nkms-wasm <command> --help for its options`;

async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (!command) {
    console.error(`kms-wasm: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

// Exits explicitly once the command is done: what it awaited is complete, and nothing left open (an
// idle worker, a file handle of the key store) should keep the process alive.
main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
  console.error(`kms-wasm: ${(error as Error)?.message ?? String(error)}`);
  process.exit(1);
});
