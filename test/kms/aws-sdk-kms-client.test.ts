// The narrow KMS interface with another KMS behind it: awsSdkKmsClient() over an object shaped as
// the AWS SDK v3's aggregated `KMS` client (here backed by a KeyManagementService acting as one
// principal, as a remote KMS acts for its credentials), recording every operation it is sent.
// The envelope keyring, ObjectStore, BlockStore and S3EncryptionClient must work through it.
import { describe, expect, it } from 'vitest';
import {
  awsSdkKmsClient, BlockStore, decryptMessage, encryptMessage, KeyManagementService, kmsDataKeyResolver, kmsEncryptionMaterials, ObjectStore,
  S3EncryptionClient, type AwsSdkKms,
} from '../../src/index.js';
import { ACCOUNT, REGION } from './fixtures.js';

const REMOTE_ACCOUNT = '999988887777';

/** A stand-in for `new KMS({...})`: every call recorded by operation name, with its input. */
function recordingSdkClient(backend: KeyManagementService, overrides: Partial<Record<keyof AwsSdkKms, (input: object) => Promise<object>>> = {}) {
  const sent: Array<{ operation: string; input: object }> = [];
  const operations = ['generateDataKey', 'generateDataKeyWithoutPlaintext', 'encrypt', 'decrypt', 'reEncrypt', 'createGrant', 'retireGrant', 'describeKey'] as const;
  const client = Object.fromEntries(operations.map((operation) => [operation, async (input: object) => {
    sent.push({ operation, input: structuredClone(input) });
    const override = overrides[operation];
    if (override) return override(input);
    // The remote KMS knows the caller from its credentials: the adapter sends no caller.
    return (backend[operation] as (request: object) => Promise<object>).call(backend, input);
  }])) as unknown as AwsSdkKms;
  return { client, sent };
}

async function remoteKms() {
  const backend = new KeyManagementService({ account: REMOTE_ACCOUNT, region: REGION });
  const { KeyMetadata } = await backend.createKey({ Description: 'the remote KMS key' });
  return { backend, keyArn: KeyMetadata.Arn };
}

describe('awsSdkKmsClient: another KMS behind the narrow interface', () => {
  it('the envelope keyring encrypts and decrypts through it, and sends exactly GenerateDataKey then Decrypt', async () => {
    const { backend, keyArn } = await remoteKms();
    const { client, sent } = recordingSdkClient(backend);
    const kms = awsSdkKmsClient(client, { account: ACCOUNT, region: REGION });
    const materials = await kmsEncryptionMaterials(kms, { KeyId: keyArn, EncryptionContext: { purpose: 'test' } });
    const message = encryptMessage(materials, new TextEncoder().encode('through the adapter'));
    const plaintext = await decryptMessage(kmsDataKeyResolver(kms), message);
    expect(new TextDecoder().decode(plaintext)).toBe('through the adapter');
    expect(sent.map((s) => s.operation)).toEqual(['generateDataKey', 'decrypt']);
    expect(sent[0]!.input).toEqual({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: { purpose: 'test' } });
    expect(sent[1]!.input).toMatchObject({ KeyId: keyArn, EncryptionContext: { purpose: 'test' } });
  });

  it('ObjectStore keeps SSE-KMS and DSSE-KMS data keys in it, and S3EncryptionClient CSE-KMS ones', async () => {
    const { backend, keyArn } = await remoteKms();
    const { client, sent } = recordingSdkClient(backend);
    const kms = awsSdkKmsClient(client, { account: ACCOUNT, region: REGION });
    const s3 = new ObjectStore({ kms });
    await s3.createBucket({ Bucket: 'remote' });
    for (const ServerSideEncryption of ['aws:kms', 'aws:kms:dsse'] as const) {
      await s3.putObject({ Bucket: 'remote', Key: ServerSideEncryption, Body: 'secret', ServerSideEncryption, SSEKMSKeyId: keyArn });
      const got = await s3.getObject({ Bucket: 'remote', Key: ServerSideEncryption });
      expect(new TextDecoder().decode(await got.Body.transformToByteArray())).toBe('secret');
      expect(got.SSEKMSKeyId).toBe(keyArn);
    }
    const cse = new S3EncryptionClient({ s3, kms, kmsKeyId: keyArn });
    await cse.putObject({ Bucket: 'remote', Key: 'cse', Body: 'client side' });
    expect(new TextDecoder().decode((await (await cse.getObject({ Bucket: 'remote', Key: 'cse' })).Body.transformToByteArray()))).toBe('client side');
    expect(new Set(sent.map((s) => s.operation))).toEqual(new Set(['generateDataKey', 'decrypt']));
    // The S3 encryption context reached the remote KMS.
    expect(sent.some((s) => JSON.stringify(s.input).includes('"aws:s3:arn":"arn:aws:s3:::remote/aws:kms"'))).toBe(true);
  });

  it('BlockStore makes, attaches and reads an encrypted volume with its data key in it (grant, decrypt, retire)', async () => {
    const { backend, keyArn } = await remoteKms();
    const { client, sent } = recordingSdkClient(backend);
    const ec2 = new BlockStore({ kms: awsSdkKmsClient(client, { account: REMOTE_ACCOUNT, region: REGION }) });
    const { VolumeId } = await ec2.createVolume({ Size: 1, Encrypted: true, KmsKeyId: keyArn });
    const volume = await ec2.attachVolume({ VolumeId, InstanceId: 'i-0123456789abcdef0' });
    await volume.write(10, new TextEncoder().encode('sector data'));
    expect(new TextDecoder().decode(await volume.read(10, 11))).toBe('sector data');
    await ec2.detachVolume({ VolumeId });
    expect(sent.map((s) => s.operation)).toEqual(['generateDataKeyWithoutPlaintext', 'createGrant', 'decrypt', 'retireGrant']);
  });

  it('the remote KMS\'s refusals arrive as KMS errors of the same name, which the services map as their own', async () => {
    const { backend, keyArn } = await remoteKms();
    const denied = Object.assign(new Error('User is not authorized to perform: kms:GenerateDataKey'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    const { client } = recordingSdkClient(backend, { generateDataKey: async () => { throw denied; } });
    const kms = awsSdkKmsClient(client, { account: ACCOUNT, region: REGION });
    await expect(kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256' })).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const s3 = new ObjectStore({ kms });
    await s3.createBucket({ Bucket: 'remote' });
    await expect(s3.putObject({ Bucket: 'remote', Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }))
      .rejects.toMatchObject({ name: 'AccessDenied' });
    expect(await s3.listObjectsV2({ Bucket: 'remote' })).toMatchObject({ KeyCount: 0 });
  });

  it('an answer missing a field is the KMS\'s fault (KMSInternalException), not a crash later', async () => {
    const { backend, keyArn } = await remoteKms();
    const { client } = recordingSdkClient(backend, { generateDataKey: async () => ({ KeyId: keyArn, CiphertextBlob: new Uint8Array(8) }) });
    const kms = awsSdkKmsClient(client, { account: ACCOUNT, region: REGION });
    await expect(kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256' })).rejects.toMatchObject({ name: 'KMSInternalException' });
    expect(await kms.awsManagedKeyId('s3')).toBe('alias/aws/s3');
  });
});
