// The names a raw keyring (AES or RSA) writes into its encrypted data keys: a key namespace (the
// provider id) and a key name. Spec: framework/raw-aes-keyring.md and raw-rsa-keyring.md.

import { InvalidInputError } from '../../core/errors.js';

export interface RawKeyNames {
  /** The provider id of its encrypted data keys; "aws-kms" is reserved for KMS. */
  keyNamespace: string;
  /** Which key of that namespace. */
  keyName: string;
}

export function checkKeyNames(options: RawKeyNames): { namespace: string; name: Uint8Array } {
  const { keyNamespace, keyName } = options ?? ({} as RawKeyNames);
  if (typeof keyNamespace !== 'string' || keyNamespace.length === 0) throw new InvalidInputError('keyNamespace', 'expected a non-empty string');
  if (keyNamespace.startsWith('aws-kms')) throw new InvalidInputError('keyNamespace', '"aws-kms" is reserved for the KMS keyring');
  if (typeof keyName !== 'string' || keyName.length === 0) throw new InvalidInputError('keyName', 'expected a non-empty string');
  return { namespace: keyNamespace, name: new TextEncoder().encode(keyName) };
}
