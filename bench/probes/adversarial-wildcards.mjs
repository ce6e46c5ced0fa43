// How long one authorization takes when a caller chooses both the policy wildcard and the value
// (issue 12: a backtracking regex stalled the process for 9.8 s and 79 s on these). Through the
// public API: a bucket-policy Resource against a long object key, and a key-policy StringLike
// against a 60 KB encryption-context value. Run after `npm run build`:
// node bench/probes/adversarial-wildcards.mjs
import { Iam, KeyManagementService, ObjectStore } from '../../dist/index.js';

const policy = (statements) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const root = 'arn:aws:iam::111122223333:root';
const iam = new Iam();
const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1', iam });
const s3 = new ObjectStore({ kms, iam });
const bob = { principal: 'arn:aws:iam::111122223333:user/bob' };
iam.putPrincipalPolicy({ PrincipalArn: bob.principal, PolicyName: 'put', PolicyDocument: policy([{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }]) });

async function time(label, run) {
  await run();
  const samples = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  console.log(`${label}: median ${samples[2].toFixed(2)} ms, max ${samples[4].toFixed(2)} ms`);
}

await s3.createBucket({ Bucket: 'probe' });
await s3.putBucketPolicy({ Bucket: 'probe', Policy: policy([{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject',
  Resource: 'arn:aws:s3:::probe/*/*/*/*/*/*/*/*/*/*.tmp' }]) });
await time('PutObject, Resource "…/*/*/*/*/*/*/*/*/*/*.tmp" vs a 1,024-byte key of slashes', () =>
  s3.putObject({ Bucket: 'probe', Key: `${'/'.repeat(1023)}x`, Body: 'v' }, bob));

const { KeyMetadata: key } = await kms.createKey({ Policy: policy([
  { Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' },
  { Effect: 'Deny', Principal: '*', Action: 'kms:Encrypt', Resource: '*', Condition: { StringLike: { 'kms:EncryptionContext:v': `${'*a'.repeat(40)}*b` } } },
]) });
const plaintext = new Uint8Array(16);
await time('Encrypt, StringLike "*a" x40 + "*b" vs a 60,000-character value', () =>
  kms.encrypt({ KeyId: key.KeyId, Plaintext: plaintext, EncryptionContext: { v: 'a'.repeat(60_000) } }));
