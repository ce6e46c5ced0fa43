// The AWS Encryption SDK message format as a user calls it: one-shot encrypt and decrypt of bytes
// in memory, and Web TransformStreams (Node and browsers) for messages of any size.

import { InvalidInputError } from '../../core/errors.js';
import { requireBytes, requireIntegerInRange } from '../../core/validate.js';
import type { EncryptionContext } from '../encryption-context.js';
import { chunkTransform } from '../chunk-transform.js';
import { algorithmSuite, assertEncryptAllowed, checkCommitmentPolicy, DEFAULT_COMMITMENT_POLICY, SUITE_IDS, hex, type CommitmentPolicy } from './algorithm-suites.js';
import type { MessageHeader } from './header-codec.js';
import type { Keyring } from './keyring.js';
import { KeyringError } from './esdk-errors.js';
import { checkEncryptionContext, DefaultMaterialsManager, type MaterialsManager } from './materials-manager.js';
import { MessageDecryptor } from './message-decryptor.js';
import { DEFAULT_FRAME_LENGTH, MessageEncryptor } from './message-encryptor.js';

/** Key-committing AES-256-GCM with HKDF-SHA-512, unsigned: the default here (0x0578 adds an ECDSA P-384 signature). */
export const DEFAULT_SUITE_ID = 0x0478;

export interface AwsEsdkDecryptOptions {
  /** Who unwraps (and, encrypting, makes) the data key; or give a `materialsManager` instead. */
  keyring?: Keyring;
  /** Instead of a keyring: where materials come from, e.g. a CachingMaterialsManager. */
  materialsManager?: MaterialsManager;
  /** Default REQUIRE_ENCRYPT_REQUIRE_DECRYPT: only key-committing (format 2.0) messages are read. */
  commitmentPolicy?: CommitmentPolicy;
  /** Refuse messages carrying more encrypted data keys than this (default: no limit, as in the Encryption SDK). */
  maxEncryptedDataKeys?: number;
}

export interface AwsEsdkEncryptOptions extends AwsEsdkDecryptOptions {
  encryptionContext?: EncryptionContext;
  /** 0x0478 (default) or 0x0578; the non-committing suites need commitmentPolicy FORBID_ENCRYPT_ALLOW_DECRYPT and are not written here. */
  suiteId?: number;
  /** Plaintext bytes per frame (default 4096, at most 2^32 − 1). */
  frameLength?: number;
}

function checkCommon(options: AwsEsdkDecryptOptions) {
  const { keyring, materialsManager } = options ?? {};
  if ((keyring === undefined) === (materialsManager === undefined)) throw new InvalidInputError('keyring', 'expected a keyring or a materialsManager (one of them)');
  if (keyring !== undefined && (typeof keyring?.onEncrypt !== 'function' || typeof keyring.onDecrypt !== 'function')) throw new InvalidInputError('keyring', 'expected a keyring');
  if (materialsManager !== undefined && (typeof materialsManager?.getEncryptionMaterials !== 'function' || typeof materialsManager.getDecryptionMaterials !== 'function')) {
    throw new InvalidInputError('materialsManager', 'expected a materials manager');
  }
  const commitmentPolicy = checkCommitmentPolicy(options.commitmentPolicy ?? DEFAULT_COMMITMENT_POLICY);
  const { maxEncryptedDataKeys } = options;
  if (maxEncryptedDataKeys !== undefined) requireIntegerInRange('maxEncryptedDataKeys', maxEncryptedDataKeys, 1, 0xffff);
  return { materialsManager: materialsManager ?? new DefaultMaterialsManager(keyring!), commitmentPolicy, maxEncryptedDataKeys };
}

/**
 * Gets the materials and returns the encryptor; its `header` is the message's. `plaintextLength`,
 * when the caller knows it, lets a caching materials manager count bytes (without it, it does not cache).
 */
export async function createAwsEsdkEncryptor(options: AwsEsdkEncryptOptions, plaintextLength?: number): Promise<MessageEncryptor> {
  const { materialsManager, commitmentPolicy, maxEncryptedDataKeys } = checkCommon(options);
  const suiteId = options.suiteId ?? DEFAULT_SUITE_ID;
  const suite = algorithmSuite(suiteId);
  if (!suite || suite.messageFormat !== 2) {
    throw new InvalidInputError('suiteId', `expected 0x0478 or 0x0578, got ${typeof suiteId === 'number' ? `0x${hex(suiteId)}` : String(suiteId)} (readable: ${SUITE_IDS.map(hex).join(', ')})`);
  }
  assertEncryptAllowed(commitmentPolicy, suite);
  const frameLength = requireIntegerInRange('frameLength', options.frameLength ?? DEFAULT_FRAME_LENGTH, 1, 0xffffffff);
  const encryptionContext = checkEncryptionContext(options.encryptionContext);
  const materials = await materialsManager.getEncryptionMaterials({ suite, encryptionContext, ...(plaintextLength === undefined ? {} : { plaintextLength }) });
  if (maxEncryptedDataKeys !== undefined && materials.encryptedDataKeys.length > maxEncryptedDataKeys) {
    materials.dataKey.fill(0);
    materials.signingKey?.fill(0);
    throw new KeyringError(`the keyring made ${materials.encryptedDataKeys.length} encrypted data keys, more than maxEncryptedDataKeys (${maxEncryptedDataKeys})`);
  }
  return new MessageEncryptor(materials, frameLength);
}

export function createAwsEsdkDecryptor(options: AwsEsdkDecryptOptions): MessageDecryptor {
  return new MessageDecryptor(checkCommon(options));
}

export async function encryptAwsEsdkMessage(plaintext: Uint8Array, options: AwsEsdkEncryptOptions): Promise<{ message: Uint8Array; messageHeader: MessageHeader }> {
  requireBytes('plaintext', plaintext);
  const encryptor = await createAwsEsdkEncryptor(options, plaintext.length);
  return { message: encryptor.final(plaintext), messageHeader: encryptor.header };
}

/** Decrypts a whole message; throws (releasing nothing) unless all of it authenticates. */
export async function decryptAwsEsdkMessage(message: Uint8Array, options: AwsEsdkDecryptOptions): Promise<{ plaintext: Uint8Array; messageHeader: MessageHeader }> {
  requireBytes('message', message);
  const decryptor = createAwsEsdkDecryptor(options);
  const plaintext = await decryptor.update(message);
  await decryptor.final(); // everything was decrypted above: this checks that the message was complete
  return { plaintext, messageHeader: decryptor.header! };
}

/** Plaintext in, message out. */
export function awsEsdkEncryptStream(options: AwsEsdkEncryptOptions): TransformStream<Uint8Array, Uint8Array> {
  return chunkTransform(() => createAwsEsdkEncryptor(options));
}

/**
 * Message in, plaintext out, each frame as it authenticates (a signed message: all of it once
 * the signature verifies); errors the stream on any tampering or truncation.
 */
export function awsEsdkDecryptStream(options: AwsEsdkDecryptOptions): TransformStream<Uint8Array, Uint8Array> {
  const decryptor = createAwsEsdkDecryptor(options);
  return chunkTransform(() => decryptor);
}
