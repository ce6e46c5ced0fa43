// The narrow KMS interface over HTTP: awsSdkKmsClient() around the AWS SDK's real `KMS` client,
// pointed at `kms-wasm serve`, stands behind ObjectStore, BlockStore, S3EncryptionClient and the
// Encryption SDK keyring — the same path a user with real AWS KMS takes.
import { KMS } from '@aws-sdk/client-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AwsKmsKeyring, awsSdkKmsClient, BlockStore, decryptAwsEsdkMessage, encryptAwsEsdkMessage, ObjectStore, S3EncryptionClient, type HostKms,
} from '../../src/index.js';
import { ROOT, startTestService, type TestService } from './service-fixture.js';

describe('awsSdkKmsClient over the service', () => {
  let t: TestService;
  let kms: HostKms;
  let keyArn: string;
  beforeAll(async () => {
    t = await startTestService();
    const sdk = new KMS({ endpoint: t.service.url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    kms = awsSdkKmsClient(sdk, { account: '111122223333', region: 'us-east-1' });
    keyArn = (await sdk.createKey({})).KeyMetadata!.Arn!;
  });

  it('SSE-KMS objects, CSE-KMS objects and an encrypted volume keep their data keys in the remote KMS', async () => {
    const s3 = new ObjectStore({ kms });
    await s3.createBucket({ Bucket: 'over-http' });
    await s3.putObject({ Bucket: 'over-http', Key: 'sse', Body: 'server side', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn });
    expect(new TextDecoder().decode((await (await s3.getObject({ Bucket: 'over-http', Key: 'sse' })).Body.transformToByteArray()))).toBe('server side');
    const cse = new S3EncryptionClient({ s3, kms, kmsKeyId: keyArn });
    await cse.putObject({ Bucket: 'over-http', Key: 'cse', Body: 'client side' });
    expect(new TextDecoder().decode((await (await cse.getObject({ Bucket: 'over-http', Key: 'cse' })).Body.transformToByteArray()))).toBe('client side');
    const ec2 = new BlockStore({ kms });
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: keyArn });
    const volume = await ec2.attachVolume({ VolumeId, InstanceId: 'i-0123456789abcdef0' });
    await volume.write(0, new TextEncoder().encode('on the volume'));
    expect(new TextDecoder().decode(await volume.read(0, 13))).toBe('on the volume');
    await ec2.detachVolume({ VolumeId });
    for (const operation of ['GenerateDataKey', 'Decrypt', 'GenerateDataKeyWithoutPlaintext', 'CreateGrant', 'RetireGrant']) {
      expect(t.log.some((line) => line.includes(` kms:${operation} `) && / 200 /.test(line)), operation).toBe(true);
    }
  });

  it('the Encryption SDK keyring encrypts and decrypts through it; a refusal arrives as the AWS error', async () => {
    const keyring = new AwsKmsKeyring({ client: kms, generatorKeyId: keyArn });
    const { message } = await encryptAwsEsdkMessage(new TextEncoder().encode('esdk over http'), { keyring });
    expect(new TextDecoder().decode((await decryptAwsEsdkMessage(message, { keyring })).plaintext)).toBe('esdk over http');
    await expect(kms.generateDataKey({ KeyId: 'alias/does-not-exist', KeySpec: 'AES_256' })).rejects.toMatchObject({ name: 'NotFoundException' });
  });
});
