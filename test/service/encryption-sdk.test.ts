// The official AWS Encryption SDK for JavaScript (@aws-crypto/client-node) with a KmsKeyringNode
// whose clientProvider returns an @aws-sdk/client-kms client pointed at the service: it encrypts and
// decrypts through our KMS (GenerateDataKey, Encrypt, Decrypt).

import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import * as Kms from '@aws-sdk/client-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTestService, type TestService } from './service-fixture.js';

describe('AWS Encryption SDK through the service', () => {
  let t: TestService;
  let generator: string;
  let second: string;
  beforeAll(async () => {
    t = await startTestService();
    generator = (await t.kms().send(new Kms.CreateKeyCommand({}))).KeyMetadata!.Arn!;
    second = (await t.kms().send(new Kms.CreateKeyCommand({}))).KeyMetadata!.Arn!;
  });

  const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = (keyIds: { generatorKeyId?: string; keyIds?: string[] }) => new KmsKeyringNode({
    ...keyIds,
    clientProvider: (region: string) => new Kms.KMS({ endpoint: t.service.url, region, credentials: ROOT, maxAttempts: 1 }),
  });

  it('encrypts under two KMS keys and decrypts with either one', async () => {
    const plaintext = crypto.getRandomValues(new Uint8Array(60_000));
    const { result } = await encrypt(keyring({ generatorKeyId: generator, keyIds: [second] }), plaintext, { encryptionContext: { purpose: 'esdk-test' } });
    const before = t.log.length;
    for (const keyIds of [[generator], [second]]) {
      const opened = await decrypt(keyring({ keyIds }), result);
      expect(Buffer.from(opened.plaintext).equals(Buffer.from(plaintext))).toBe(true);
      expect(opened.messageHeader.encryptionContext).toMatchObject({ purpose: 'esdk-test' });
    }
    // the data keys really went through this KMS
    expect(t.log.slice(before).filter((l) => / kms:Decrypt .* 200 /.test(l))).toHaveLength(2);
    expect(t.log.some((l) => / kms:GenerateDataKey .* 200 /.test(l))).toBe(true);
    expect(t.log.some((l) => / kms:Encrypt .* 200 /.test(l))).toBe(true);
  });

  it('a message whose encrypted data key was changed does not decrypt', async () => {
    const { result } = await encrypt(keyring({ generatorKeyId: generator }), 'short message');
    // The encrypted data key (our CiphertextBlob) sits in the header: flip a byte in its last part, its GCM tag.
    const blobStart = result.indexOf(Buffer.from(generator)) + generator.length + 2;
    const tampered = Buffer.from(result);
    tampered[blobStart + 60]! ^= 1;
    await expect(decrypt(keyring({ keyIds: [generator] }), tampered)).rejects.toThrow();
    expect(t.log.some((l) => / kms:Decrypt .* 400 /.test(l))).toBe(true);
  });
});
