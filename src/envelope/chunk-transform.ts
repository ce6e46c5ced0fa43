// Any message encryptor or decryptor (update per chunk, final at the end) as a Web TransformStream,
// in Node and browsers. Used by both message formats.

export interface ChunkCipher {
  update(chunk: Uint8Array): Uint8Array | Promise<Uint8Array>;
  final(): Uint8Array | Promise<Uint8Array>;
}

/** A TransformStream over the cipher `open` gives (awaited before the first chunk). */
export function chunkTransform(open: () => ChunkCipher | Promise<ChunkCipher>): TransformStream<Uint8Array, Uint8Array> {
  let cipher: ChunkCipher;
  return new TransformStream({
    async start() {
      cipher = await open();
    },
    async transform(chunk, controller) {
      const out = await cipher.update(chunk);
      if (out.length > 0) controller.enqueue(out);
    },
    async flush(controller) {
      const out = await cipher.final();
      if (out.length > 0) controller.enqueue(out);
    },
  });
}
