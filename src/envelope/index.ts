export { encryptStream, decryptStream, encryptMessage, decryptMessage } from './envelope-streams.js';
export type { MessageFormat, MessageOptions } from './message-formats.js';
export { FramedEncryptor, type FramingOptions } from './framed-encryptor.js';
export { FramedDecryptor } from './framed-decryptor.js';
export { decryptRange, type RangeReader, type RangedPlaintext } from './ranged-decrypt.js';
export type { EncryptionMaterials, DataKeyResolver } from './materials.js';
export { MessageFormatError, DEFAULT_FRAME_BYTES, type MessageHeader, type WrappedKey } from './message-format.js';
export * from './aws-esdk/index.js';
