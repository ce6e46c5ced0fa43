// kms-wasm against the AWS Encryption SDK for JavaScript (@aws-crypto/client-node, pinned): every
// supported suite × frame length × keyring, both directions, with encryption contexts, from 0 B to
// a few MiB. Messages made by the Encryption SDK decrypt with kms-wasm and the reverse.

import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { describe, expect, it } from 'vitest';
import { CommitmentPolicyError, decryptAwsEsdkMessage, encryptAwsEsdkMessage } from '../../../src/index.js';
import { KEYRING_KINDS, keyringPair, kmsPair } from '../../helpers/aws-esdk-keyrings.js';
import { SeededRandom } from '../../helpers/seeded-random.js';
import { sameBytes } from '../../helpers/bytes.js';

const rng = new SeededRandom(2018);
const committing = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const legacy = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);

const SUITES = [0x0478, 0x0578] as const;
const FRAME_LENGTHS = [1, 4096, 65536];
const context = { purpose: 'interop', 'ünïcödé key': 'välue ✓', tenant: 't-42' };

function sizesFor(frameLength: number): number[] {
  const sizes = [0, 1, frameLength - 1, frameLength, frameLength + 1, 3 * frameLength + 7, 300_001];
  return [...new Set(sizes.filter((s) => s >= 0 && (frameLength > 1 || s < 5000)))];
}

describe('AWS Encryption SDK interop (format 2.0, committing suites)', () => {
  for (const kind of KEYRING_KINDS) {
    for (const suiteId of SUITES) {
      it(`${kind}, suite 0x0${suiteId.toString(16)}: Encryption SDK → kms-wasm and kms-wasm → Encryption SDK at every frame length`, async () => {
        const { ours, theirs } = await keyringPair(kind);
        for (const frameLength of FRAME_LENGTHS) {
          for (const size of sizesFor(frameLength)) {
            const plaintext = rng.bytes(size);
            const made = await committing.encrypt(theirs, plaintext, { encryptionContext: context, suiteId: suiteId as AlgorithmSuiteIdentifier, frameLength });
            const opened = await decryptAwsEsdkMessage(made.result, { keyring: ours });
            expect(sameBytes(opened.plaintext, plaintext), `theirs→ours ${frameLength}/${size}`).toBe(true);
            expect(opened.messageHeader.suiteId).toBe(suiteId);
            expect(opened.messageHeader.frameLength).toBe(frameLength);
            expect(opened.messageHeader.encryptionContext).toMatchObject(context);

            const { message } = await encryptAwsEsdkMessage(plaintext, { keyring: ours, encryptionContext: context, suiteId, frameLength });
            const back = await committing.decrypt(theirs, message);
            expect(sameBytes(back.plaintext, plaintext), `ours→theirs ${frameLength}/${size}`).toBe(true);
            expect(back.messageHeader.suiteId).toBe(suiteId);
            expect(back.messageHeader.encryptionContext).toMatchObject(context);
          }
        }
      });
    }
  }

  it('4 MiB and 64 MiB messages, both directions (raw AES, 0x0478 and 0x0578)', async () => {
    const { ours, theirs } = await keyringPair('raw AES');
    for (const [size, suiteId] of [[4 * 1024 * 1024 + 5, 0x0578], [64 * 1024 * 1024, 0x0478]] as const) {
      const plaintext = rng.bytes(size);
      const made = await committing.encrypt(theirs, plaintext, { encryptionContext: context, suiteId: suiteId as AlgorithmSuiteIdentifier });
      expect(sameBytes((await decryptAwsEsdkMessage(made.result, { keyring: ours })).plaintext, plaintext), `theirs→ours ${size}`).toBe(true);
      const { message } = await encryptAwsEsdkMessage(plaintext, { keyring: ours, encryptionContext: context, suiteId });
      expect(sameBytes((await committing.decrypt(theirs, message)).plaintext, plaintext), `ours→theirs ${size}`).toBe(true);
    }
  }, 600_000);

  it('an empty encryption context, both directions', async () => {
    const { ours, theirs } = await keyringPair('raw AES');
    const plaintext = rng.bytes(5000);
    const made = await committing.encrypt(theirs, plaintext, { suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY });
    const opened = await decryptAwsEsdkMessage(made.result, { keyring: ours });
    expect(opened.plaintext).toEqual(plaintext);
    expect(opened.messageHeader.encryptionContext).toEqual({});
    const { message } = await encryptAwsEsdkMessage(plaintext, { keyring: ours });
    expect(new Uint8Array((await committing.decrypt(theirs, message)).plaintext)).toEqual(plaintext);
  });

  it('the Encryption SDK KMS keyring and ours call the same KMS and read each other\'s data keys', async () => {
    const { ours, theirs, kms, keyArn } = await kmsPair();
    const plaintext = rng.bytes(10_000);
    const { message, messageHeader } = await encryptAwsEsdkMessage(plaintext, { keyring: ours, encryptionContext: context });
    expect(messageHeader.encryptedDataKeys).toHaveLength(1);
    expect(messageHeader.encryptedDataKeys[0]!.providerId).toBe('aws-kms');
    expect(new TextDecoder().decode(messageHeader.encryptedDataKeys[0]!.providerInfo)).toBe(keyArn);
    const back = await committing.decrypt(theirs, message);
    expect(new Uint8Array(back.plaintext)).toEqual(plaintext);
    // KMS bound the data key to the message's context: KMS refuses it under another.
    const blob = messageHeader.encryptedDataKeys[0]!.ciphertext;
    await expect(kms.decrypt({ CiphertextBlob: blob, KeyId: keyArn, EncryptionContext: { ...messageHeader.encryptionContext, tenant: 'other' } }))
      .rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });
});

describe('AWS Encryption SDK interop: format 1.0 (non-committing) messages', () => {
  for (const kind of KEYRING_KINDS) {
    for (const suiteId of [0x0178, 0x0378]) {
      it(`${kind}, suite 0x0${suiteId.toString(16)}: read under REQUIRE_ENCRYPT_ALLOW_DECRYPT, refused under the default policy`, async () => {
        const { ours, theirs } = await keyringPair(kind);
        for (const frameLength of [1, 4096]) {
          for (const size of sizesFor(frameLength).filter((s) => s < 100_000)) {
            const plaintext = rng.bytes(size);
            const made = await legacy.encrypt(theirs, plaintext, { encryptionContext: context, suiteId: suiteId as AlgorithmSuiteIdentifier, frameLength });
            const opened = await decryptAwsEsdkMessage(made.result, { keyring: ours, commitmentPolicy: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' });
            expect(sameBytes(opened.plaintext, plaintext)).toBe(true);
            expect(opened.messageHeader.version).toBe(1);
            await expect(decryptAwsEsdkMessage(made.result, { keyring: ours })).rejects.toBeInstanceOf(CommitmentPolicyError);
          }
        }
      });
    }
  }
});
