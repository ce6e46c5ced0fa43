// The raw RSA keyring (framework/raw-rsa-keyring.md) with OAEP and SHA-256 (MGF1 with SHA-256), the
// padding the Encryption SDK recommends, through WebCrypto so it runs in browsers too. Its
// encrypted data key: provider id = key namespace, provider info = key name, ciphertext = the
// RSA-OAEP encryption of the data key. The encryption context is not bound by RSA: the message's
// header tag binds it.

import { InvalidInputError } from '../../core/errors.js';
import { compareBytes } from '../../core/bytes.js';
import { DATA_KEY_BYTES } from './algorithm-suites.js';
import { KeyringError } from './esdk-errors.js';
import { unwrapFirst, type Keyring, type KeyringDecryptRequest, type KeyringEncryptRequest, type KeyringEncryptResult } from './keyring.js';
import { checkKeyNames, type RawKeyNames } from './raw-key-names.js';

export interface RawRsaKeyringOptions extends RawKeyNames {
  /** An RSA-OAEP / SHA-256 public key (crypto.subtle.importKey('spki', …)): needed to encrypt. */
  publicKey?: CryptoKey;
  /** The matching private key (importKey('pkcs8', …)): needed to decrypt. */
  privateKey?: CryptoKey;
}

const OAEP = { name: 'RSA-OAEP' } as const;

function checkKey(field: string, key: CryptoKey | undefined, type: KeyType): void {
  if (key === undefined) return;
  const algorithm = (key as unknown as { algorithm?: RsaHashedKeyAlgorithm }).algorithm;
  if (typeof key !== 'object' || key === null || key.type !== type || algorithm?.name !== 'RSA-OAEP' || algorithm.hash?.name !== 'SHA-256') {
    throw new InvalidInputError(field, `expected a WebCrypto ${type} CryptoKey for RSA-OAEP with SHA-256`);
  }
}

export class RawRsaKeyring implements Keyring {
  private readonly namespace: string;
  private readonly name: Uint8Array;
  private readonly publicKey: CryptoKey | undefined;
  private readonly privateKey: CryptoKey | undefined;

  constructor(options: RawRsaKeyringOptions) {
    ({ namespace: this.namespace, name: this.name } = checkKeyNames(options));
    checkKey('publicKey', options.publicKey, 'public');
    checkKey('privateKey', options.privateKey, 'private');
    if (!options.publicKey && !options.privateKey) throw new InvalidInputError('publicKey', 'a public key, a private key or both are needed');
    this.publicKey = options.publicKey;
    this.privateKey = options.privateKey;
  }

  async onEncrypt({ dataKey }: KeyringEncryptRequest): Promise<KeyringEncryptResult> {
    if (!this.publicKey) throw new KeyringError(`raw RSA keyring ${this.namespace}: no public key to encrypt with`);
    const key = dataKey ?? crypto.getRandomValues(new Uint8Array(DATA_KEY_BYTES));
    const ciphertext = new Uint8Array(await crypto.subtle.encrypt(OAEP, this.publicKey, new Uint8Array(key)));
    return { dataKey: key, encryptedDataKeys: [{ providerId: this.namespace, providerInfo: this.name.slice(), ciphertext }] };
  }

  async onDecrypt({ encryptedDataKeys }: KeyringDecryptRequest): Promise<Uint8Array | undefined> {
    const privateKey = this.privateKey;
    if (!privateKey) return undefined;
    const own = encryptedDataKeys.filter((k) => k.providerId === this.namespace && compareBytes(k.providerInfo, this.name) === 0);
    return unwrapFirst(`raw RSA keyring ${this.namespace}`, own, async (k) => new Uint8Array(await crypto.subtle.decrypt(OAEP, privateKey, new Uint8Array(k.ciphertext))));
  }
}
