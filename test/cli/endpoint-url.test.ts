// `kms-wasm kms … --endpoint-url` against a running `kms-wasm serve`, signed with credentials from
// the AWS SDK's default chain (here the AWS_* environment variables): the same JSON as `--dir` on
// the same directory once the server has stopped; the service's refusals exit 1 with the AWS error.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { AWS_CLI, printedCredentials, serve } from '../service/cli-process.js';
import { cli } from './cli-run.js';

const newDirectory = temporaryDirectories('kms-wasm-cli-endpoint-');

describe('kms-wasm kms --endpoint-url', () => {
  it('answers as --dir does, with SDK credentials from the environment', async () => {
    const dir = newDirectory();
    const server = await serve(dir);
    const root = printedCredentials(server.stdout());
    const env = { AWS_ACCESS_KEY_ID: root.accessKeyId, AWS_SECRET_ACCESS_KEY: root.secretAccessKey, HOME: dir };
    const remote = (...args: string[]) => {
      const ran = cli(['kms', ...args, '--endpoint-url', server.url], { env });
      expect(ran.code, `${args.join(' ')}: ${ran.stderr}`).toBe(0);
      return ran.stdout.length === 0 ? {} : ran.json();
    };
    let described: unknown;
    let listed: unknown;
    let keyId: string;
    let sealed: string;
    try {
      keyId = remote('create-key', '--description', 'over HTTP').KeyMetadata.KeyId;
      remote('create-alias', '--alias-name', 'alias/http', '--target-key-id', keyId);
      writeFileSync(join(dir, 'secret'), 'over the wire');
      sealed = remote('encrypt', '--key-id', 'alias/http', '--plaintext', `fileb://${join(dir, 'secret')}`, '--encryption-context', 'a=b').CiphertextBlob;
      expect(remote('decrypt', '--ciphertext-blob', sealed, '--encryption-context', 'a=b').Plaintext).toBe(Buffer.from('over the wire').toString('base64'));
      described = remote('describe-key', '--key-id', 'alias/http');
      listed = remote('list-aliases', '--key-id', keyId);
      if (AWS_CLI) {
        // The AWS CLI v2 on the same calls, field by field; cli_timestamp_format "wire" prints dates as
        // the service sent them (epoch seconds) rather than as ISO 8601 strings. Debian's AWS CLI (2.9)
        // predates response members AWS added since (GetKeyPolicy's PolicyName, GetKeyRotationStatus's
        // KeyId) and drops them, so the diff is on operations whose responses have not changed.
        const config = join(dir, 'aws-config');
        writeFileSync(config, '[default]\ncli_timestamp_format = wire\n');
        const aws = (...args: string[]) => JSON.parse(execFileSync(AWS_CLI!, ['kms', ...args, '--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json'],
          { encoding: 'utf8', env: { ...env, PATH: process.env.PATH!, AWS_CONFIG_FILE: config, AWS_PAGER: '' } }));
        expect(aws('describe-key', '--key-id', 'alias/http')).toEqual(described);
        expect(aws('list-aliases', '--key-id', keyId)).toEqual(listed);
        expect(aws('list-keys')).toEqual(remote('list-keys'));
      }
      const refused = cli(['kms', 'describe-key', '--key-id', 'alias/none', '--endpoint-url', server.url], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^An error occurred \(NotFoundException\) when calling the DescribeKey operation/);
      const unsigned = cli(['kms', 'list-keys', '--endpoint-url', server.url], { env: { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' } });
      expect(unsigned.code).toBe(1);
      expect(unsigned.stderr).toMatch(/\(\w+\)/);
      const bad = cli(['kms', 'list-keys', '--endpoint-url', 'not a url'], { env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--endpoint-url: expected an http(s) URL');
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    const local = (...args: string[]) => cli(['kms', ...args, '--dir', dir]).json();
    expect(local('describe-key', '--key-id', 'alias/http')).toEqual(described);
    expect(local('list-aliases', '--key-id', keyId)).toEqual(listed);
    expect(local('decrypt', '--ciphertext-blob', sealed, '--encryption-context', 'a=b').Plaintext).toBe(Buffer.from('over the wire').toString('base64'));
  });
});
