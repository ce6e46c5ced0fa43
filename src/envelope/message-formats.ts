// The two message formats behind encryptMessage / decryptMessage and their streams: kms-wasm's own
// framed envelope ('kms-wasm', docs/format.md; the default, and the only one with ranged decryption)
// and the AWS Encryption SDK's ('aws-esdk': message format 2, suite 0x0478, 4096-byte frames).
//
// Both are written from the same EncryptionMaterials: the data key, the encryption context, and the
// data key's wrapped copies. A wrapped key maps one to one onto the Encryption SDK's encrypted data
// key (provider id, provider info = the key id, ciphertext), so a message written with materials from
// kmsEncryptionMaterials is exactly what the Encryption SDK's AWS KMS keyring writes: GenerateDataKey
// under the message's encryption context. Any Encryption SDK (Java, Python, JavaScript, the CLI)
// decrypts it with a KMS keyring, and kms-wasm decrypts theirs with a DataKeyResolver.
//
// On read the format is told by the first byte: the envelope begins with its magic "KWE1" (0x4b),
// an Encryption SDK message with its version (0x02; 0x01 for version 1, which the default commitment
// policy refuses).

import { InvalidInputError } from '../core/errors.js';
import { algorithmSuite } from './aws-esdk/algorithm-suites.js';
import type { EncryptedDataKey } from './aws-esdk/header-codec.js';
import type { Keyring } from './aws-esdk/keyring.js';
import { createAwsEsdkDecryptor } from './aws-esdk/aws-esdk-messages.js';
import { DEFAULT_FRAME_LENGTH, MessageEncryptor } from './aws-esdk/message-encryptor.js';
import type { ChunkCipher } from './chunk-transform.js';
import { FramedDecryptor } from './framed-decryptor.js';
import { FramedEncryptor, type FramingOptions } from './framed-encryptor.js';
import type { FramingEncryptor } from './framing-encryptor.js';
import { requireMaterials, type DataKeyResolver, type EncryptionMaterials } from './materials.js';
import type { WrappedKey } from './message-format.js';

export type MessageFormat = 'kms-wasm' | 'aws-esdk';

export interface MessageOptions extends FramingOptions {
  /** 'kms-wasm' (the default: the framed envelope, which ranged reads need) or 'aws-esdk' (the AWS Encryption SDK's format). */
  format?: MessageFormat;
}

/** The Encryption SDK's key-committing, unsigned suite: what 'aws-esdk' messages are written with. */
const ESDK_SUITE_ID = 0x0478;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

const toEncryptedDataKey = (key: WrappedKey): EncryptedDataKey => ({ providerId: key.providerId, providerInfo: encoder.encode(key.keyId), ciphertext: key.blob });

/** The encryptor for `format`, from the same materials either way. */
export function messageEncryptor(materials: EncryptionMaterials, options: MessageOptions = {}): FramingEncryptor {
  const format = options.format ?? 'kms-wasm';
  if (format === 'kms-wasm') return new FramedEncryptor(materials, options);
  if (format !== 'aws-esdk') throw new InvalidInputError('format', `expected 'kms-wasm' or 'aws-esdk', got ${String(format)}`);
  if (options.frameBytes !== undefined) throw new InvalidInputError('frameBytes', "not with format 'aws-esdk', whose messages use the Encryption SDK's 4096-byte frames");
  requireMaterials(materials);
  // The Encryption SDK's encryptor zeroes the key it is given once derived; the caller's stays theirs.
  return new MessageEncryptor({
    suite: algorithmSuite(ESDK_SUITE_ID)!, dataKey: materials.dataKey.slice(), encryptionContext: { ...materials.encryptionContext },
    encryptedDataKeys: materials.wrappedKeys.map(toEncryptedDataKey),
  }, DEFAULT_FRAME_LENGTH);
}

/** A keyring that only decrypts, by handing the message's encrypted data keys to a DataKeyResolver as wrapped keys. */
function resolverKeyring(resolveDataKey: DataKeyResolver): Keyring {
  return {
    async onEncrypt() {
      throw new InvalidInputError('keyring', 'a DataKeyResolver only decrypts');
    },
    async onDecrypt({ suite, encryptionContext, encryptedDataKeys }) {
      const wrappedKeys = encryptedDataKeys.flatMap((key) => {
        try {
          return [{ providerId: key.providerId, keyId: decoder.decode(key.providerInfo), blob: key.ciphertext }];
        } catch {
          return []; // a raw keyring's binary provider info: not a key a resolver can name
        }
      });
      // The resolver sees the header fields it uses: the wrapped keys and the encryption context.
      return resolveDataKey({ algorithm: suite.id, messageId: new Uint8Array(0), frameBytes: 0, encryptionContext, wrappedKeys });
    },
  };
}

/**
 * A decryptor for either format, chosen by the message's first byte; nothing is released before
 * the chosen decryptor authenticates it. Encryption SDK messages follow its default commitment
 * policy (only key-committing messages).
 */
export class AnyFormatDecryptor implements ChunkCipher {
  private decryptor: ChunkCipher | undefined;

  /** `framed` makes the decryptor for kms-wasm's own format (the pooled one runs its frames on the worker pool). */
  constructor(
    private readonly resolveDataKey: DataKeyResolver,
    private readonly framed: (resolveDataKey: DataKeyResolver) => ChunkCipher = (resolve) => new FramedDecryptor(resolve),
  ) {}

  update(chunk: Uint8Array): Uint8Array | Promise<Uint8Array> {
    if (!this.decryptor) {
      if (chunk.length === 0) return new Uint8Array(0);
      this.decryptor = chunk[0] === 0x01 || chunk[0] === 0x02
        ? createAwsEsdkDecryptor({ keyring: resolverKeyring(this.resolveDataKey) })
        : this.framed(this.resolveDataKey);
    }
    return this.decryptor.update(chunk);
  }

  final(): Uint8Array | Promise<Uint8Array> {
    return (this.decryptor ??= this.framed(this.resolveDataKey)).final();
  }
}
