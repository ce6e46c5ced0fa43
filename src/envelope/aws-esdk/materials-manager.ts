// Materials managers, and the default one (framework/default-cmm.md): what a message needs besides its bytes.
// On encrypt, a signing key pair for signed suites (its public key added to the encryption
// context, which the keyring then sees too) and the data key with its wrapped copies from the
// keyring; on decrypt, the data key from the keyring and the verification key from the context.

import { InvalidInputError } from '../../core/errors.js';
import type { EncryptionContext } from '../encryption-context.js';
import { MessageFormatError } from '../message-format.js';
import { DATA_KEY_BYTES, type AlgorithmSuite } from './algorithm-suites.js';
import { KeyringError } from './esdk-errors.js';
import type { EncryptedDataKey, MessageHeader } from './header-codec.js';
import type { Keyring } from './keyring.js';
import { MessageVerifier, newSigningKey, PUBLIC_KEY_CONTEXT_KEY } from './message-signature.js';

export interface EncryptionMaterials {
  suite: AlgorithmSuite;
  /** The plaintext data key; the encryptor zeroes it once it has derived its keys. */
  dataKey: Uint8Array;
  encryptionContext: EncryptionContext;
  encryptedDataKeys: EncryptedDataKey[];
  /** Signed suites: the P-384 secret key (its public key is in the encryption context); the encryptor zeroes it. */
  signingKey?: Uint8Array;
}

export interface DecryptionMaterials {
  dataKey: Uint8Array;
  verifier?: MessageVerifier;
}

export interface EncryptionMaterialsRequest {
  suite: AlgorithmSuite;
  encryptionContext: EncryptionContext;
  /** The whole plaintext's length when known up front (one-shot encryption); a caching manager needs it. */
  plaintextLength?: number;
}

/**
 * Where messages get their materials (the Encryption SDK's CMM, framework/cmm-interface.md): the
 * default one asks a keyring every time; CachingMaterialsManager reuses them within limits.
 */
export interface MaterialsManager {
  getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials>;
  getDecryptionMaterials(suite: AlgorithmSuite, header: MessageHeader): Promise<DecryptionMaterials>;
}

export function checkEncryptionContext(context: unknown): EncryptionContext {
  if (context === undefined) return {};
  if (typeof context !== 'object' || context === null || Array.isArray(context)) throw new InvalidInputError('encryptionContext', 'expected an object of strings');
  for (const [key, value] of Object.entries(context)) {
    if (typeof value !== 'string') throw new InvalidInputError('encryptionContext', `the value of "${key}" is not a string`);
    if (key === PUBLIC_KEY_CONTEXT_KEY) throw new InvalidInputError('encryptionContext', `"${key}" is reserved for the signing key of signed suites`);
  }
  return { ...(context as EncryptionContext) };
}

/** The verifier a signed message needs, from the public key in its encryption context (which an unsigned one must not carry). */
export function verifierFor(suite: AlgorithmSuite, header: MessageHeader): MessageVerifier | undefined {
  const publicKey = header.encryptionContext[PUBLIC_KEY_CONTEXT_KEY];
  if (!suite.signed && publicKey !== undefined) throw new MessageFormatError(`an unsigned message's encryption context holds "${PUBLIC_KEY_CONTEXT_KEY}"`);
  return suite.signed ? new MessageVerifier(publicKey) : undefined;
}

export class DefaultMaterialsManager implements MaterialsManager {
  constructor(private readonly keyring: Keyring) {}

  async getEncryptionMaterials({ suite, encryptionContext: context }: EncryptionMaterialsRequest): Promise<EncryptionMaterials> {
    const signing = suite.signed ? newSigningKey() : undefined;
    const encryptionContext = signing ? { ...context, [PUBLIC_KEY_CONTEXT_KEY]: signing.publicKey } : context;
    let dataKey: Uint8Array | undefined;
    try {
      const result = await this.keyring.onEncrypt({ suite, encryptionContext });
      dataKey = result.dataKey;
      const { encryptedDataKeys } = result;
      if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_BYTES) throw new KeyringError('the keyring gave no 32-byte data key');
      if (encryptedDataKeys.length === 0) throw new KeyringError('the keyring wrapped the data key for nobody: nobody could decrypt the message');
      if (encryptedDataKeys.length > 0xffff) throw new KeyringError('a message holds at most 65535 encrypted data keys');
      return { suite, dataKey, encryptionContext, encryptedDataKeys, ...(signing ? { signingKey: signing.secretKey } : {}) };
    } catch (error) {
      if (dataKey instanceof Uint8Array) dataKey.fill(0);
      signing?.secretKey.fill(0);
      throw error;
    }
  }

  async getDecryptionMaterials(suite: AlgorithmSuite, header: MessageHeader): Promise<DecryptionMaterials> {
    const verifier = verifierFor(suite, header);
    const dataKey = await this.keyring.onDecrypt({ suite, encryptionContext: header.encryptionContext, encryptedDataKeys: header.encryptedDataKeys });
    if (dataKey === undefined) throw new KeyringError('no keyring could unwrap any of the message\'s encrypted data keys');
    if (dataKey.length !== DATA_KEY_BYTES) {
      dataKey.fill(0);
      throw new KeyringError('the keyring gave no 32-byte data key');
    }
    return { dataKey, ...(verifier ? { verifier } : {}) };
  }
}
