// An in-process `kms-wasm serve` on a free loopback port over a temporary directory, with its
// request log collected, and AWS SDK clients pointed at it.

import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll } from 'vitest';
import { startService, type RunningService } from '../../src/service/start-service.js';
import { temporaryDirectories } from '../helpers/temp-dirs.js';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const ROOT = { accessKeyId: 'AKIAROOTTESTKEY00001', secretAccessKey: 'root-secret-for-tests-0123456789abcdefgh' };

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface TestService {
  service: RunningService;
  dir: string;
  /** Every request-log line so far. */
  log: string[];
  kms(credentials?: Credentials, extra?: object): KMSClient;
  iam(credentials?: Credentials): IAMClient;
  sts(credentials?: Credentials): STSClient;
  /** Path-style unless `extra` says otherwise. */
  s3(credentials?: Credentials, extra?: S3ClientConfig): S3Client;
}

const newDirectory = temporaryDirectories('kms-wasm-service-');

/** Starts a service (on `dir`, or a new directory) that the file's afterAll stops. */
export async function startTestService(dir = newDirectory(), options: { region?: string; now?: () => Date; host?: string; consoleDir?: string } = {}): Promise<TestService> {
  const log: string[] = [];
  const service = await startService({
    dir, host: options.host ?? '127.0.0.1', port: 0, account: ACCOUNT, region: options.region ?? REGION, log: (line) => log.push(line), now: options.now, consoleDir: options.consoleDir,
    environment: { KMS_WASM_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, KMS_WASM_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
  });
  afterAll(() => service.close());
  // maxAttempts 1: an error is the server's answer to this request, not to a retry.
  // A service on every address (0.0.0.0) is reached through loopback.
  const endpoint = service.url.replace('//0.0.0.0:', '//127.0.0.1:');
  const common = (credentials: Credentials) => ({ endpoint, credentials, maxAttempts: 1 });
  return {
    service, dir, log,
    kms: (credentials = ROOT, extra = {}) => new KMSClient({ ...common(credentials), region: options.region ?? REGION, ...extra }),
    iam: (credentials = ROOT) => new IAMClient({ ...common(credentials), region: 'us-east-1' }),
    sts: (credentials = ROOT) => new STSClient({ ...common(credentials), region: 'us-east-1' }),
    s3: (credentials = ROOT, extra = {}) => new S3Client({ ...common(credentials), region: options.region ?? REGION, forcePathStyle: true, ...extra }),
  };
}

/** The AWS error name and HTTP status a call failed with. */
export async function failure(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}

/** A new IAM user, made through the service's IAM API, whose one inline policy allows `actions` on `resource`; its access key. */
export async function userAllowed(t: TestService, name: string, actions: string[], resource: string): Promise<Credentials> {
  const iam = t.iam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'allowed', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }] }) }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}
