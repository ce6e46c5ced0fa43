// Several `kms-wasm serve` processes on one PostgreSQL database (--postgres URL, or KMS_WASM_POSTGRES):
// each with its own DIR holding the same root.key, they serve the same keys and objects — a key
// created through one encrypts and decrypts through the other, an object put through one reads
// through the other, a multipart upload started through one completes through the other — and a server given another root key is refused before it serves anything.
// They share one identity set too: the root credentials the first server made, users, access keys
// and identity policies made or deleted through one take effect at the other's next request.
// The servers are the built command (dist/cli.js): `npm run build` first.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as IamSdk from '@aws-sdk/client-iam';
import * as Kms from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { S3 } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, POSTGRES_URL } from '../helpers/postgres.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';
import { printedCredentials, run, type Started } from './cli-process.js';
import { ACCOUNT, ROOT } from './service-fixture.js';

const newDirectory = temporaryDirectories('kms-wasm-pg-serve-');
const REGION = 'us-east-1';
const rootEnv = { KMS_WASM_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, KMS_WASM_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey };

describe.skipIf(!POSTGRES_URL)('kms-wasm serve --postgres', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  const servers: Started[] = [];
  beforeAll(async () => {
    database = await freshDatabase({ flushCommits: false });
  });
  afterAll(async () => {
    for (const server of servers) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await database?.drop();
  });

  /** A DIR holding `rootKey` as root.key. */
  const directoryWith = (rootKey: Uint8Array) => {
    const dir = newDirectory();
    writeFileSync(join(dir, 'root.key'), rootKey, { mode: 0o600 });
    return dir;
  };
  const start = async (args: string[], env: Record<string, string> = {}) => {
    const started = await run(['serve', '--port', '0', '--account', ACCOUNT, ...args], { ...rootEnv, ...env });
    servers.push(started);
    return started;
  };
  const common = (url: string) => ({ endpoint: url, region: REGION, credentials: ROOT, maxAttempts: 1 });

  it('two servers on one database serve the same keys and objects; another root key is refused', async () => {
    const rootKey = crypto.getRandomValues(new Uint8Array(32));
    const one = await start(['--dir', directoryWith(rootKey), '--postgres', database.url]);
    const two = await start(['--dir', directoryWith(rootKey)], { KMS_WASM_POSTGRES: database.url });
    expect(one.url, one.stderr()).not.toBe('');
    expect(two.url, two.stderr()).not.toBe('');
    expect(one.stdout()).toContain('keys, objects and identities in postgres://');
    expect(one.stdout()).not.toContain('kms_wasm_test:kms_wasm_test'); // no password in what it prints

    const kmsOne = new Kms.KMSClient(common(one.url));
    const kmsTwo = new Kms.KMSClient(common(two.url));
    const { KeyMetadata } = await kmsOne.send(new Kms.CreateKeyCommand({ Description: 'made through one' }));
    await kmsTwo.send(new Kms.CreateAliasCommand({ AliasName: 'alias/shared', TargetKeyId: KeyMetadata!.KeyId }));
    const { CiphertextBlob } = await kmsOne.send(new Kms.EncryptCommand({ KeyId: 'alias/shared', Plaintext: new TextEncoder().encode('across servers') }));
    const { Plaintext } = await kmsTwo.send(new Kms.DecryptCommand({ CiphertextBlob }));
    expect(new TextDecoder().decode(Plaintext)).toBe('across servers');

    const s3One = new S3({ ...common(one.url), forcePathStyle: true });
    const s3Two = new S3({ ...common(two.url), forcePathStyle: true });
    await s3One.createBucket({ Bucket: 'shared' });
    await s3One.putObject({ Bucket: 'shared', Key: 'kms', Body: 'put through one (SSE-KMS)', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/shared' });
    await s3Two.putObject({ Bucket: 'shared', Key: 's3', Body: 'put through two (SSE-S3)', ServerSideEncryption: 'AES256' });
    expect(await (await s3Two.getObject({ Bucket: 'shared', Key: 'kms' })).Body!.transformToString()).toBe('put through one (SSE-KMS)');
    expect(await (await s3One.getObject({ Bucket: 'shared', Key: 's3' })).Body!.transformToString()).toBe('put through two (SSE-S3)');
    expect((await s3Two.listObjectsV2({ Bucket: 'shared' })).Contents!.map((o) => o.Key)).toEqual(['kms', 's3']);

    // A multipart upload across servers, no sticky sessions: created on one, parts on both, completed on two.
    const parts = [new Uint8Array(5 * 1024 * 1024).fill(1), new TextEncoder().encode('the last part, through two')];
    const { UploadId } = await s3One.createMultipartUpload({ Bucket: 'shared', Key: 'parts', ServerSideEncryption: 'AES256' });
    const first = await s3One.uploadPart({ Bucket: 'shared', Key: 'parts', UploadId, PartNumber: 1, Body: parts[0] });
    const second = await s3Two.uploadPart({ Bucket: 'shared', Key: 'parts', UploadId, PartNumber: 2, Body: parts[1] });
    expect((await s3Two.listParts({ Bucket: 'shared', Key: 'parts', UploadId })).Parts!.map((p) => p.PartNumber)).toEqual([1, 2]);
    await s3Two.completeMultipartUpload({ Bucket: 'shared', Key: 'parts', UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: first.ETag }, { PartNumber: 2, ETag: second.ETag }] } });
    const joined = await (await s3One.getObject({ Bucket: 'shared', Key: 'parts' })).Body!.transformToByteArray();
    expect(Buffer.from(joined).equals(Buffer.concat(parts))).toBe(true);

    const stranger = await run(['serve', '--port', '0', '--account', ACCOUNT, '--dir', directoryWith(crypto.getRandomValues(new Uint8Array(32))),
      '--postgres', database.url], rootEnv);
    expect(await stranger.exited).toBe(1);
    expect(stranger.stderr()).toMatch(/refusing to start: the root key given is not the one/);
  });

  it('two servers share one identity set: root credentials, users, access keys and identity policies', async () => {
    const own = await freshDatabase({ flushCommits: false }); // a database of its own: its root credentials are made by the first server
    try {
      const rootKey = crypto.getRandomValues(new Uint8Array(32));
      const one = await run(['serve', '--port', '0', '--account', ACCOUNT, '--dir', directoryWith(rootKey), '--postgres', own.url]);
      servers.push(one);
      expect(one.url, one.stderr()).not.toBe('');
      expect(one.stdout()).toContain('Root credentials made for this database');
      const root = printedCredentials(one.stdout());
      const two = await run(['serve', '--port', '0', '--account', ACCOUNT, '--dir', directoryWith(rootKey), '--postgres', own.url]);
      servers.push(two);
      expect(two.url, two.stderr()).not.toBe('');
      expect(two.stdout()).not.toContain('Root credentials made'); // it uses the pair the first server made

      const clients = (url: string, credentials = root) => ({
        iam: new IamSdk.IAMClient({ ...common(url), credentials }), kms: new Kms.KMSClient({ ...common(url), credentials }),
        sts: new STSClient({ ...common(url), credentials }),
      });
      const [rootOne, rootTwo] = [clients(one.url), clients(two.url)];
      await rootOne.iam.send(new IamSdk.CreateUserCommand({ UserName: 'alice' }));
      await expect(rootTwo.iam.send(new IamSdk.CreateUserCommand({ UserName: 'alice' }))).rejects.toMatchObject({ name: 'EntityAlreadyExistsException' });
      await rootTwo.iam.send(new IamSdk.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'keys', PolicyDocument: JSON.stringify({
        Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:CreateKey', 'kms:DescribeKey'], Resource: '*' }] }) }));
      const { AccessKey } = await rootOne.iam.send(new IamSdk.CreateAccessKeyCommand({ UserName: 'alice' }));
      const alice = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
      const [aliceOne, aliceTwo] = [clients(one.url, alice), clients(two.url, alice)];

      // The key made through one authenticates at two, and the policy put through two allows there and at one.
      expect((await aliceTwo.sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/alice`);
      const { KeyMetadata } = await aliceTwo.kms.send(new Kms.CreateKeyCommand({}));
      await aliceOne.kms.send(new Kms.DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }));
      // The policy deleted through one no longer allows at two.
      await rootOne.iam.send(new IamSdk.DeleteUserPolicyCommand({ UserName: 'alice', PolicyName: 'keys' }));
      await expect(aliceTwo.kms.send(new Kms.CreateKeyCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException' });
      // The key deleted through two is refused at one; the user deleted through one is gone at two.
      await rootTwo.iam.send(new IamSdk.DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: alice.accessKeyId }));
      await expect(aliceOne.sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
      await rootOne.iam.send(new IamSdk.DeleteUserCommand({ UserName: 'alice' }));
      await expect(rootTwo.iam.send(new IamSdk.GetUserCommand({ UserName: 'alice' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
      expect((await rootTwo.iam.send(new IamSdk.ListUsersCommand({}))).Users).toEqual([]);
      for (const server of [one, two]) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    } finally {
      await own.drop();
    }
  });

  it('refuses a --postgres that is not a postgres:// URL, with usage', async () => {
    const bad = await run(['serve', '--dir', newDirectory(), '--postgres', 'host=db user=kms']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('--postgres: expected a postgres:// connection URL');
  });
});
