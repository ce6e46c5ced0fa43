// The raw AES keyring (framework/raw-aes-keyring.md): the data key wrapped with AES-256-GCM under a
// wrapping key the caller holds, the encryption context as AAD. Its encrypted data key:
//   provider id   = key namespace
//   provider info = key name ‖ tag length in bits (u32, 128) ‖ IV length (u32, 12) ‖ IV
//   ciphertext    = wrapped data key ‖ tag
// Only 256-bit wrapping keys: the core's GCM is AES-256.

import { gcm } from '../../core/gcm.js';
import { AuthenticationError } from '../../core/errors.js';
import { requireBytes } from '../../core/validate.js';
import { compareBytes, copyBytes } from '../../core/bytes.js';
import { DATA_KEY_BYTES, IV_BYTES, TAG_BYTES } from './algorithm-suites.js';
import { ByteReader, ByteWriter } from './byte-fields.js';
import { serializeEncryptionContext } from './header-codec.js';
import { unwrapFirst, type Keyring, type KeyringDecryptRequest, type KeyringEncryptRequest, type KeyringEncryptResult } from './keyring.js';
import { checkKeyNames, type RawKeyNames } from './raw-key-names.js';

export interface RawAesKeyringOptions extends RawKeyNames {
  /** The 32-byte AES-256 wrapping key; the keyring keeps its own copy (zero it with dispose()). */
  wrappingKey: Uint8Array;
}

export class RawAesKeyring implements Keyring {
  private readonly namespace: string;
  private readonly name: Uint8Array;
  private readonly wrappingKey: Uint8Array;

  constructor(options: RawAesKeyringOptions) {
    ({ namespace: this.namespace, name: this.name } = checkKeyNames(options));
    this.wrappingKey = copyBytes(requireBytes('wrappingKey', options.wrappingKey, 32));
  }

  async onEncrypt({ encryptionContext, dataKey }: KeyringEncryptRequest): Promise<KeyringEncryptResult> {
    const key = dataKey ?? crypto.getRandomValues(new Uint8Array(DATA_KEY_BYTES));
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const ciphertext = gcm(this.wrappingKey, iv, serializeEncryptionContext(encryptionContext)).encrypt(key);
    const providerInfo = new ByteWriter(this.name.length + 8 + IV_BYTES).raw(this.name).u32(TAG_BYTES * 8).u32(IV_BYTES).raw(iv).bytes;
    return { dataKey: key, encryptedDataKeys: [{ providerId: this.namespace, providerInfo, ciphertext }] };
  }

  async onDecrypt({ encryptionContext, encryptedDataKeys }: KeyringDecryptRequest): Promise<Uint8Array | undefined> {
    const own = encryptedDataKeys.flatMap((key) => {
      const iv = this.ivIfOwn(key.providerId, key.providerInfo);
      return iv && key.ciphertext.length === DATA_KEY_BYTES + TAG_BYTES ? [{ iv, ciphertext: key.ciphertext }] : [];
    });
    const aad = serializeEncryptionContext(encryptionContext);
    return unwrapFirst(`raw AES keyring ${this.namespace}`, own, async ({ iv, ciphertext }) => {
      try {
        return gcm(this.wrappingKey, iv, aad).decrypt(ciphertext);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        throw new AuthenticationError('a data key wrapped under this raw AES key does not unwrap: another key, or another encryption context');
      }
    });
  }

  /** Zeroes the wrapping key; the keyring is unusable after. */
  dispose(): void {
    this.wrappingKey.fill(0);
  }

  /** The IV of an encrypted data key this keyring wrapped (its namespace, its name, AES-GCM 128-bit tag, 12-byte IV). */
  private ivIfOwn(providerId: string, providerInfo: Uint8Array): Uint8Array | undefined {
    if (providerId !== this.namespace || providerInfo.length !== this.name.length + 8 + IV_BYTES) return undefined;
    if (compareBytes(providerInfo.subarray(0, this.name.length), this.name) !== 0) return undefined;
    const reader = new ByteReader(providerInfo.subarray(this.name.length));
    if (reader.u32() !== TAG_BYTES * 8 || reader.u32() !== IV_BYTES) return undefined;
    return reader.take(IV_BYTES);
  }
}
