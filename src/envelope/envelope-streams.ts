// The framed encryptor and decryptor as Web streams (TransformStream, in Node and browsers); as
// Node streams through toNodeDuplex (node-duplex.ts, in kms-wasm/node).

import { chunkTransform } from './chunk-transform.js';
import { FramedDecryptor } from './framed-decryptor.js';
import { FramedEncryptor, type FramingOptions } from './framed-encryptor.js';
import type { DataKeyResolver, EncryptionMaterials } from './materials.js';

export function encryptStream(materials: EncryptionMaterials, options?: FramingOptions): TransformStream<Uint8Array, Uint8Array> {
  const encryptor = new FramedEncryptor(materials, options);
  return chunkTransform(() => encryptor);
}

/** Emits each frame's plaintext only after it authenticates; errors the stream on any tampering or truncation. */
export function decryptStream(resolveDataKey: DataKeyResolver): TransformStream<Uint8Array, Uint8Array> {
  return chunkTransform(() => new FramedDecryptor(resolveDataKey));
}

/** Encrypts or decrypts a whole message held in memory. */
export function encryptMessage(materials: EncryptionMaterials, plaintext: Uint8Array, options?: FramingOptions): Uint8Array {
  return new FramedEncryptor(materials, options).final(plaintext);
}

export async function decryptMessage(resolveDataKey: DataKeyResolver, message: Uint8Array): Promise<Uint8Array> {
  const decryptor = new FramedDecryptor(resolveDataKey);
  const plaintext = await decryptor.update(message);
  await decryptor.final(); // every complete frame was decrypted above: this only checks the message ended with its final frame
  return plaintext;
}
