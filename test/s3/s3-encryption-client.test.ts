import { describe, expect, it } from 'vitest';
import { AuthenticationError, Iam, KeyManagementService, ObjectStore, S3EncryptionClient } from '../../src/index.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(120);

async function setup(iam?: Iam) {
  const kms = new KeyManagementService({ account: '111122223333', region: 'us-east-1', iam });
  const s3 = new ObjectStore({ kms, iam });
  await s3.createBucket({ Bucket: 'client-side' });
  const { KeyMetadata } = await kms.createKey();
  return { kms, s3, key: KeyMetadata };
}

describe('S3EncryptionClient', () => {
  it('CSE-KMS and CSE-C round-trip; the store holds only ciphertext and the v2 metadata', async () => {
    const { kms, s3, key } = await setup();
    const clients = { kms: new S3EncryptionClient({ s3, kms, kmsKeyId: key.KeyId }), masterKey: new S3EncryptionClient({ s3, masterKey: rng.bytes(32) }) };
    for (const [mode, client] of Object.entries(clients)) {
      for (const size of [0, 1, 65537, 2 * 1024 * 1024]) {
        const body = rng.bytes(size);
        await client.putObject({ Bucket: 'client-side', Key: `${mode}/${size}`, Body: body, Metadata: { owner: 'me' } });
        const got = await client.getObject({ Bucket: 'client-side', Key: `${mode}/${size}` });
        expect(Buffer.from(await got.Body.transformToByteArray()).equals(body), `${mode} ${size}`).toBe(true);
        if (size >= 16) expect(Buffer.from((await s3.storedBytes('client-side', `${mode}/${size}`))!).indexOf(Buffer.from(body.subarray(0, 16)))).toBe(-1);
      }
      const raw = await s3.getObject({ Bucket: 'client-side', Key: `${mode}/65537` }); // what the store returns: ciphertext
      expect((await raw.Body.transformToByteArray()).length).toBe(65537 + 16);
      expect(raw.Metadata).toMatchObject({ owner: 'me', 'x-amz-cek-alg': 'AES/GCM/NoPadding', 'x-amz-tag-len': '128',
        'x-amz-wrap-alg': mode === 'kms' ? 'kms+context' : 'AES/GCM', 'x-amz-unencrypted-content-length': '65537' });
      expect(raw.Metadata['x-amz-key-v2']).toMatch(/^[A-Za-z0-9+/=]+$/);
      expect(Buffer.from(raw.Metadata['x-amz-iv']!, 'base64')).toHaveLength(12);
      const range = await client.getObject({ Bucket: 'client-side', Key: `${mode}/65537`, Range: 'bytes=100-199' });
      expect(await range.Body.transformToByteArray()).toHaveLength(100);
    }
    expect(JSON.parse((await s3.headObject({ Bucket: 'client-side', Key: 'kms/1' })).Metadata['x-amz-matdesc']!)).toEqual({ 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding' });
  });

  it('keeps its own copy of a master key given as a Buffer', async () => {
    const { s3 } = await setup();
    const masterKey = Buffer.from(rng.bytes(32));
    const client = new S3EncryptionClient({ s3, masterKey });
    await client.putObject({ Bucket: 'client-side', Key: 'own-key', Body: 'kept' });
    masterKey.fill(0); // the caller wipes theirs; a Buffer.slice() "copy" would have been wiped with it
    expect(new TextDecoder().decode((await (await client.getObject({ Bucket: 'client-side', Key: 'own-key' })).Body.transformToByteArray()))).toBe('kept');
  });

  it('a wrong master key, a tampered body or tampered metadata fail clearly', async () => {
    const { kms, s3, key } = await setup();
    const client = new S3EncryptionClient({ s3, masterKey: rng.bytes(32) });
    await client.putObject({ Bucket: 'client-side', Key: 'c', Body: 'client secret' });
    await expect(new S3EncryptionClient({ s3, masterKey: rng.bytes(32) }).getObject({ Bucket: 'client-side', Key: 'c' }))
      .rejects.toThrow(/not the master key/);
    await expect(new S3EncryptionClient({ s3, kms, kmsKeyId: key.KeyId }).getObject({ Bucket: 'client-side', Key: 'c' })).rejects.toThrow(/CSE-C/);

    const stored = await s3.getObject({ Bucket: 'client-side', Key: 'c' });
    const storedBytes = await stored.Body.transformToByteArray();
    const tamperedBody = storedBytes.slice();
    tamperedBody[0]! ^= 1;
    await s3.putObject({ Bucket: 'client-side', Key: 'c', Body: tamperedBody, Metadata: stored.Metadata });
    await expect(client.getObject({ Bucket: 'client-side', Key: 'c' })).rejects.toThrow(AuthenticationError);
    const iv = Buffer.from(stored.Metadata['x-amz-iv']!, 'base64');
    iv[0]! ^= 1;
    await s3.putObject({ Bucket: 'client-side', Key: 'c', Body: storedBytes, Metadata: { ...stored.Metadata, 'x-amz-iv': iv.toString('base64') } });
    await expect(client.getObject({ Bucket: 'client-side', Key: 'c' })).rejects.toThrow(AuthenticationError);
    await s3.putObject({ Bucket: 'client-side', Key: 'c', Body: storedBytes, Metadata: { ...stored.Metadata, 'x-amz-cek-alg': 'AES/CBC/PKCS5Padding' } });
    await expect(client.getObject({ Bucket: 'client-side', Key: 'c' })).rejects.toMatchObject({ name: 'InvalidRequest' });
    await s3.putObject({ Bucket: 'client-side', Key: 'plain', Body: 'not client-encrypted' });
    await expect(client.getObject({ Bucket: 'client-side', Key: 'plain' })).rejects.toMatchObject({ name: 'InvalidRequest' });
  });

  it('CSE-KMS binds x-amz-matdesc as the KMS encryption context and needs kms:Decrypt', async () => {
    const iam = new Iam();
    const { kms, s3, key } = await setup(iam);
    const client = new S3EncryptionClient({ s3, kms, kmsKeyId: key.KeyId });
    await client.putObject({ Bucket: 'client-side', Key: 'k', Body: 'kms secret', EncryptionContext: { project: 'apollo' } });
    const stored = await s3.getObject({ Bucket: 'client-side', Key: 'k' });
    expect(JSON.parse(stored.Metadata['x-amz-matdesc']!)).toEqual({ project: 'apollo', 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding' });
    await s3.putObject({ Bucket: 'client-side', Key: 'k2', Body: stored.Body,
      Metadata: { ...stored.Metadata, 'x-amz-matdesc': JSON.stringify({ project: 'gemini', 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding' }) } });
    await expect(client.getObject({ Bucket: 'client-side', Key: 'k2' })).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    const alice = { principal: 'arn:aws:iam::111122223333:user/alice' };
    iam.putPrincipalPolicy({ PrincipalArn: alice.principal, PolicyName: 's3', PolicyDocument: JSON.stringify({ Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }] }) });
    const aliceClient = new S3EncryptionClient({ s3, kms, kmsKeyId: key.KeyId, caller: alice });
    await expect(aliceClient.getObject({ Bucket: 'client-side', Key: 'k' })).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(() => new S3EncryptionClient({ s3, masterKey: new Uint8Array(16) })).toThrow(/masterKey/);
  });
});
