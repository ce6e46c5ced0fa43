// Who may act on a bucket or an object (bucket-authorizer.ts, object-access.ts), tried as the
// misuser would: another account reaching for the bucket policy, a policy whose conditions the
// request's own keys must satisfy (region, resource account, TLS, SSE headers, version), a version
// read under the current-version action, keys at the 1,024-byte limit, callers that are no ARN.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Iam, KeyManagementService, ObjectStore } from '../../src/index.js';

const ACCOUNT = '111122223333';
const ALICE = { principal: `arn:aws:iam::${ACCOUNT}:user/alice` };
const OTHER = { principal: 'arn:aws:iam::444455556666:user/partner' };

function setup(options: { iam?: Iam; region?: string; requireSecureTransport?: boolean } = {}) {
  const kms = new KeyManagementService({ account: ACCOUNT, region: options.region ?? 'us-east-1', iam: options.iam });
  return { kms, s3: new ObjectStore({ kms, iam: options.iam, requireSecureTransport: options.requireSecureTransport }) };
}

const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
let policies = 0;
const allow = (iam: Iam, who: { principal: string }, statements: object[]) =>
  iam.putPrincipalPolicy({ PrincipalArn: who.principal, PolicyName: `policy-${++policies}`, PolicyDocument: policy(statements) });
const rejectsWith = (promise: Promise<unknown>, name: string, message?: RegExp) =>
  expect(promise).rejects.toMatchObject({ name, ...(message ? { message: expect.stringMatching(message) } : {}) });
const text = async (output: { Body: { transformToByteArray(): Promise<Uint8Array> } }) => Buffer.from(await output.Body.transformToByteArray()).toString();

describe('bucket authorizer', () => {
  it('only the owning account reads or changes a bucket policy, whatever the policy and the other account\'s identity policies allow', async () => {
    const iam = new Iam();
    const { s3 } = setup({ iam });
    await s3.createBucket({ Bucket: 'owned' });
    await s3.putObject({ Bucket: 'owned', Key: 'k', Body: 'shared' });
    const everything = ['s3:GetObject', 's3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy'];
    await s3.putBucketPolicy({ Bucket: 'owned', Policy: policy([{ Effect: 'Allow', Principal: { AWS: OTHER.principal }, Action: everything, Resource: ['arn:aws:s3:::owned', 'arn:aws:s3:::owned/*'] }]) });
    allow(iam, OTHER, [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
    expect(await text(await s3.getObject({ Bucket: 'owned', Key: 'k' }, OTHER))).toBe('shared'); // the same policy does reach objects
    await rejectsWith(s3.getBucketPolicy({ Bucket: 'owned' }, OTHER), 'AccessDenied', /partner is not authorized to perform s3:GetBucketPolicy on arn:aws:s3:::owned$/);
    await rejectsWith(s3.putBucketPolicy({ Bucket: 'owned', Policy: policy([{ Effect: 'Allow', Principal: { AWS: OTHER.principal }, Action: 's3:*', Resource: 'arn:aws:s3:::owned/*' }]) }, OTHER),
      'AccessDenied', /s3:PutBucketPolicy/);
    await rejectsWith(s3.deleteBucketPolicy({ Bucket: 'owned' }, OTHER), 'AccessDenied', /s3:DeleteBucketPolicy/);
    expect(JSON.parse((await s3.getBucketPolicy({ Bucket: 'owned' })).Policy!).Statement[0].Action).toEqual(everything);
    // A user of the owning account with an identity-policy Allow may.
    allow(iam, ALICE, [{ Effect: 'Allow', Action: 's3:GetBucketPolicy', Resource: 'arn:aws:s3:::owned' }]);
    await s3.getBucketPolicy({ Bucket: 'owned' }, ALICE);
  });

  it('in the owning account an identity-policy Allow or a bucket-policy Allow naming the caller suffices; without IAM only the bucket policy speaks', async () => {
    const iam = new Iam();
    const { s3 } = setup({ iam });
    await s3.createBucket({ Bucket: 'team' });
    await s3.putObject({ Bucket: 'team', Key: 'k', Body: 'team data' });
    await rejectsWith(s3.getObject({ Bucket: 'team', Key: 'k' }, ALICE), 'AccessDenied', /alice is not authorized to perform s3:GetObject on arn:aws:s3:::team\/k$/);
    allow(iam, ALICE, [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::team/*' }]);
    expect(await text(await s3.getObject({ Bucket: 'team', Key: 'k' }, ALICE))).toBe('team data');

    const bare = setup(); // no Iam: a non-root caller has no identity policies at all
    await bare.s3.createBucket({ Bucket: 'team' });
    await bare.s3.putObject({ Bucket: 'team', Key: 'k', Body: 'team data' });
    await rejectsWith(bare.s3.getObject({ Bucket: 'team', Key: 'k' }, ALICE), 'AccessDenied');
    await bare.s3.putBucketPolicy({ Bucket: 'team', Policy: policy([{ Effect: 'Allow', Principal: { AWS: ALICE.principal }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::team/*' }]) });
    expect(await text(await bare.s3.getObject({ Bucket: 'team', Key: 'k' }, ALICE))).toBe('team data');
    await rejectsWith(bare.s3.getObject({ Bucket: 'team', Key: 'k' }, { principal: `arn:aws:iam::${ACCOUNT}:user/bob` }), 'AccessDenied');
  });

  it('an explicit Deny refuses even the root and says so; a missing Allow does not claim one', async () => {
    const iam = new Iam();
    const { s3 } = setup({ iam });
    await s3.createBucket({ Bucket: 'locked' });
    await s3.putObject({ Bucket: 'locked', Key: 'k', Body: 'x' });
    allow(iam, ALICE, [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]);
    await s3.putBucketPolicy({ Bucket: 'locked', Policy: policy([{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::locked/secret' }]) });
    await s3.putObject({ Bucket: 'locked', Key: 'secret', Body: 'x' });
    await rejectsWith(s3.getObject({ Bucket: 'locked', Key: 'secret' }), 'AccessDenied', /:root is not authorized to perform s3:GetObject on arn:aws:s3:::locked\/secret \(explicit deny\)$/);
    await rejectsWith(s3.getObject({ Bucket: 'locked', Key: 'secret' }, ALICE), 'AccessDenied', /\(explicit deny\)$/);
    await s3.getObject({ Bucket: 'locked', Key: 'k' }, ALICE);
  });

  it('conditions see the request\'s region, the bucket\'s account, and whether it came over TLS (from the request or the caller)', async () => {
    const { s3 } = setup({ region: 'eu-west-1' });
    await s3.createBucket({ Bucket: 'guarded' });
    await s3.putObject({ Bucket: 'guarded', Key: 'k', Body: 'x' });
    await s3.putBucketPolicy({ Bucket: 'guarded', Policy: policy([
      { Effect: 'Allow', Principal: { AWS: ALICE.principal }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::guarded/*',
        Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1', 's3:ResourceAccount': ACCOUNT } } },
      // AWS's own example of refusing plain HTTP (S3 User Guide, "Bucket policy examples": aws:SecureTransport).
      { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::guarded/*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ]) });
    expect(await text(await s3.getObject({ Bucket: 'guarded', Key: 'k' }, ALICE))).toBe('x'); // transport unknown: the Deny's key is absent
    await rejectsWith(s3.getObject({ Bucket: 'guarded', Key: 'k', SecureTransport: false }, ALICE), 'AccessDenied', /explicit deny/);
    await s3.getObject({ Bucket: 'guarded', Key: 'k', SecureTransport: true }, ALICE);
    await rejectsWith(s3.getObject({ Bucket: 'guarded', Key: 'k' }, { ...ALICE, secureTransport: false }), 'AccessDenied', /explicit deny/);
    // What the caller's transport says wins over the request's field.
    await rejectsWith(s3.getObject({ Bucket: 'guarded', Key: 'k', SecureTransport: true }, { ...ALICE, secureTransport: false }), 'AccessDenied');
    await s3.getObject({ Bucket: 'guarded', Key: 'k', SecureTransport: false }, { ...ALICE, secureTransport: true });

    const elsewhere = setup({ region: 'us-east-1' });
    await elsewhere.s3.createBucket({ Bucket: 'guarded' });
    await elsewhere.s3.putObject({ Bucket: 'guarded', Key: 'k', Body: 'x' });
    await elsewhere.s3.putBucketPolicy({ Bucket: 'guarded', Policy: policy([{ Effect: 'Allow', Principal: { AWS: ALICE.principal }, Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::guarded/*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }]) });
    await rejectsWith(elsewhere.s3.getObject({ Bucket: 'guarded', Key: 'k' }, ALICE), 'AccessDenied');
  });

  it('s3:ResourceAccount names the bucket owner\'s account, for a new bucket too', async () => {
    const iam = new Iam();
    const { s3 } = setup({ iam });
    allow(iam, ALICE, [{ Effect: 'Allow', Action: ['s3:CreateBucket', 's3:PutObject', 's3:GetObject'], Resource: '*',
      Condition: { StringEquals: { 's3:ResourceAccount': ACCOUNT } } }]);
    await s3.createBucket({ Bucket: 'mine' }, ALICE);
    await s3.putObject({ Bucket: 'mine', Key: 'k', Body: 'x' }, ALICE);
    await s3.getObject({ Bucket: 'mine', Key: 'k' }, ALICE);
    allow(iam, OTHER, [{ Effect: 'Allow', Action: 's3:CreateBucket', Resource: '*', Condition: { StringEquals: { 's3:ResourceAccount': OTHER.principal.split(':')[4] } } }]);
    await rejectsWith(s3.createBucket({ Bucket: 'theirs' }, OTHER), 'AccessDenied');
  });
});

describe('object access', () => {
  it('names a bucket by its ARN for bucket actions and an object by bucket/key for object actions', async () => {
    const iam = new Iam();
    const { s3 } = setup({ iam });
    for (const Bucket of ['listed', 'listed-not']) {
      await s3.createBucket({ Bucket });
      await s3.putObject({ Bucket, Key: 'dir/k', Body: 'x' });
    }
    allow(iam, ALICE, [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::listed' },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::listed/dir/k' }]);
    expect((await s3.listObjectsV2({ Bucket: 'listed' }, ALICE)).Contents!.map((o) => o.Key)).toEqual(['dir/k']);
    await rejectsWith(s3.listObjectsV2({ Bucket: 'listed-not' }, ALICE), 'AccessDenied', /on arn:aws:s3:::listed-not$/);
    await s3.getObject({ Bucket: 'listed', Key: 'dir/k' }, ALICE);
    await rejectsWith(s3.getObject({ Bucket: 'listed-not', Key: 'dir/k' }, ALICE), 'AccessDenied', /on arn:aws:s3:::listed-not\/dir\/k$/);
  });

  it('a version is read under the version action, with s3:versionid in the context; a missing version or a deleted key is NoSuchKey', async () => {
    const iam = new Iam();
    const { s3 } = setup({ iam });
    await s3.createBucket({ Bucket: 'hist' });
    await s3.putBucketVersioning({ Bucket: 'hist', VersioningConfiguration: { Status: 'Enabled' } });
    const { VersionId: first } = await s3.putObject({ Bucket: 'hist', Key: 'k', Body: 'first' });
    const { VersionId: second } = await s3.putObject({ Bucket: 'hist', Key: 'k', Body: 'second' });
    allow(iam, ALICE, [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectTagging'], Resource: '*' }]);
    expect(await text(await s3.getObject({ Bucket: 'hist', Key: 'k' }, ALICE))).toBe('second');
    await rejectsWith(s3.getObject({ Bucket: 'hist', Key: 'k', VersionId: first }, ALICE), 'AccessDenied', /s3:GetObjectVersion on/);
    await rejectsWith(s3.getObjectTagging({ Bucket: 'hist', Key: 'k', VersionId: first }, ALICE), 'AccessDenied', /s3:GetObjectVersionTagging on/);
    expect((await s3.getObjectTagging({ Bucket: 'hist', Key: 'k' }, ALICE)).VersionId).toBe(second);
    allow(iam, ALICE, [{ Effect: 'Allow', Action: ['s3:GetObjectVersion', 's3:GetObjectVersionTagging'], Resource: '*' },
      { Effect: 'Deny', Action: 's3:GetObjectVersion', Resource: '*', Condition: { StringEquals: { 's3:versionid': second } } }]);
    expect(await text(await s3.getObject({ Bucket: 'hist', Key: 'k', VersionId: first }, ALICE))).toBe('first');
    expect((await s3.getObjectTagging({ Bucket: 'hist', Key: 'k', VersionId: first }, ALICE)).VersionId).toBe(first);
    await rejectsWith(s3.getObject({ Bucket: 'hist', Key: 'k', VersionId: second }, ALICE), 'AccessDenied', /explicit deny/);
    // A tagging read needs no s3:GetObject: each action is its own.
    const { VersionId: other } = await s3.putObject({ Bucket: 'hist', Key: 'other', Body: 'x' });
    await rejectsWith(s3.getObject({ Bucket: 'hist', Key: 'k', VersionId: other }), 'NoSuchKey', new RegExp(`version does not exist: ${other}$`));
    await s3.deleteObject({ Bucket: 'hist', Key: 'k' });
    await rejectsWith(s3.getObject({ Bucket: 'hist', Key: 'k' }), 'NoSuchKey', /key does not exist: k$/);
    expect(await text(await s3.getObject({ Bucket: 'hist', Key: 'k', VersionId: second }))).toBe('second');
    await rejectsWith(s3.getObject({ Bucket: 'hist', Key: 'never' }), 'NoSuchKey', /key does not exist: never$/);
  });

  it('GetObjectTagging is its own action: s3:GetObject alone does not grant it, nor it s3:GetObject', async () => {
    const iam = new Iam();
    const { s3 } = setup({ iam });
    await s3.createBucket({ Bucket: 'tags' });
    await s3.putObject({ Bucket: 'tags', Key: 'k', Body: 'x' });
    allow(iam, ALICE, [{ Effect: 'Allow', Action: 's3:GetObjectTagging', Resource: '*' }]);
    expect((await s3.getObjectTagging({ Bucket: 'tags', Key: 'k' }, ALICE)).TagSet).toEqual([]);
    await rejectsWith(s3.getObject({ Bucket: 'tags', Key: 'k' }, ALICE), 'AccessDenied', /s3:GetObject on/);
    const bob = { principal: `arn:aws:iam::${ACCOUNT}:user/bob` };
    allow(iam, bob, [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]);
    await rejectsWith(s3.getObjectTagging({ Bucket: 'tags', Key: 'k' }, bob), 'AccessDenied', /s3:GetObjectTagging on/);
  });

  it('policy conditions see the PUT\'s SSE headers: a bucket that demands one KMS key, or SSE-C, refuses the others', async () => {
    const { s3, kms } = setup();
    const { KeyMetadata: chosen } = await kms.createKey();
    const { KeyMetadata: other } = await kms.createKey();
    await s3.createBucket({ Bucket: 'one-key' });
    await s3.putBucketPolicy({ Bucket: 'one-key', Policy: policy([{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::one-key/*',
      Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': chosen.Arn } } }]) });
    await s3.putObject({ Bucket: 'one-key', Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: chosen.Arn });
    await rejectsWith(s3.putObject({ Bucket: 'one-key', Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: other.Arn }), 'AccessDenied', /explicit deny/);
    await rejectsWith(s3.putObject({ Bucket: 'one-key', Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms' }), 'AccessDenied');

    await s3.createBucket({ Bucket: 'customer-keys' });
    await s3.putBucketPolicy({ Bucket: 'customer-keys', Policy: policy([{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::customer-keys/*',
      Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'true' } } }]) });
    await rejectsWith(s3.putObject({ Bucket: 'customer-keys', Key: 'k', Body: 'x', ServerSideEncryption: 'AES256' }), 'AccessDenied');
    await s3.putObject({ Bucket: 'customer-keys', Key: 'k', Body: 'x', ...customerHeaders(1) });
  });

  it('an SSE-C object read without its key, or with another, is refused; over plain HTTP where TLS is required, so is any SSE-C request', async () => {
    const { s3 } = setup({ requireSecureTransport: true });
    await s3.createBucket({ Bucket: 'sse-c' });
    await rejectsWith(s3.putObject({ Bucket: 'sse-c', Key: 'k', Body: 'x', ...customerHeaders(1) }), 'InvalidRequest', /^SSE-C requests must be made over HTTPS$/);
    await rejectsWith(s3.putObject({ Bucket: 'sse-c', Key: 'k', Body: 'x', ...customerHeaders(1), SecureTransport: false }), 'InvalidRequest');
    await s3.putObject({ Bucket: 'sse-c', Key: 'k', Body: 'x', ...customerHeaders(1), SecureTransport: true });
    await s3.putObject({ Bucket: 'sse-c', Key: 'plain', Body: 'x' }); // no SSE-C: no TLS needed
    await rejectsWith(s3.getObject({ Bucket: 'sse-c', Key: 'k', SecureTransport: true }), 'InvalidRequest', /stored with SSE-C/);
    await rejectsWith(s3.getObject({ Bucket: 'sse-c', Key: 'k', ...customerHeaders(2), SecureTransport: true }), 'AccessDenied', /does not match/);
    await rejectsWith(s3.getObject({ Bucket: 'sse-c', Key: 'k', ...customerHeaders(1) }), 'InvalidRequest', /HTTPS/);
    expect(await text(await s3.getObject({ Bucket: 'sse-c', Key: 'k', ...customerHeaders(1), SecureTransport: true }))).toBe('x');
  });

  it('a key is 1 to 1,024 bytes of UTF-8 (bytes, not characters); a caller must be an IAM or STS ARN; a bucket must exist', async () => {
    const { s3 } = setup();
    await s3.createBucket({ Bucket: 'keys' });
    for (const Key of ['a'.repeat(1024), 'é'.repeat(512)]) {
      await s3.putObject({ Bucket: 'keys', Key, Body: Key });
      expect(await text(await s3.getObject({ Bucket: 'keys', Key }))).toBe(Key);
    }
    for (const Key of ['a'.repeat(1025), 'é'.repeat(513), '']) {
      await rejectsWith(s3.getObject({ Bucket: 'keys', Key }), 'InvalidArgument', /^Key: expected 1 to 1024 bytes of UTF-8$/);
    }
    for (const principal of ['alice', 'arn:aws:s3:::keys']) {
      await rejectsWith(s3.getObject({ Bucket: 'keys', Key: 'a' }, { principal }), 'InvalidArgument', /^caller\.principal: expected an IAM or STS ARN$/);
    }
    await rejectsWith(s3.getObject({ Bucket: 'gone', Key: 'k' }), 'NoSuchBucket', /^The specified bucket does not exist: gone$/);
  });
});

function customerHeaders(seed: number) {
  const key = Buffer.alloc(32, seed);
  return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(key).digest('base64') };
}
