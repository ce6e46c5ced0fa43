// node:crypto (OpenSSL) as the reference implementation for differential tests.
import { createCipheriv } from 'node:crypto';

export function nodeGcmEncrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagLength = 16): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagLength });
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

export function nodeXtsEncrypt(key: Uint8Array, tweak: Uint8Array, data: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-xts', key, tweak);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}
