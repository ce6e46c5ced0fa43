// Shared pieces of the Encryption SDK format tests: a keyring with a known data key, and the
// check that a decryption failed with one of the format's typed errors.

import { expect } from 'vitest';
import {
  AuthenticationError, CommitmentPolicyError, decryptAwsEsdkMessage, KeyringError, MessageFormatError, type AwsEsdkDecryptOptions, type Keyring,
} from '../../../src/index.js';

/** A keyring whose data key the test knows (to forge messages a real keyring's key would hide). */
export function fixedKeyring(dataKey: Uint8Array, providerId = 'fixed'): Keyring {
  return {
    onEncrypt: async () => ({ dataKey: dataKey.slice(), encryptedDataKeys: [{ providerId, providerInfo: new Uint8Array([1]), ciphertext: new Uint8Array([2]) }] }),
    onDecrypt: async ({ encryptedDataKeys }) => (encryptedDataKeys.some((k) => k.providerId === providerId) ? dataKey.slice() : undefined),
  };
}

export const typedErrors = [AuthenticationError, MessageFormatError, KeyringError, CommitmentPolicyError];

/** Decryption must fail with a typed error, releasing nothing. */
export async function expectRefused(message: Uint8Array, options: AwsEsdkDecryptOptions, what: string, errorType?: new (...args: never[]) => Error): Promise<Error> {
  let released: Uint8Array | undefined;
  try {
    released = (await decryptAwsEsdkMessage(message, options)).plaintext;
  } catch (error) {
    expect(typedErrors.some((type) => error instanceof type), `${what}: ${String(error)}`).toBe(true);
    if (errorType) expect(error, what).toBeInstanceOf(errorType);
    return error as Error;
  }
  return expect.fail(`${what}: decrypted ${released.length} bytes`);
}
