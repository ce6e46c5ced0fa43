export {
  encryptAwsEsdkMessage, decryptAwsEsdkMessage, awsEsdkEncryptStream, awsEsdkDecryptStream, createAwsEsdkEncryptor, createAwsEsdkDecryptor,
  DEFAULT_SUITE_ID, type AwsEsdkEncryptOptions, type AwsEsdkDecryptOptions,
} from './aws-esdk-messages.js';
export { MessageEncryptor as AwsEsdkEncryptor, DEFAULT_FRAME_LENGTH } from './message-encryptor.js';
export { MessageDecryptor as AwsEsdkDecryptor } from './message-decryptor.js';
export { type CommitmentPolicy } from './algorithm-suites.js';
export { CommitmentPolicyError, KeyringError } from './esdk-errors.js';
export type { MessageHeader as AwsEsdkMessageHeader, EncryptedDataKey } from './header-codec.js';
export type { Keyring, KeyringEncryptRequest, KeyringEncryptResult, KeyringDecryptRequest } from './keyring.js';
export { RawAesKeyring, type RawAesKeyringOptions } from './raw-aes-keyring.js';
export { RawRsaKeyring, type RawRsaKeyringOptions } from './raw-rsa-keyring.js';
export { AwsKmsKeyring, AWS_KMS_PROVIDER_ID, type AwsKmsKeyringOptions } from './aws-kms-keyring.js';
export { MultiKeyring, type MultiKeyringOptions } from './multi-keyring.js';
export { DefaultMaterialsManager, type MaterialsManager, type EncryptionMaterials as AwsEsdkEncryptionMaterials, type DecryptionMaterials as AwsEsdkDecryptionMaterials, type EncryptionMaterialsRequest } from './materials-manager.js';
export { CachingMaterialsManager, type CachingMaterialsManagerOptions } from './caching-materials-manager.js';
