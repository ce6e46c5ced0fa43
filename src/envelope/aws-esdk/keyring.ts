// What a keyring does for the Encryption SDK format (framework/keyring-interface.md): on encrypt it
// makes the data key (if it is the generator) and wraps it; on decrypt it unwraps one of the
// message's encrypted data keys. Keyrings never see the message bytes, only these materials.

import type { EncryptionContext } from '../encryption-context.js';
import type { AlgorithmSuite } from './algorithm-suites.js';
import { KeyringError } from './esdk-errors.js';
import type { EncryptedDataKey } from './header-codec.js';

export interface KeyringEncryptRequest {
  suite: AlgorithmSuite;
  /** The context the message will carry (with the signing public key, for signed suites). */
  encryptionContext: EncryptionContext;
  /** The data key so far; undefined asks the keyring to generate one. */
  dataKey?: Uint8Array;
}

export interface KeyringEncryptResult {
  /** The plaintext data key (the one given, or the one generated). */
  dataKey: Uint8Array;
  /** The wrapped copies this keyring adds. */
  encryptedDataKeys: EncryptedDataKey[];
}

export interface KeyringDecryptRequest {
  suite: AlgorithmSuite;
  encryptionContext: EncryptionContext;
  encryptedDataKeys: readonly EncryptedDataKey[];
}

export interface Keyring {
  onEncrypt(request: KeyringEncryptRequest): Promise<KeyringEncryptResult>;
  /**
   * The data key from the first encrypted data key this keyring can unwrap; undefined when none is
   * its own. Throws KeyringError (its cause: what each attempt met) when its own ones all fail.
   */
  onDecrypt(request: KeyringDecryptRequest): Promise<Uint8Array | undefined>;
}

/**
 * Tries `unwrap` on each of a keyring's own encrypted data keys in order and returns the first data
 * key it gives: undefined when there are none, KeyringError (every failure as its cause) when all fail.
 */
export async function unwrapFirst<T>(keyringName: string, own: readonly T[], unwrap: (key: T) => Promise<Uint8Array>): Promise<Uint8Array | undefined> {
  const errors: unknown[] = [];
  for (const key of own) {
    try {
      return await unwrap(key);
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw new KeyringError(`${keyringName}: none of its ${errors.length} encrypted data keys unwrapped`, { cause: new AggregateError(errors) });
  return undefined;
}
