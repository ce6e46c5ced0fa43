// The AWS Encryption SDK's published decrypt vectors (awslabs/aws-encryption-sdk-test-vectors,
// python-1.3.5: messages the Encryption SDK for Python 1.3.5 wrote), the subset in
// test/vectors/aws-esdk-python-1.3.5/ (see the README there). Every case of that archive is under an
// AWS KMS key, which only AWS KMS can unwrap, so no plaintext can be checked; what can be is checked:
// kms-wasm reads each header as the manifest describes it (suite, framing, the KMS key ARN of its
// one encrypted data key), asks KMS to unwrap exactly that data key under exactly the header's
// encryption context, refuses the non-committing suites under the default commitment policy before
// any KMS call, and refuses the suites it does not implement (AES-128, AES-192, no KDF) by name.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AwsKmsKeyring, CommitmentPolicyError, decryptAwsEsdkMessage, KeyringError, MessageFormatError } from '../../../src/index.js';
import { CONTENT_TYPE_FRAMED, CONTENT_TYPE_NON_FRAMED, decodeHeader } from '../../../src/envelope/aws-esdk/header-codec.js';
import { vectorsDir } from '../../helpers/vectors.js';

const dir = `${vectorsDir}aws-esdk-python-1.3.5/`;
const manifest = JSON.parse(readFileSync(`${dir}decrypt_message.json`, 'utf8'));
const keys = JSON.parse(readFileSync(`${dir}keys.json`, 'utf8')).keys;
const cases = Object.entries(manifest.tests as Record<string, { ciphertext: string; 'master-keys': { type: string; key: string }[] }>)
  .map(([id, test]) => ({ id, message: new Uint8Array(readFileSync(dir + test.ciphertext.slice('file://'.length))), keyArn: keys[test['master-keys'][0]!.key]['key-id'] as string }));
const suiteOf = (message: Uint8Array) => message[2]! * 256 + message[3]!;
const IMPLEMENTED = [0x0178, 0x0378];
const implemented = cases.filter(({ message }) => IMPLEMENTED.includes(suiteOf(message)));
const unimplemented = cases.filter(({ message }) => !IMPLEMENTED.includes(suiteOf(message)));

/** A KMS that records each Decrypt it is asked for and refuses it, as AWS KMS would refuse us. */
function recordingKms() {
  const calls: { KeyId?: string; CiphertextBlob: Uint8Array; EncryptionContext?: Record<string, string> }[] = [];
  const refuse = async () => { throw Object.assign(new Error('not AWS KMS'), { name: 'AccessDeniedException' }); };
  return {
    calls,
    client: { generateDataKey: refuse, encrypt: refuse, decrypt: async (request: (typeof calls)[number]) => { calls.push(request); return refuse(); } },
  };
}

describe('the published Encryption SDK vectors (python-1.3.5, AWS KMS keys)', () => {
  it('holds what the manifest lists, and both implemented format-1.0 suites framed and non-framed', () => {
    expect(readdirSync(`${dir}ciphertexts`).sort()).toEqual(cases.map(({ message: _, id }) => manifest.tests[id].ciphertext.split('/').pop()).sort());
    const kinds = implemented.map(({ message }) => decodeHeader(message)!.header).map((h) => `${h.suiteId.toString(16)}/${h.contentType}`);
    for (const suite of ['178', '378']) for (const type of [CONTENT_TYPE_NON_FRAMED, CONTENT_TYPE_FRAMED]) expect(kinds).toContain(`${suite}/${type}`);
  });

  it.each(implemented)('$id: the header reads as written, and KMS is asked for its data key under its context', async ({ message, keyArn }) => {
    const { header } = decodeHeader(message)!;
    expect(header.suiteId).toBe(suiteOf(message));
    expect(header.version).toBe(1);
    expect(header.encryptedDataKeys).toHaveLength(1);
    const [edk] = header.encryptedDataKeys;
    expect(edk!.providerId).toBe('aws-kms');
    expect(new TextDecoder().decode(edk!.providerInfo)).toBe(keyArn);
    if (header.contentType === CONTENT_TYPE_FRAMED) expect([512, 4096]).toContain(header.frameLength);
    else expect([header.contentType, header.frameLength]).toEqual([CONTENT_TYPE_NON_FRAMED, 0]);
    // A signed suite carries its public key in the context (message-header.md, "AAD").
    expect('aws-crypto-public-key' in header.encryptionContext).toBe(header.suiteId === 0x0378);

    const kms = recordingKms();
    const keyring = new AwsKmsKeyring({ client: kms.client as never, keyIds: [keyArn] });
    await expect(decryptAwsEsdkMessage(message, { keyring })).rejects.toBeInstanceOf(CommitmentPolicyError);
    expect(kms.calls).toEqual([]);
    await expect(decryptAwsEsdkMessage(message, { keyring, commitmentPolicy: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' })).rejects.toBeInstanceOf(KeyringError);
    expect(kms.calls).toHaveLength(1);
    expect(kms.calls[0]!.KeyId).toBe(keyArn);
    expect(Buffer.from(kms.calls[0]!.CiphertextBlob).equals(Buffer.from(edk!.ciphertext))).toBe(true);
    expect(kms.calls[0]!.EncryptionContext).toEqual(header.encryptionContext);
  });

  it('refuses the suites it does not implement by name, before asking KMS', async () => {
    expect(unimplemented.map(({ message }) => suiteOf(message)).sort()).toEqual([0x0078, 0x0214]);
    for (const { message, keyArn } of unimplemented) {
      const kms = recordingKms();
      const suite = suiteOf(message).toString(16).padStart(4, '0');
      expect(() => decodeHeader(message)).toThrow(MessageFormatError);
      await expect(decryptAwsEsdkMessage(message, { keyring: new AwsKmsKeyring({ client: kms.client as never, keyIds: [keyArn] }),
        commitmentPolicy: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' })).rejects.toThrow(new RegExp(`unsupported algorithm suite 0x${suite}`));
      expect(kms.calls).toEqual([]);
    }
  });
});
