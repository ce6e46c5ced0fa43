// The AWS KMS keyring of the Encryption SDK (framework/aws-kms/aws-kms-keyring.md): the generator
// KMS key makes the data key (GenerateDataKey), every other KMS key encrypts it (Encrypt), and
// decryption asks KMS (Decrypt) with the KeyId named in the encrypted data key. Its encrypted data
// key: provider id "aws-kms", provider info = the key ARN KMS answered with, ciphertext = KMS's
// CiphertextBlob. The message's encryption context is the KMS encryption context.
//
// It talks to KMS only through the narrow KmsClient interface (../kms-client.ts), which
// KeyManagementService satisfies, and awsSdkKmsClient() makes an @aws-sdk/client-kms client satisfy;
// `caller` says whom kms-wasm's own KMS authorizes (a remote KMS uses its client's credentials).

import { InvalidInputError } from '../../core/errors.js';
import type { Caller } from '../../policy/caller.js';
import type { KmsClient } from '../kms-client.js';
import { DATA_KEY_BYTES } from './algorithm-suites.js';
import { KeyringError } from './esdk-errors.js';
import type { EncryptedDataKey } from './header-codec.js';
import { unwrapFirst, type Keyring, type KeyringDecryptRequest, type KeyringEncryptRequest, type KeyringEncryptResult } from './keyring.js';

export const AWS_KMS_PROVIDER_ID = 'aws-kms';

export interface AwsKmsKeyringOptions {
  client: Pick<KmsClient, 'generateDataKey' | 'encrypt' | 'decrypt'>;
  /** Who asks kms-wasm's KMS (ignored by a remote KMS, which knows its client's credentials). */
  caller?: Caller;
  /** The KMS key that generates the data key (any key id, alias or ARN KMS accepts). Needed to encrypt. */
  generatorKeyId?: string;
  /** More KMS keys that each wrap the data key; on decrypt, with the generator, the keys it may ask KMS to use. Key ARNs. */
  keyIds?: string[];
  grantTokens?: string[];
  /**
   * Decrypt with any KMS key named in the message (discovery, as the Encryption SDK's discovery
   * keyring does) instead of only the configured ones.
   */
  discovery?: boolean;
}

const isKeyArn = (id: unknown): id is string => typeof id === 'string' && /^arn:aws[a-z-]*:kms:[^:]*:[^:]*:key\/.+$/.test(id);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export class AwsKmsKeyring implements Keyring {
  private readonly client: AwsKmsKeyringOptions['client'];
  private readonly caller: Caller | undefined;
  private readonly generatorKeyId: string | undefined;
  private readonly keyIds: readonly string[];
  private readonly grantTokens: string[] | undefined;
  private readonly discovery: boolean;

  constructor(options: AwsKmsKeyringOptions) {
    const { client, caller, generatorKeyId, keyIds = [], grantTokens, discovery = false } = options ?? ({} as AwsKmsKeyringOptions);
    for (const method of ['generateDataKey', 'encrypt', 'decrypt'] as const) {
      if (typeof client?.[method] !== 'function') throw new InvalidInputError('client', `expected a KMS client with ${method}()`);
    }
    if (generatorKeyId !== undefined && (typeof generatorKeyId !== 'string' || generatorKeyId === '')) throw new InvalidInputError('generatorKeyId', 'expected a KMS key id');
    if (!Array.isArray(keyIds) || !keyIds.every((id) => typeof id === 'string' && id !== '')) throw new InvalidInputError('keyIds', 'expected an array of KMS key ids');
    if (discovery && (generatorKeyId !== undefined || keyIds.length > 0)) throw new InvalidInputError('discovery', 'a discovery keyring names no keys');
    if (!discovery && generatorKeyId === undefined && keyIds.length === 0) throw new InvalidInputError('generatorKeyId', 'name a generator or key ids, or set discovery');
    this.client = client;
    this.caller = caller;
    this.generatorKeyId = generatorKeyId;
    this.keyIds = [...keyIds];
    this.grantTokens = grantTokens;
    this.discovery = discovery;
  }

  async onEncrypt({ encryptionContext, dataKey }: KeyringEncryptRequest): Promise<KeyringEncryptResult> {
    if (this.discovery) throw new KeyringError('a discovery KMS keyring cannot encrypt');
    const common = { EncryptionContext: encryptionContext, GrantTokens: this.grantTokens };
    const encryptedDataKeys: EncryptedDataKey[] = [];
    let key = dataKey;
    const wrapWith = [...this.keyIds];
    if (key === undefined) {
      if (this.generatorKeyId === undefined) throw new KeyringError('this KMS keyring has no generator key to make a data key with');
      const response = await this.client.generateDataKey({ KeyId: this.generatorKeyId, NumberOfBytes: DATA_KEY_BYTES, ...common }, this.caller);
      if (!(response.Plaintext instanceof Uint8Array) || response.Plaintext.length !== DATA_KEY_BYTES) throw new KeyringError('KMS GenerateDataKey answered without a 32-byte Plaintext');
      key = response.Plaintext;
      encryptedDataKeys.push(kmsDataKey(response));
    } else if (this.generatorKeyId !== undefined) {
      wrapWith.unshift(this.generatorKeyId);
    }
    for (const KeyId of wrapWith) encryptedDataKeys.push(kmsDataKey(await this.client.encrypt({ KeyId, Plaintext: key, ...common }, this.caller)));
    return { dataKey: key, encryptedDataKeys };
  }

  async onDecrypt({ encryptionContext, encryptedDataKeys }: KeyringDecryptRequest): Promise<Uint8Array | undefined> {
    const allowed = new Set([...(this.generatorKeyId ? [this.generatorKeyId] : []), ...this.keyIds]);
    const own = encryptedDataKeys.flatMap((k) => {
      if (k.providerId !== AWS_KMS_PROVIDER_ID) return [];
      const arn = arnOf(k.providerInfo);
      return arn && (this.discovery || allowed.has(arn)) ? [{ arn, ciphertext: k.ciphertext }] : [];
    });
    return unwrapFirst('AWS KMS keyring', own, async ({ arn, ciphertext }) => {
      const response = await this.client.decrypt({ KeyId: arn, CiphertextBlob: ciphertext, EncryptionContext: encryptionContext, GrantTokens: this.grantTokens }, this.caller);
      if (response.KeyId !== arn) throw new KeyringError(`KMS Decrypt answered with key ${String(response.KeyId)}, not ${arn}`);
      if (!(response.Plaintext instanceof Uint8Array) || response.Plaintext.length !== DATA_KEY_BYTES) throw new KeyringError('KMS Decrypt answered without a 32-byte Plaintext');
      return response.Plaintext;
    });
  }
}

/** The encrypted data key for a KMS answer, which must name the key by its ARN. */
function kmsDataKey({ KeyId, CiphertextBlob }: { KeyId?: string; CiphertextBlob?: Uint8Array }): EncryptedDataKey {
  if (!isKeyArn(KeyId)) throw new KeyringError(`KMS answered with KeyId ${String(KeyId)}, not a key ARN`);
  if (!(CiphertextBlob instanceof Uint8Array)) throw new KeyringError('KMS answered without a CiphertextBlob');
  return { providerId: AWS_KMS_PROVIDER_ID, providerInfo: encoder.encode(KeyId), ciphertext: CiphertextBlob };
}

function arnOf(providerInfo: Uint8Array): string | undefined {
  try {
    const arn = decoder.decode(providerInfo);
    return isKeyArn(arn) ? arn : undefined;
  } catch {
    return undefined;
  }
}
