// Cuts a byte stream into parts of exactly `partBytes` (the last one shorter): the parts of a
// multipart upload, which S3 wants at least 5 MiB each but the last (S3 User Guide, "Multipart
// upload limits"). One part is filled at a time, so memory is bounded by the part size.

export function partChunks(partBytes: number): TransformStream<Uint8Array, Uint8Array<ArrayBuffer>> {
  let part: Uint8Array<ArrayBuffer> | undefined;
  let filled = 0;
  return new TransformStream({
    transform(chunk, controller) {
      for (let at = 0; at < chunk.length;) {
        part ??= new Uint8Array(partBytes);
        const take = Math.min(partBytes - filled, chunk.length - at);
        part.set(chunk.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === partBytes) {
          controller.enqueue(part);
          part = undefined;
          filled = 0;
        }
      }
    },
    flush(controller) {
      if (part) controller.enqueue(part.slice(0, filled));
    },
  });
}
