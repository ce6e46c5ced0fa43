// The built `kms-wasm` command (dist/cli.js, package.json "bin") as a user runs it: root credentials
// made, stored and shown once, reused, refused when different; SIGTERM finishes a request in flight
// and exits 0; a restart serves the same keys, aliases, grants, users, access keys and policies; the
// AWS CLI v2 (Debian's awscli) creates a key and encrypts and decrypts through it.

import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as IamSdk from '@aws-sdk/client-iam';
import * as Kms from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { AWS_CLI, printedCredentials, run, serve } from './cli-process.js';
import { ACCOUNT, failure, type Credentials } from './service-fixture.js';
import { kmsRequest, signRequest } from './signed-request.js';

const newDirectory = temporaryDirectories('kms-wasm-bin-');

const client = <T>(Client: new (config: object) => T, url: string, credentials: Credentials, region = 'us-east-1') =>
  new Client({ endpoint: url, region, credentials, maxAttempts: 1 });

describe('kms-wasm (the built command)', () => {
  it('usage errors exit 2 with a message; --help exits 0', async () => {
    const none = await run([]);
    expect(await none.exited).toBe(2);
    expect(none.stdout()).toContain('usage: kms-wasm <command>');
    const unknown = await run(['frobnicate']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toContain('unknown command "frobnicate"');
    for (const args of [['serve'], ['serve', '--dir', 'x', '--port', 'http'], ['serve', '--dir', 'x', '--account', '12'], ['serve', '--dir', 'x', '--bogus']]) {
      const bad = await run(args);
      expect(await bad.exited, args.join(' ')).toBe(2);
      expect(bad.stderr()).toContain('usage: kms-wasm serve');
    }
    const help = await run(['serve', '--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('--tls-cert');
  });

  it('first start makes root credentials, stores them (0600) and prints them once; a restart reuses them; different ones are refused', async () => {
    const dir = join(newDirectory(), 'new', 'dir');
    const first = await serve(dir);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const root = printedCredentials(first.stdout());
    expect(root.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(statSync(join(dir, 'iam-state.bin')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'iam-state.bin')).includes(Buffer.from(root.secretAccessKey))).toBe(false);
    expect((await client(STSClient, first.url, root).send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:iam::${ACCOUNT}:root`);
    first.child.kill('SIGINT');
    expect(await first.exited, first.stdout() + first.stderr()).toBe(0);

    const again = await serve(dir);
    expect(again.stdout()).not.toContain(root.secretAccessKey);
    await client(STSClient, again.url, root).send(new GetCallerIdentityCommand({}));
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);

    const same = await serve(dir, { KMS_WASM_ROOT_ACCESS_KEY_ID: root.accessKeyId, KMS_WASM_ROOT_SECRET_ACCESS_KEY: root.secretAccessKey });
    expect(same.url).not.toBe('');
    same.child.kill('SIGTERM');
    expect(await same.exited).toBe(0);

    for (const env of [<Record<string, string>>{ KMS_WASM_ROOT_ACCESS_KEY_ID: root.accessKeyId, KMS_WASM_ROOT_SECRET_ACCESS_KEY: 'another-secret' },
      { KMS_WASM_ROOT_ACCESS_KEY_ID: 'AKIAOTHERKEY00000000', KMS_WASM_ROOT_SECRET_ACCESS_KEY: root.secretAccessKey },
      { KMS_WASM_ROOT_ACCESS_KEY_ID: root.accessKeyId }]) {
      const refused = await serve(dir, env);
      expect(await refused.exited).toBe(1);
      expect(refused.stderr()).toContain('refusing to start');
      expect(refused.stderr()).not.toContain(root.secretAccessKey);
    }
    const otherAccount = await run(['serve', '--dir', dir, '--port', '0', '--account', '444455556666']);
    expect(await otherAccount.exited).toBe(1);
    expect(otherAccount.stderr()).toContain('--account 111122223333');
  });

  it('SIGTERM lets a request in flight finish and exits 0; a restart serves the same keys, aliases, grants, users, access keys and policies', async () => {
    const dir = newDirectory();
    const root = { accessKeyId: 'AKIADURABILITYTEST01', secretAccessKey: 'durability-secret-0123456789abcdefghijkl' };
    const env = { KMS_WASM_ROOT_ACCESS_KEY_ID: root.accessKeyId, KMS_WASM_ROOT_SECRET_ACCESS_KEY: root.secretAccessKey };
    const first = await serve(dir, env);
    const kms = client(Kms.KMSClient, first.url, root);
    const iam = client(IamSdk.IAMClient, first.url, root);
    const key = (await kms.send(new Kms.CreateKeyCommand({ Description: 'durable' }))).KeyMetadata!;
    await kms.send(new Kms.CreateAliasCommand({ AliasName: 'alias/durable', TargetKeyId: key.KeyId }));
    const grant = await kms.send(new Kms.CreateGrantCommand({ KeyId: key.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/kim`, Operations: ['Decrypt'] }));
    const sealed = await kms.send(new Kms.EncryptCommand({ KeyId: 'alias/durable', Plaintext: new TextEncoder().encode('kept') }));
    await iam.send(new IamSdk.CreateUserCommand({ UserName: 'kim' }));
    const access = (await iam.send(new IamSdk.CreateAccessKeyCommand({ UserName: 'kim' }))).AccessKey!;
    const kim = { accessKeyId: access.AccessKeyId!, secretAccessKey: access.SecretAccessKey! };
    await iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'kim', PolicyName: 'enc', PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: key.Arn }] }) }));

    // A request in flight at SIGTERM: its headers and half its body are sent, then the signal, then the rest.
    const body = JSON.stringify({ NumberOfBytes: 32 });
    const headers = await signRequest(first.url, kmsRequest('GenerateRandom', body, root));
    const { port } = new URL(first.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (d) => { answer += d.toString(); });
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(`POST / HTTP/1.1\r\n${Object.entries({ ...headers, 'content-length': String(body.length) }).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body.slice(0, 5)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    first.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.write(body.slice(5)); // not end(): a client's half-close aborts its request in Node's HTTP server
    await closed;
    expect(answer, first.stdout() + first.stderr()).toMatch(/^HTTP\/1.1 200 /);
    expect(answer).toContain('"Plaintext"');
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain('stopped');

    const second = await serve(dir, env);
    const kms2 = client(Kms.KMSClient, second.url, root);
    const iam2 = client(IamSdk.IAMClient, second.url, root);
    expect((await kms2.send(new Kms.DescribeKeyCommand({ KeyId: 'alias/durable' }))).KeyMetadata!.Description).toBe('durable');
    expect((await kms2.send(new Kms.ListGrantsCommand({ KeyId: key.KeyId }))).Grants!.map((g) => g.GrantId)).toEqual([grant.GrantId]);
    expect(new TextDecoder().decode((await kms2.send(new Kms.DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext)).toBe('kept');
    expect((await iam2.send(new IamSdk.ListUsersCommand({}))).Users!.map((u) => u.UserName)).toEqual(['kim']);
    expect((await iam2.send(new IamSdk.ListAccessKeysCommand({ UserName: 'kim' }))).AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual([kim.accessKeyId]);
    expect((await iam2.send(new IamSdk.ListUserPoliciesCommand({ UserName: 'kim' }))).PolicyNames).toEqual(['enc']);
    // kim's key still authenticates, and the stored policy still decides
    const asKim = client(Kms.KMSClient, second.url, kim);
    await asKim.send(new Kms.EncryptCommand({ KeyId: key.KeyId, Plaintext: new TextEncoder().encode('x') }));
    expect(await failure(asKim.send(new Kms.GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256' })))).toMatchObject({ name: 'AccessDeniedException' });
    // the request log went to stderr, without secrets
    expect(second.stderr()).toMatch(/POST kms:Encrypt arn:aws:iam::111122223333:user\/kim 200 /);
    expect(second.stderr()).not.toContain(kim.secretAccessKey);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('one server per directory: a second is refused while the first runs; a killed one\'s lock is taken over', async () => {
    const dir = newDirectory();
    const first = await serve(dir);
    const second = await serve(dir);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`is locked by pid ${first.child.pid} `);
    first.child.kill('SIGKILL');
    await first.exited;
    const third = await serve(dir);
    expect(third.url).not.toBe('');
    await client(STSClient, third.url, printedCredentials(first.stdout())).send(new GetCallerIdentityCommand({}));
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    const fourth = await serve(dir); // a clean stop released the lock
    expect(fourth.url).not.toBe('');
    fourth.child.kill('SIGTERM');
    expect(await fourth.exited).toBe(0);
  });

  it('--quiet: no request log', async () => {
    const dir = newDirectory();
    const started = await serve(dir, {}, ['--quiet']);
    await client(STSClient, started.url, printedCredentials(started.stdout())).send(new GetCallerIdentityCommand({}));
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    expect(started.stderr()).toBe('');
  });

  it('--tls-cert/--tls-key: HTTPS, and aws:SecureTransport is true', async () => {
    const dir = newDirectory();
    const tlsDir = newDirectory();
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(tlsDir, 'key.pem'), '-out', join(tlsDir, 'cert.pem')]);
    const started = await serve(dir, {}, ['--tls-cert', join(tlsDir, 'cert.pem'), '--tls-key', join(tlsDir, 'key.pem')]);
    expect(started.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const root = printedCredentials(started.stdout());
    // Trust the self-signed certificate for this child's requests only.
    const { NodeHttpHandler } = await import('@smithy/node-http-handler');
    const { Agent } = await import('node:https');
    const requestHandler = new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(join(tlsDir, 'cert.pem')) }) });
    const kms = new Kms.KMSClient({ endpoint: started.url, region: 'us-east-1', credentials: root, maxAttempts: 1, requestHandler });
    const iam = new IamSdk.IAMClient({ endpoint: started.url, region: 'us-east-1', credentials: root, maxAttempts: 1, requestHandler });
    await iam.send(new IamSdk.CreateUserCommand({ UserName: 'tls-user' }));
    const access = (await iam.send(new IamSdk.CreateAccessKeyCommand({ UserName: 'tls-user' }))).AccessKey!;
    await iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'tls-user', PolicyName: 'tls-only', PolicyDocument: JSON.stringify({ Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'kms:GenerateRandom', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }] }) }));
    const asUser = new Kms.KMSClient({ endpoint: started.url, region: 'us-east-1', maxAttempts: 1, requestHandler,
      credentials: { accessKeyId: access.AccessKeyId!, secretAccessKey: access.SecretAccessKey! } });
    expect((await asUser.send(new Kms.GenerateRandomCommand({ NumberOfBytes: 8 }))).Plaintext).toHaveLength(8);
    await kms.send(new Kms.ListKeysCommand({}));
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });

  it.skipIf(AWS_CLI === undefined)('the AWS CLI v2 creates a key, encrypts and decrypts through the service', async () => {
    const dir = newDirectory();
    const started = await serve(dir);
    const root = printedCredentials(started.stdout());
    const home = newDirectory();
    const env = {
      PATH: process.env.PATH!, HOME: home, AWS_ACCESS_KEY_ID: root.accessKeyId, AWS_SECRET_ACCESS_KEY: root.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '',
    };
    const aws = async (...args: string[]) => (await promisify(execFile)(AWS_CLI!, [...args, '--endpoint-url', started.url, '--output', 'json'], { env })).stdout;
    const keyId = JSON.parse(await aws('kms', 'create-key', '--description', 'from the cli')).KeyMetadata.KeyId as string;
    await aws('kms', 'create-alias', '--alias-name', 'alias/cli', '--target-key-id', keyId);
    const input = join(home, 'plain.txt');
    writeFileSync(input, 'hello from the AWS CLI');
    const encrypted = JSON.parse(await aws('kms', 'encrypt', '--key-id', 'alias/cli', '--plaintext', `fileb://${input}`, '--encryption-context', 'app=cli'));
    expect(encrypted.KeyId).toBe(`arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}`);
    const blob = join(home, 'blob.bin');
    writeFileSync(blob, Buffer.from(encrypted.CiphertextBlob, 'base64'));
    const decrypted = JSON.parse(await aws('kms', 'decrypt', '--ciphertext-blob', `fileb://${blob}`, '--encryption-context', 'app=cli'));
    expect(Buffer.from(decrypted.Plaintext, 'base64').toString()).toBe('hello from the AWS CLI');
    const wrongContext = await aws('kms', 'decrypt', '--ciphertext-blob', `fileb://${blob}`).catch((e: { stderr: string }) => e.stderr);
    expect(wrongContext).toContain('InvalidCiphertextException');
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });
});
