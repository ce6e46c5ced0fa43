// The framed encryptor and decryptor as Web streams (TransformStream, in Node and browsers), and
// as Node streams through Duplex.fromWeb.

import type { Duplex } from 'node:stream';
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

/**
 * A Node Duplex stream over one of the transforms above, for `stream.pipeline` (Node 20.16+ only).
 * Synchronous, so it can sit in a pipeline's argument list: node:stream comes from
 * process.getBuiltinModule, which, unlike an import, a browser bundler never tries to resolve.
 */
export function toNodeDuplex(transform: TransformStream<Uint8Array, Uint8Array>): Duplex {
  const stream = globalThis.process?.getBuiltinModule?.('node:stream');
  if (!stream) throw new Error('toNodeDuplex needs Node.js 20.16 or later (process.getBuiltinModule)');
  return stream.Duplex.fromWeb(transform as unknown as Parameters<typeof stream.Duplex.fromWeb>[0]);
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
