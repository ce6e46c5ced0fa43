// The framed encryptor and decryptor as Web streams (TransformStream, in Node and browsers), and
// as Node streams through Duplex.fromWeb.

import { FramedDecryptor } from './framed-decryptor.js';
import { FramedEncryptor, type FramingOptions } from './framed-encryptor.js';
import type { DataKeyResolver, EncryptionMaterials } from './materials.js';

export function encryptStream(materials: EncryptionMaterials, options?: FramingOptions): TransformStream<Uint8Array, Uint8Array> {
  const encryptor = new FramedEncryptor(materials, options);
  return new TransformStream({
    transform(chunk, controller) {
      const out = encryptor.update(chunk);
      if (out.length > 0) controller.enqueue(out);
    },
    flush(controller) {
      controller.enqueue(encryptor.final());
    },
  });
}

/** Emits each frame's plaintext only after it authenticates; errors the stream on any tampering or truncation. */
export function decryptStream(resolveDataKey: DataKeyResolver): TransformStream<Uint8Array, Uint8Array> {
  const decryptor = new FramedDecryptor(resolveDataKey);
  return new TransformStream({
    async transform(chunk, controller) {
      const out = await decryptor.update(chunk);
      if (out.length > 0) controller.enqueue(out);
    },
    async flush() {
      await decryptor.final(); // every complete frame went out through transform(): this only checks that the message ended with its final frame
    },
  });
}

/** A Node Duplex stream over one of the transforms above (Node only). */
export async function toNodeDuplex(transform: TransformStream<Uint8Array, Uint8Array>): Promise<import('node:stream').Duplex> {
  const { Duplex } = await import('node:stream');
  return Duplex.fromWeb(transform as unknown as Parameters<typeof Duplex.fromWeb>[0]);
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
