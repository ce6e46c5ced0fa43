// The README's "Service" examples, as a user copies them: the serve command's credentials, the AWS
// CLI lines run by bash (the Queries section's over-the-service example too), and the @aws-sdk/client-kms and @aws-sdk/client-s3 programs run by node, against the built command
// on a free port (the test puts that port where the examples say 4566).

import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { AWS_CLI, serve, type Started } from './cli-process.js';

const root = new URL('../../', import.meta.url).pathname;
const readme = readFileSync(`${root}README.md`, 'utf8');
const section = /\n## Service\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
const blocks = (language: string) => [...section.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
const queriesSection = /\n### Queries over the service\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
const newDirectory = temporaryDirectories('kms-wasm-readme-');

describe('README "Service" examples', () => {
  const [serveBlock, ...cliBlocks] = blocks('sh');
  const jsBlocks = blocks('js');
  let server: Started;
  let url: string;
  beforeAll(async () => {
    expect(serveBlock).toContain('npx kms-wasm serve --dir ./kms-data');
    const env = Object.fromEntries([...serveBlock!.matchAll(/(KMS_WASM_ROOT_\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    expect(Object.keys(env)).toHaveLength(2);
    server = await serve(newDirectory(), env);
    url = server.url;
  });
  // Waits for the server to finish its graceful shutdown (it releases its locks), so that the
  // directory is not removed while it still writes there.
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
  });
  const atOurPort = (code: string) => code.replaceAll('http://127.0.0.1:4566', url);

  it('the section has its examples (KMS and S3, each with the CLI and the SDK), and says what is not there yet', () => {
    expect(cliBlocks).toHaveLength(2);
    expect(jsBlocks).toHaveLength(2);
    expect(section).toMatch(/Not there yet: /);
  });

  // The last is "Queries over the service" (in the Queries section), against the same server.
  it.skipIf(AWS_CLI === undefined).each([0, 1, 2])('the AWS CLI lines (example %i) print what their comments say', async (index) => {
    const home = newDirectory();
    const block = [...cliBlocks, /```sh\n([\s\S]*?)```/.exec(queriesSection)?.[1] ?? ''][index]!;
    const script = atOurPort(block);
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: home, env: { PATH: `${dirname(AWS_CLI!)}:${process.env.PATH}`, HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '' },
    });
    const expected = [...block.matchAll(/\s# (.+)$/gm)].map((m) => m[1]!.trim());
    expect(expected.length).toBeGreaterThan(0);
    expect(stdout.trim().split('\n').map((line) => line.trim())).toEqual(expected);
  });

  it.each([0, 1])('the @aws-sdk program (example %i) prints what its comments say', async (index) => {
    const expected = [...jsBlocks[index]!.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!.trim());
    expect(expected.length).toBeGreaterThan(1);
    mkdirSync(`${root}build`, { recursive: true });
    const file = `${root}build/readme-service-example-${index}.mjs`; // inside the package, so the SDK resolves from node_modules
    writeFileSync(file, atOurPort(jsBlocks[index]!));
    const { stdout } = await promisify(execFile)(process.execPath, [file]);
    expect(stdout.trim().split('\n')).toEqual(expected);
  });
});
