// Messages in either format (message-formats.ts: kms-wasm's framed envelope by default, or the AWS
// Encryption SDK's) as Web streams (TransformStream, in Node and browsers) or whole in memory; as Node
// streams through toNodeDuplex (node-duplex.ts, in kms-wasm/node). Decryption reads either format.

import { chunkTransform } from './chunk-transform.js';
import type { DataKeyResolver, EncryptionMaterials } from './materials.js';
import { AnyFormatDecryptor, messageEncryptor, type MessageOptions } from './message-formats.js';

export function encryptStream(materials: EncryptionMaterials, options?: MessageOptions): TransformStream<Uint8Array, Uint8Array> {
  const encryptor = messageEncryptor(materials, options);
  return chunkTransform(() => encryptor);
}

/** Emits each frame's plaintext only after it authenticates; errors the stream on any tampering or truncation. */
export function decryptStream(resolveDataKey: DataKeyResolver): TransformStream<Uint8Array, Uint8Array> {
  return chunkTransform(() => new AnyFormatDecryptor(resolveDataKey));
}

/** Encrypts or decrypts a whole message held in memory. */
export function encryptMessage(materials: EncryptionMaterials, plaintext: Uint8Array, options?: MessageOptions): Uint8Array {
  return messageEncryptor(materials, options).final(plaintext);
}

export async function decryptMessage(resolveDataKey: DataKeyResolver, message: Uint8Array): Promise<Uint8Array> {
  const decryptor = new AnyFormatDecryptor(resolveDataKey);
  const plaintext = await decryptor.update(message);
  await decryptor.final(); // every complete frame was decrypted above: this only checks the message ended with its final frame
  return plaintext;
}
